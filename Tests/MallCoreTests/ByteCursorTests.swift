// ByteCursor and ByteRoom: bytes laid down in order, short runs moved as overlapping words,
// nothing written past what was put, and room that grows to the longest row asked for.

import MallCore
import XCTest

final class ByteCursorTests: XCTestCase {
    /// Every length from 0 to 40 (the word paths of 4–7 and 8–16 bytes and the copy beyond),
    /// at every offset in the room from 0 to 8: exactly the bytes put, and the room after
    /// them untouched.
    func testPutCopiesExactlyTheBytesGiven() {
        let source: [UInt8] = (0..<40).map { UInt8(1 + $0 * 3) }
        let room = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64)
        defer { room.deallocate() }
        for lead in 0...8 {
            for n in 0...40 {
                room.initialize(repeating: 0xEE)
                var out = ByteCursor(room)
                for _ in 0..<lead { out.put(0xAA) }
                source.withUnsafeBufferPointer { out.put(UnsafeBufferPointer(rebasing: $0[0..<n])) }
                out.put(0xBB)
                XCTAssertEqual(Array(out.written),
                               Array(repeating: 0xAA, count: lead) + source[0..<n] + [0xBB], "lead \(lead), \(n) bytes")
                XCTAssertEqual(Array(room[(lead + n + 1)...]), Array(repeating: 0xEE, count: 64 - lead - n - 1),
                               "lead \(lead), \(n) bytes")
            }
        }
    }

    func testReplaceLastAndDirectWrites() {
        let room = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 16)
        defer { room.deallocate() }
        var out = ByteCursor(room)
        out.put(UInt8(ascii: "a"))
        out.write(atMost: 8) { free in
            free[0] = UInt8(ascii: "b")
            free[1] = UInt8(ascii: ",")
            return 2
        }
        out.replaceLast(with: 10)
        XCTAssertEqual(Array(out.written), Array("ab\n".utf8))
        XCTAssertEqual(out.count, 3)
    }

    /// A room asked for more than it holds grows to at least that much.
    func testRoomGrowsToTheLongestAskedFor() {
        let room = ByteRoom(bytes: 100)
        var out = room.cursor(forAtMost: 10_000)
        XCTAssertGreaterThanOrEqual(out.capacity, 10_000)
        let bytes = [UInt8](repeating: 7, count: 10_000)
        bytes.withUnsafeBufferPointer { out.put($0) }
        XCTAssertEqual(out.count, 10_000)
        XCTAssertEqual(Array(out.written), bytes)
        XCTAssertGreaterThanOrEqual(room.cursor(forAtMost: 50).capacity, 10_000)
    }
}
