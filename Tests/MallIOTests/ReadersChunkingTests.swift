// ReadersChunkingTests.swift: the readers give the same rows whatever the size of the
// reads, so every lookahead case (a CR, a quote, a multi-byte character) meets the end of
// the window somewhere. Uses the internal read-size parameter of FeedReader.

import Foundation
import XCTest
@testable import MallIO

final class ReadersChunkingTests: ReadersTestCase {
    private func readAll(_ path: String, columns: [String], chunk: Int) throws -> [FeedRow] {
        let reader = try FeedReader(path: path, columns: columns, required: [], format: nil, readChunkBytes: chunk)
        var rows: [FeedRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    /// A block of awkward CSV: every quoting case, CRLF and LF, blank lines, lone CRs, bad
    /// rows, invalid UTF-8 and multi-byte text.
    private let csvBlock: [UInt8] =
        Array("1,plain,x\r\n".utf8)
        + Array("2,\"\",\"\"\"\"\r\n".utf8)
        + Array("3,\"a\"\"b\"\"\",\"line\r\nbreak\"\n".utf8)
        + Array("\r\n\n".utf8)
        + Array("4,lone\rcr,\"q\r\"\r\n".utf8)
        + Array("5,bad\"quote,y\n".utf8)
        + Array("6,\"after\"x,y\n".utf8)
        + Array("7,too,many,fields\r\n".utf8)
        + Array("8,few\n".utf8)
        + Array("9,caf".utf8) + [0xE9] + Array(",z\r\n".utf8)
        + Array("10,北京,\"上海\n广州\"\r\n".utf8)
        + Array("11,,\n".utf8)

    func testCSVRowsDoNotDependOnReadSize() throws {
        var bytes = Array("id,name,note\n".utf8)
        while bytes.count < 80_000 { bytes += csvBlock }
        bytes += Array("12,end,\"no terminator\"".utf8)
        let path = try write("awkward.csv", bytes: bytes)
        let gzPath = try write("awkward.csv.gz", bytes: try gzip(bytes))
        let columns = ["note", "id", "name"]
        let reference = try readAll(path, columns: columns, chunk: FeedLimits.readChunkBytes)
        let blocks = (80_000 - 13 + csvBlock.count - 1) / csvBlock.count
        XCTAssertEqual(reference.count, blocks * 11 + 1)
        XCTAssertEqual(Array(reference.prefix(11)), [
            .record(FeedRecord(line: 2, values: [FeedValue(text: "x"), FeedValue(text: "1"), FeedValue(text: "plain")],
                               columns: [3, 1, 2], raw: "1,plain,x")),
            .record(FeedRecord(line: 3, values: [FeedValue(text: "\""), FeedValue(text: "2"), nil],
                               columns: [3, 1, 2], raw: "2,\"\",\"\"\"\"")),
            .record(FeedRecord(line: 4, values: [FeedValue(text: "line\r\nbreak"), FeedValue(text: "3"), FeedValue(text: "a\"b\"")],
                               columns: [3, 1, 2], raw: "3,\"a\"\"b\"\"\",\"line\r\nbreak\"")),
            .record(FeedRecord(line: 8, values: [FeedValue(text: "q\r"), FeedValue(text: "4"), FeedValue(text: "lone\rcr")],
                               columns: [3, 1, 2], raw: "4,lone\rcr,\"q\r\"")),
            .malformed(line: 9, column: 2, message: "a quote inside an unquoted field", raw: "5,bad\"quote,y"),
            .malformed(line: 10, column: 2, message: "text after the closing quote of a field", raw: "6,\"after\"x,y"),
            .malformed(line: 11, column: 4, message: "expected 3 fields, found 4", raw: "7,too,many,fields"),
            .malformed(line: 12, column: 3, message: "expected 3 fields, found 2", raw: "8,few"),
            .malformed(line: 13, column: 2, message: "invalid UTF-8 in field 2", raw: "9,caf\u{FFFD},z"),
            .record(FeedRecord(line: 14, values: [FeedValue(text: "上海\n广州"), FeedValue(text: "10"), FeedValue(text: "北京")],
                               columns: [3, 1, 2], raw: "10,北京,\"上海\n广州\"")),
            .record(FeedRecord(line: 16, values: [nil, FeedValue(text: "11"), nil], columns: [3, 1, 2], raw: "11,,")),
        ])
        XCTAssertEqual(reference.last, .malformed(
            line: 2 + blocks * 15, column: 3,
            message: "the file ends inside this row, with no line end after it: the file may have been cut short",
            raw: "12,end,\"no terminator\""))
        for chunk in [1, 2, 3, 5, 7, 13, 64, 4097] {
            XCTAssertTrue(try readAll(path, columns: columns, chunk: chunk) == reference, "plain, chunk \(chunk)")
        }
        for chunk in [1, 3, 4097] {
            XCTAssertTrue(try readAll(gzPath, columns: columns, chunk: chunk) == reference, "gzip, chunk \(chunk)")
        }
    }

    func testJSONLinesDoNotDependOnReadSize() throws {
        let block: [UInt8] =
            Array(#"{"id":"1","name":"a\"b","n":12.5}"#.utf8) + [0x0D, 0x0A]
            + Array("\n  \r\n".utf8)
            + Array(#"{"id":"2","name":"北京\u4e0a","n":null}"#.utf8) + [0x0A]
            + Array(#"{"id":"3","name":[1]}"#.utf8) + [0x0A]
            + Array(#"{"id":"4","name":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8) + [0x0A]
        var bytes = Array(#"{"id":"0"}"#.utf8) + [0x0A]
        while bytes.count < 80_000 { bytes += block }
        let path = try write("awkward.jsonl", bytes: bytes)
        let columns = ["id", "name", "n"]
        let reference = try readAll(path, columns: columns, chunk: FeedLimits.readChunkBytes)
        XCTAssertEqual(Array(reference.prefix(5)), [
            .record(FeedRecord(line: 1, values: [FeedValue(text: "0"), nil, nil], columns: [7, 0, 0], raw: #"{"id":"0"}"#)),
            .record(FeedRecord(line: 2, values: [FeedValue(text: "1"), FeedValue(text: "a\"b"), FeedValue(text: "12.5", isJSONNumber: true)],
                               columns: [7, 18, 29], raw: #"{"id":"1","name":"a\"b","n":12.5}"#)),
            .record(FeedRecord(line: 5, values: [FeedValue(text: "2"), FeedValue(text: "北京上"), nil],
                               columns: [7, 18, 33], raw: #"{"id":"2","name":"北京\u4e0a","n":null}"#)),
            .malformed(line: 6, column: 18, message: "a nested object or array is not allowed", raw: #"{"id":"3","name":[1]}"#),
            .malformed(line: 7, column: 22, message: "invalid UTF-8", raw: #"{"id":"4","name":"caf"# + "\u{FFFD}\"}"),
        ])
        for chunk in [1, 2, 3, 7, 64, 4097] {
            XCTAssertTrue(try readAll(path, columns: columns, chunk: chunk) == reference, "chunk \(chunk)")
        }
    }

    func testOversizedRowsDoNotDependOnReadSize() throws {
        let big = String(repeating: "w", count: FeedLimits.rowBytesMax)
        let csv = try write("big.csv", "a,b\n1,\"\(big)\r\n\"\r\n2,\(big)\r\n3,ok\r\n")
        let jsonl = try write("big.jsonl", #"{"a":"1"}"# + "\n" + #"{"a":"\#(big)"}"# + "\r\n" + #"{"a":"3"}"#)
        for (path, columns) in [(csv, ["a", "b"]), (jsonl, ["a"])] {
            let reference = try readAll(path, columns: columns, chunk: FeedLimits.readChunkBytes)
            XCTAssertEqual(reference.count, path == csv ? 3 : 3)
            for chunk in [1000, 4097, 65_537] {
                XCTAssertTrue(try readAll(path, columns: columns, chunk: chunk) == reference, "\(path) chunk \(chunk)")
            }
        }
        let rows = try readAll(csv, columns: ["a", "b"], chunk: 4097)
        XCTAssertEqual(rows.map { row -> Int in
            switch row {
            case .record(let r): return r.line
            case .malformed(let line, _, _, _): return -line
            }
        }, [-2, -4, 5])
    }
}
