// ReadersJSONLinesTests.swift: FeedReader on JSON Lines feeds: value kinds, escapes,
// character columns, and the lines that are malformed rows.

import Foundation
import XCTest
import MallIO

final class ReadersJSONLinesTests: ReadersTestCase {
    func testStringsNumbersBooleansNullAndColumns() throws {
        let path = try write("orders.jsonl", """
            {"order_id":"O-1","line_no":3,"amount":"12.30","flag":true,"note":null,"extra":{"x":1}}

            """)
        // A nested value is an error even under an ignored key.
        let rows = try readAll(path, columns: ["order_id", "line_no", "amount", "flag", "note", "absent"])
        XCTAssertEqual(rows, [.malformed(line: 1, column: 80, message: "a nested object or array is not allowed",
                                         raw: #"{"order_id":"O-1","line_no":3,"amount":"12.30","flag":true,"note":null,"extra":{"x":1}}"#)])

        let flat = try write("flat.jsonl", #"{"order_id":"O-1", "line_no": 3,"amount":"12.30","flag":false,"note":null,"n2":-0.5e+3}"# + "\n")
        let got = records(try readAll(flat, columns: ["order_id", "line_no", "amount", "flag", "note", "absent", "n2"]))
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got[0].values, [
            FeedValue(text: "O-1", isJSONNumber: false),
            FeedValue(text: "3", isJSONNumber: true),
            FeedValue(text: "12.30", isJSONNumber: false),
            FeedValue(text: "false", isJSONNumber: false),
            nil,
            nil,
            FeedValue(text: "-0.5e+3", isJSONNumber: true),
        ])
        XCTAssertEqual(got[0].columns, [13, 31, 42, 57, 70, 0, 80])
        XCTAssertEqual(got[0].line, 1)
    }

    func testEscapesAndSurrogatePairs() throws {
        let line = #"{"a":"q\"b\\s\/n\nt\tr\rb\bf\f","b":"caf\u00e9 \ud83d\ude00 \u4e2d","c":"\u0041"}"#
        let path = try write("p.ndjson", line + "\n")
        let got = records(try readAll(path, columns: ["a", "b", "c"]))
        XCTAssertEqual(texts(got[0]), ["q\"b\\s/n\nt\tr\rb\u{8}f\u{c}", "café 😀 中", "A"])
    }

    func testCharacterColumnsCountCharactersNotBytes() throws {
        let path = try write("p.jsonl", #"{"名":"张三","b":"x"}"# + "\n" + #"{"名":"张三","b":x}"# + "\n")
        let rows = try readAll(path, columns: ["b", "名"])
        XCTAssertEqual(records([rows[0]]).map(\.columns), [[15, 6]])
        XCTAssertEqual(rows[1], .malformed(line: 2, column: 15, message: "invalid value", raw: #"{"名":"张三","b":x}"#))
    }

    func testDuplicateKeysFirstWinsAndEscapedKeysMatch() throws {
        let path = try write("p.jsonl", #"{"a":"1","a":"2","\u0062":"B","c":null,"c":"late"}"# + "\n")
        let got = records(try readAll(path, columns: ["a", "b", "c"]))
        XCTAssertEqual(texts(got[0]), ["1", "B", nil])
        XCTAssertEqual(got[0].columns, [6, 27, 35])
    }

    func testEmptyStringIsAnEmptyCell() throws {
        let path = try write("p.jsonl", #"{"a":"","b":" "}"# + "\n")
        let got = records(try readAll(path, columns: ["a", "b"]))
        XCTAssertEqual(texts(got[0]), [nil, " "])
        XCTAssertEqual(got[0].columns, [6, 13])
    }

    func testBOMCRLFAndBlankLines() throws {
        let text = #"{"a":"1"}"# + "\r\n\r\n   \n" + #" { "a" : "2" } "# + "\r\n\n" + #"{"a":"3"}"#
        let path = try write("p.jsonl", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        let got = records(try readAll(path, columns: ["a"]))
        XCTAssertEqual(got.map(\.line), [1, 4, 6])
        XCTAssertEqual(got.map { texts($0) }, [["1"], ["2"], ["3"]])
        XCTAssertEqual(got.map(\.columns), [[6], [10], [6]])
        XCTAssertEqual(got.map(\.raw), [#"{"a":"1"}"#, #" { "a" : "2" } "#, #"{"a":"3"}"#])
    }

    func testMalformedLinesWithColumns() throws {
        let lines: [(String, Int, String)] = [
            (#"[1,2]"#, 1, "expected a JSON object starting with '{'"),
            (#""just a string""#, 1, "expected a JSON object starting with '{'"),
            (#"{"a":"1",}"#, 10, "expected a string key"),
            (#"{"a":"1""#, 9, "expected ',' or '}'"),
            (#"{"a" "1"}"#, 6, "expected ':' after the key"),
            (#"{"a":[1]}"#, 6, "a nested object or array is not allowed"),
            (#"{"a":01}"#, 7, "a number may not have leading zeros"),
            (#"{"a":1.}"#, 8, "invalid number: digits expected after '.'"),
            (#"{"a":+1}"#, 6, "invalid value"),
            (#"{"a":tru}"#, 6, "invalid value"),
            (#"{"a":"x\q"}"#, 8, "invalid escape in a string"),
            (#"{"a":"\ud800x"}"#, 7, "a high surrogate not followed by a low surrogate"),
            (#"{"a":"\udc00"}"#, 7, #"a lone low surrogate in a \u escape"#),
            (#"{"a":"\u12G4"}"#, 7, "\\u must be followed by four hex digits"),
            (#"{"a":"1"} x"#, 11, "unexpected text after the object"),
            (#"{"a":"unclosed}"#, 16, "the string is not closed"),
            ("{\"a\":\"tab\there\"}", 10, "a control character must be escaped in a string"),
            (#"{"a":NaN}"#, 6, "invalid value"),
        ]
        let text = lines.map(\.0).joined(separator: "\n") + "\n" + #"{"a":"ok"}"# + "\n"
        let path = try write("p.jsonl", text)
        let rows = try readAll(path, columns: ["a"])
        XCTAssertEqual(rows.count, lines.count + 1)
        for (i, (line, column, message)) in lines.enumerated() {
            XCTAssertEqual(rows[i], .malformed(line: i + 1, column: column, message: message, raw: line), "line \(i + 1): \(line)")
        }
        XCTAssertEqual(records([rows[lines.count]]).map { texts($0) }, [["ok"]])
    }

    func testInvalidUTF8LineIsMalformedAtItsCharacterColumn() throws {
        let bytes = Array(#"{"a":"first"}"#.utf8) + [0x0A] + Array(#"{"a":"é"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
            + [0x0A] + Array(#"{"a":"fine"}"#.utf8)
        let path = try write("p.jsonl", bytes: bytes)
        let rows = try readAll(path, columns: ["a"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(records([rows[0]]).map { texts($0) }, [["first"]])
        guard case .malformed(let line, let column, let message, let raw) = rows[1] else { return XCTFail("\(rows[1])") }
        XCTAssertEqual([line, column], [2, 8])
        XCTAssertEqual(message, "invalid UTF-8")
        XCTAssertEqual(raw, "{\"a\":\"é\u{FFFD}(\"}")
        XCTAssertEqual(records([rows[2]]).map { texts($0) }, [["fine"]])
    }

    func testFirstLineNotUTF8RejectsTheFile() throws {
        let path = try write("p.jsonl", bytes: [0x7B, 0xFF, 0x7D, 0x0A])
        let error = fileError { _ = try FeedReader(path: path, columns: ["a"], required: []) }
        XCTAssertEqual(error?.kind, .notUTF8)
        XCTAssertEqual(error?.message, "the file is not UTF-8: line 1, column 2 holds the byte 0xFF, which UTF-8 does not allow there "
                       + "(GBK or another legacy encoding, as Excel's plain \"CSV\" saves Chinese text); "
                       + "save it as \"CSV UTF-8\" or convert it (iconv -f GBK -t UTF-8 FILE > FILE.utf8) and deliver it again")
    }

    func testLineOverOneMiBIsSkipped() throws {
        let big = String(repeating: "z", count: FeedLimits.rowBytesMax)
        let path = try write("p.jsonl", #"{"a":"1"}"# + "\n" + #"{"a":"\#(big)"}"# + "\r\n" + #"{"a":"3"}"# + "\n")
        let rows = try readAll(path, columns: ["a"])
        XCTAssertEqual(rows.count, 3)
        if case .malformed(let line, let column, let message, let raw) = rows[1] {
            XCTAssertEqual([line, column], [2, 1])
            XCTAssertEqual(message, "row longer than 1 MiB")
            XCTAssertEqual(raw, #"{"a":""# + String(repeating: "z", count: FeedLimits.rawCharactersMax - 6))
        } else {
            XCTFail("expected malformed, got \(rows[1])")
        }
        XCTAssertEqual(records([rows[2]]).map(\.line), [3])
    }

    func testExplicitFormatOverridesName() throws {
        let path = try write("feed.txt", #"{"a":"1"}"# + "\n")
        let got = records(try readAll(path, columns: ["a"], format: .jsonLines))
        XCTAssertEqual(texts(got[0]), ["1"])
    }
}
