// ReadersSHA256Tests.swift: the pure-Swift SHA-256 against the FIPS 180-4 / NIST vectors.

import Foundation
import XCTest
import MallIO

final class ReadersSHA256Tests: XCTestCase {
    func testEmpty() {
        XCTAssertEqual(SHA256.hex(of: []), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testABC() {
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testTwoBlockMessage448Bits() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        XCTAssertEqual(SHA256.hex(of: Array(message.utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessage() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        XCTAssertEqual(SHA256.hex(of: Array(message.utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testMillionA() {
        XCTAssertEqual(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the message in pieces of every awkward size gives the one-shot digest,
    /// including the padding edge cases (55, 56, 63, 64 bytes pending).
    func testIncrementalUpdatesMatchOneShot() {
        let message = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let expected = SHA256.hex(of: Array(message[0..<length]))
            for piece in [1, 3, 7, 63, 64, 65, 200] {
                var hasher = SHA256()
                var offset = 0
                while offset < length {
                    let end = min(length, offset + piece)
                    hasher.update(Array(message[offset..<end]))
                    offset = end
                }
                XCTAssertEqual(hasher.finalizeHex(), expected, "length \(length), piece \(piece)")
            }
        }
    }

    func testDataAndRawBufferUpdates() {
        var fromData = SHA256()
        fromData.update(Data("ab".utf8))
        XCTAssertEqual(fromData.finalizeHex(), SHA256.hex(of: Array("ab".utf8)))  // finalizing leaves the hasher as it was
        fromData.update(Data("c".utf8))
        XCTAssertEqual(fromData.finalizeHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var fromRaw = SHA256()
        Array("abc".utf8).withUnsafeBytes { fromRaw.update($0) }
        XCTAssertEqual(fromRaw.finalize().count, 32)
    }
}
