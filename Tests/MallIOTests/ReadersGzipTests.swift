// ReadersGzipTests.swift: gzip feeds read like their plain content; corrupt or truncated
// gzip is rejected whole (never a crash, never a partial success); digests are of the
// decompressed content.

import Foundation
import XCTest
import MallIO

final class ReadersGzipTests: ReadersTestCase {
    private let plain = """
        order_id,line_no,note
        O-1,1,"multi
        line"
        O-2,2,plain

        """

    func testGzipFileReadsLikeThePlainFile() throws {
        let plainPath = try write("orders.csv", plain)
        let gzPath = try write("orders.csv.gz", bytes: try gzip(Array(plain.utf8)))
        let columns = ["order_id", "line_no", "note"]
        let fromPlain = try readAll(plainPath, columns: columns, required: ["order_id"])
        let fromGzip = try readAll(gzPath, columns: columns, required: ["order_id"])
        XCTAssertEqual(fromGzip, fromPlain)
        XCTAssertEqual(records(fromGzip).map(\.line), [2, 4])
        XCTAssertEqual(try FeedReader.digest(path: gzPath), try FeedReader.digest(path: plainPath))
        XCTAssertEqual(try FeedReader.digest(path: gzPath), SHA256.hex(of: Array(plain.utf8)))
        XCTAssertTrue(try ByteSource(path: gzPath).isGzip)
        XCTAssertFalse(try ByteSource(path: plainPath).isGzip)
    }

    func testGzipDetectedByMagicNotByName() throws {
        let disguised = try write("orders.csv", bytes: try gzip(Array(plain.utf8)))
        let notReallyGz = try write("orders2.csv.gz", plain)
        let columns = ["order_id"]
        XCTAssertEqual(records(try readAll(disguised, columns: columns)).map { texts($0) }, [["O-1"], ["O-2"]])
        XCTAssertEqual(records(try readAll(notReallyGz, columns: columns)).map { texts($0) }, [["O-1"], ["O-2"]])
    }

    func testConcatenatedMembersAreOneStream() throws {
        let first = "a,b\n1,2\n3,"
        let second = "4\n5,6\n"
        let path = try write("p.csv.gz", bytes: try gzip(Array(first.utf8)) + gzip(Array(second.utf8)) + gzip([]))
        let got = records(try readAll(path, columns: ["a", "b"]))
        XCTAssertEqual(got.map { texts($0) }, [["1", "2"], ["3", "4"], ["5", "6"]])
        XCTAssertEqual(try FeedReader.digest(path: path), SHA256.hex(of: Array((first + second).utf8)))
    }

    func testTruncatedAtEveryOffsetIsCorrupt() throws {
        let content = Array((plain + "O-3,3,\"x,y\"\n").utf8)
        let gz = try gzip(content)
        for cut in 2..<gz.count {
            let path = try write("t\(cut).csv.gz", bytes: Array(gz[0..<cut]))
            let digest = fileError { _ = try FeedReader.digest(path: path) }
            XCTAssertEqual(digest?.kind, .corruptGzip, "cut at \(cut)")
            let reading = fileError { _ = try readAll(path, columns: ["order_id"], required: []) }
            XCTAssertEqual(reading?.kind, .corruptGzip, "cut at \(cut)")
            XCTAssertEqual(reading?.line, 0)
        }
    }

    func testFlippedCRCAndLengthBytesAreCorrupt() throws {
        let gz = try gzip(Array(plain.utf8))
        for position in [gz.count - 8, gz.count - 5, gz.count - 4, gz.count - 1] {
            var bad = gz
            bad[position] ^= 0x01
            let path = try write("bad\(position).csv.gz", bytes: bad)
            XCTAssertEqual(fileError { _ = try FeedReader.digest(path: path) }?.kind, .corruptGzip)
            XCTAssertEqual(fileError { _ = try readAll(path, columns: ["order_id"]) }?.kind, .corruptGzip)
        }
    }

    func testCorruptDeflateDataIsCorrupt() throws {
        var gz = try gzip(Array(String(repeating: plain, count: 20).utf8))
        gz[14] ^= 0xFF
        let path = try write("bad.csv.gz", bytes: gz)
        XCTAssertEqual(fileError { _ = try FeedReader.digest(path: path) }?.kind, .corruptGzip)
    }

    func testTrailingGarbageAfterAMemberIsCorrupt() throws {
        let gz = try gzip(Array(plain.utf8))
        for trailer: [UInt8] in [[0], [0x1f], Array("garbage".utf8), [0x78, 0x9c, 0x03, 0x00]] {
            let path = try write("trail.csv.gz", bytes: gz + trailer)
            XCTAssertEqual(fileError { _ = try FeedReader.digest(path: path) }?.kind, .corruptGzip, "\(trailer)")
            XCTAssertEqual(fileError { _ = try readAll(path, columns: ["order_id"]) }?.kind, .corruptGzip, "\(trailer)")
        }
    }

    /// Several MiB of content through the inflater: chunked output, window refills, and the
    /// not-UTF-8 sniff over inflated bytes.
    func testLargeGzipMatchesPlainRecordByRecord() throws {
        var text = "id,v\n"
        for i in 0..<200_000 { text += i % 7 == 0 ? "\(i),\"a\nb,\(i)\"\n" : "\(i),value-\(i)\n" }
        let bytes = Array(text.utf8)
        let plainPath = try write("big.csv", bytes: bytes)
        let gzPath = try write("big.csv.gz", bytes: try gzip(bytes))
        let fromPlain = try readAll(plainPath, columns: ["v", "id"])
        let fromGzip = try readAll(gzPath, columns: ["v", "id"])
        XCTAssertEqual(fromPlain.count, 200_000)
        XCTAssertTrue(fromGzip == fromPlain)
        XCTAssertEqual(try FeedReader.digest(path: gzPath), SHA256.hex(of: bytes))
    }

    func testGzipOfUTF16IsNotUTF8() throws {
        let utf16: [UInt8] = [0xFE, 0xFF, 0x00, 0x61, 0x00, 0x0A]
        let path = try write("p.csv.gz", bytes: try gzip(utf16))
        XCTAssertEqual(fileError { _ = try FeedReader.digest(path: path) }?.kind, .notUTF8)
        XCTAssertEqual(fileError { _ = try FeedReader(path: path, columns: [], required: []) }?.kind, .notUTF8)
    }

    func testByteSourceServesPlainBytesExactly() throws {
        let bytes: [UInt8] = [0x1f] + Array("abc".utf8)
        let path = try write("p.bin", bytes: bytes)
        let source = try ByteSource(path: path)
        var out = [UInt8](repeating: 0, count: 3)
        var got: [UInt8] = []
        while true {
            let n = try out.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            got += out[0..<n]
        }
        XCTAssertEqual(got, bytes)
    }
}
