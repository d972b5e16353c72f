// ReadersCSVTests.swift: FeedReader on CSV feeds: RFC 4180 quoting, line numbers, header
// checks, row errors and file errors, with inline fixtures in the real feed format.

import Foundation
import XCTest
import MallIO

final class ReadersCSVTests: ReadersTestCase {
    func testColumnsInAnotherOrderAndUnknownColumnsIgnored() throws {
        let path = try write("orders.csv", """
            line_no,extra,order_id,sku
            1,zzz,O-1,SKU-9
            2,,O-2,SKU-8

            """)
        let rows = try readAll(path, columns: ["order_id", "line_no", "sku", "currency"], required: ["order_id", "line_no"])
        let got = records(rows)
        XCTAssertEqual(got.count, 2)
        XCTAssertEqual(texts(got[0]), ["O-1", "1", "SKU-9", nil])
        XCTAssertEqual(got[0].columns, [3, 1, 4, 0])
        XCTAssertEqual(got[0].line, 2)
        XCTAssertEqual(got[0].raw, "1,zzz,O-1,SKU-9")
        XCTAssertEqual(texts(got[1]), ["O-2", "2", "SKU-8", nil])
        XCTAssertEqual(got[1].line, 3)
        XCTAssertEqual(got[1].values[0], FeedValue(text: "O-2", isJSONNumber: false))
    }

    func testQuotedFieldsWithCommasQuotesAndNewlinesKeepLineNumbers() throws {
        let path = try write("orders.csv",
            "id,note,n\n" +
            "A,\"a, b\",1\n" +
            "B,\"say \"\"hi\"\"\",2\n" +
            "C,\"two\nlines\r\nand three\",3\n" +
            "D,\"\",4\n" +
            "E,\"cr\ronly\",5\n")
        let got = records(try readAll(path, columns: ["id", "note", "n"]))
        XCTAssertEqual(got.map(\.line), [2, 3, 4, 7, 8])
        XCTAssertEqual(got.map { texts($0) }, [
            ["A", "a, b", "1"],
            ["B", "say \"hi\"", "2"],
            ["C", "two\nlines\r\nand three", "3"],
            ["D", nil, "4"],
            ["E", "cr\ronly", "5"],
        ])
        XCTAssertEqual(got[2].raw, "C,\"two\nlines\r\nand three\",3")
    }

    func testBOMAndCRLFAndAFinalLineWithoutTerminatorIsRefused() throws {
        // The last row has no line end: the file may have been cut inside "2.50", so the row
        // is refused rather than read as an amount nobody sent.
        let path = try write("refunds.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("refund_id,amount\r\nR1,1.00\r\nR2,2.50".utf8))
        let rows = try readAll(path, columns: ["refund_id", "amount"], required: ["refund_id"])
        XCTAssertEqual(records([rows[0]]).map { texts($0) }, [["R1", "1.00"]])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[1], .malformed(line: 3, column: 2,
                                           message: "the file ends inside this row, with no line end after it: the file may have been cut short",
                                           raw: "R2,2.50"))
        // With its line end the same row is read.
        let whole = try write("whole.csv", bytes: [0xEF, 0xBB, 0xBF] + Array("refund_id,amount\r\nR1,1.00\r\nR2,2.50\r\n".utf8))
        XCTAssertEqual(records(try readAll(whole, columns: ["refund_id", "amount"])).map { texts($0) }, [["R1", "1.00"], ["R2", "2.50"]])
    }

    func testBlankLinesSkippedButCounted() throws {
        let path = try write("p.csv", "a,b\n\n1,2\r\n\r\n\n3,4\n\n")
        let got = records(try readAll(path, columns: ["a", "b"]))
        XCTAssertEqual(got.map(\.line), [3, 6])
        XCTAssertEqual(got.map { texts($0) }, [["1", "2"], ["3", "4"]])
    }

    func testEmptyCellsAreNil() throws {
        let path = try write("p.csv", "a,b,c\n,\"\",x\n")
        let got = records(try readAll(path, columns: ["a", "b", "c"]))
        XCTAssertEqual(texts(got[0]), [nil, nil, "x"])
        XCTAssertEqual(got[0].columns, [1, 2, 3])
    }

    func testMissingRequiredColumnNamesIt() throws {
        let path = try write("orders.csv", "order_id,sku\nO-1,S\n")
        let error = fileError {
            _ = try FeedReader(path: path, columns: ["order_id", "line_no", "sku"], required: ["order_id", "line_no"])
        }
        XCTAssertEqual(error?.kind, .missingColumn)
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(error?.file, path)
        XCTAssertEqual(error?.message, "the header lacks required column \"line_no\"")
        XCTAssertEqual(error?.description, "\(path):1:0: missing_column: the header lacks required column \"line_no\"")
    }

    func testSeveralMissingColumnsListedInRequestedOrder() throws {
        let path = try write("orders.csv", "x\n1\n")
        let error = fileError {
            _ = try FeedReader(path: path, columns: ["b", "a", "x"], required: ["a", "b", "x"])
        }
        XCTAssertEqual(error?.message, "the header lacks required columns \"b\", \"a\"")
    }

    func testEmptyFileMissesEveryRequiredColumn() throws {
        let path = try write("orders.csv", "")
        let error = fileError { _ = try FeedReader(path: path, columns: ["a"], required: ["a"]) }
        XCTAssertEqual(error?.kind, .missingColumn)
        XCTAssertEqual(error?.message, "the file has no header row; missing required column \"a\"")
        XCTAssertEqual(try readAll(path, columns: ["a"]), [])
    }

    func testWrongFieldCountNamesLineAndColumn() throws {
        let path = try write("p.csv", "a,b,c\n1,2\n1,2,3,4\n\"x\ny\",2,3\n5,6,7\n")
        let rows = try readAll(path, columns: ["a", "c"])
        XCTAssertEqual(rows, [
            .malformed(line: 2, column: 3, message: "expected 3 fields, found 2", raw: "1,2"),
            .malformed(line: 3, column: 4, message: "expected 3 fields, found 4", raw: "1,2,3,4"),
            .record(FeedRecord(line: 4, values: [FeedValue(text: "x\ny"), FeedValue(text: "3")], columns: [1, 3], raw: "\"x\ny\",2,3")),
            .record(FeedRecord(line: 6, values: [FeedValue(text: "5"), FeedValue(text: "7")], columns: [1, 3], raw: "5,6,7")),
        ])
    }

    func testQuoteInsideUnquotedFieldAndTextAfterClosingQuote() throws {
        let path = try write("p.csv", "a,b,c\n1,ab\"c,3\n\"x\"y,2,3\n4,\"ok\",6\n")
        let rows = try readAll(path, columns: ["a", "b", "c"])
        XCTAssertEqual(rows, [
            .malformed(line: 2, column: 2, message: "a quote inside an unquoted field", raw: "1,ab\"c,3"),
            .malformed(line: 3, column: 1, message: "text after the closing quote of a field", raw: "\"x\"y,2,3"),
            .record(FeedRecord(line: 4, values: [FeedValue(text: "4"), FeedValue(text: "ok"), FeedValue(text: "6")],
                               columns: [1, 2, 3], raw: "4,\"ok\",6")),
        ])
    }

    func testUnterminatedQuoteAtEndOfFile() throws {
        let path = try write("p.csv", "a,b\n1,2\n3,\"open\n4,5\n")
        let rows = try readAll(path, columns: ["a", "b"])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[1], .malformed(line: 3, column: 2, message: "a quoted field is not closed before the end of the file",
                                           raw: "3,\"open\n4,5\n"))
    }

    func testInvalidUTF8RowIsAMalformedRowWithItsColumn() throws {
        let bytes = Array("a,b,c\n1,caf".utf8) + [0xE9] + Array(",3\n2,ok,4\n".utf8)
        let path = try write("p.csv", bytes: bytes)
        let rows = try readAll(path, columns: ["a", "b", "c"])
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0], .malformed(line: 2, column: 2, message: "invalid UTF-8 in field 2", raw: "1,caf\u{FFFD},3"))
        XCTAssertEqual(records([rows[1]]).map { texts($0) }, [["2", "ok", "4"]])
        XCTAssertEqual(try FeedReader.digest(path: path), SHA256.hex(of: bytes))
    }

    func testValidMultibyteText() throws {
        let path = try write("p.csv", "name,city\n张三,\"北京, 朝阳\"\n")
        let got = records(try readAll(path, columns: ["city", "name"]))
        XCTAssertEqual(texts(got[0]), ["北京, 朝阳", "张三"])
    }

    func testNotUTF8Files() throws {
        let utf16 = try write("utf16.csv", bytes: [0xFF, 0xFE] + Array("a,b\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let latin1Header = try write("latin1.csv", bytes: Array("caf".utf8) + [0xE9] + Array(",b\n1,2\n".utf8))
        let nul = try write("nul.csv", bytes: Array("a,b\n1,2\n".utf8) + [0] + Array("\n".utf8))
        let utf32 = try write("utf32.csv", bytes: [0x00, 0x00, 0xFE, 0xFF, 0, 0, 0, 0x61])
        for path in [utf16, latin1Header, nul, utf32] {
            let open = fileError { _ = try FeedReader(path: path, columns: ["a"], required: []) }
            XCTAssertEqual(open?.kind, .notUTF8, path)
            let digest = fileError { _ = try FeedReader.digest(path: path) }
            XCTAssertEqual(digest?.kind, .notUTF8, path)
        }
        let open = fileError { _ = try FeedReader(path: utf16, columns: ["a"], required: []) }
        XCTAssertEqual(open?.message, "the file starts with a UTF-16 byte-order mark")
    }

    /// A GBK export under an ASCII header (中文 = D6 D0 CE C4) is not UTF-8 at all.
    func testAGBKFileUnderAnASCIIHeaderIsNotUTF8() throws {
        let path = try write("gbk.csv", bytes: Array("a,b\n1,x".utf8) + [0xD6, 0xD0, 0xCE, 0xC4] + Array("\n".utf8))
        let open = fileError { _ = try FeedReader(path: path, columns: ["a", "b"], required: []) }
        XCTAssertEqual(open?.kind, .notUTF8)
        XCTAssertEqual(open?.message, "the file is not UTF-8: line 2, column 4 holds the byte 0xD6, which UTF-8 does not allow there "
                       + "(GBK or another legacy encoding, as Excel's plain \"CSV\" saves Chinese text); "
                       + "save it as \"CSV UTF-8\" or convert it (iconv -f GBK -t UTF-8 FILE > FILE.utf8) and deliver it again")
        XCTAssertEqual(fileError { _ = try FeedReader.digest(path: path) }?.message, open?.message)
    }

    /// One stray byte among UTF-8 text (or alone) is its row's error, not the file's.
    func testOneStrayByteAmongUTF8TextIsOnlyItsRow() throws {
        let path = try write("p.csv", bytes: Array("a,b\n1,张三\n2,caf".utf8) + [0xE9, 0xE9] + Array("\n3,北京\n".utf8))
        let rows = try readAll(path, columns: ["a", "b"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(rows[1], .malformed(line: 3, column: 2, message: "invalid UTF-8 in field 2", raw: "2,caf\u{FFFD}\u{FFFD}"))
        XCTAssertEqual(records([rows[0], rows[2]]).map { texts($0) }, [["1", "张三"], ["3", "北京"]])
    }

    func testAHeaderNamingAColumnTwiceIsDuplicateColumn() throws {
        let twice = try write("twice.csv", "order_id,sku,extra,sku,extra\nO-1,A,x,B,y\n")
        let error = fileError { _ = try FeedReader(path: twice, columns: ["order_id", "sku"], required: ["order_id"]) }
        XCTAssertEqual(error, FeedFileError(kind: .duplicateColumn, file: twice, line: 1, column: 4,
                                            message: "the header names column \"sku\" twice (fields 2 and 4)"))
        // Unknown extra columns may repeat; missing columns are said first.
        let extras = try write("extras.csv", "order_id,extra,extra\nO-1,x,y\n")
        XCTAssertEqual(records(try readAll(extras, columns: ["order_id", "sku"])).map { texts($0) }, [["O-1", nil]])
        let missing = try write("missing.csv", "sku,sku\nA,B\n")
        XCTAssertEqual(fileError { _ = try FeedReader(path: missing, columns: ["order_id", "sku"], required: ["order_id"]) }?.kind,
                       .missingColumn)
    }

    /// A header record with a quoted line break is checked whole, beyond the first line.
    func testHeaderInvalidBeyondFirstLineIsNotUTF8() throws {
        let path = try write("p.csv", bytes: Array("a,\"b\n".utf8) + [0xFF] + Array("\"\n1,2\n".utf8))
        let error = fileError { _ = try FeedReader(path: path, columns: ["a"], required: []) }
        XCTAssertEqual(error?.kind, .notUTF8)
        XCTAssertEqual(error?.column, 2)
    }

    func testMalformedHeaderRejectsFile() throws {
        let path = try write("p.csv", "a,b\"x\n1,2\n")
        let error = fileError { _ = try FeedReader(path: path, columns: ["a"], required: ["a"]) }
        XCTAssertEqual(error?.kind, .missingColumn)
        XCTAssertEqual(error?.column, 2)
        XCTAssertEqual(error?.message, "the header row cannot be read: a quote inside an unquoted field")
    }

    func testRowOverOneMiBIsSkippedAndTheNextRowRead() throws {
        let big = String(repeating: "x", count: FeedLimits.rowBytesMax + 10)
        let path = try write("p.csv", "a,b\n1,2\n3,\"q\nq\(big)\nz\"\n4,5\n")
        let rows = try readAll(path, columns: ["a", "b"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(records([rows[0]]).map(\.line), [2])
        guard case .malformed(let line, let column, let message, let raw) = rows[1] else {
            return XCTFail("expected a malformed row, got \(rows[1])")
        }
        XCTAssertEqual(line, 3)
        XCTAssertEqual(column, 1)
        XCTAssertEqual(message, "row longer than 1 MiB")
        XCTAssertEqual(raw.unicodeScalars.count, FeedLimits.rawCharactersMax)
        XCTAssertTrue(raw.hasPrefix("3,\"q\nqxxx"))
        let last = records([rows[2]])
        XCTAssertEqual(last.map(\.line), [6])
        XCTAssertEqual(last.map { texts($0) }, [["4", "5"]])
    }

    func testRowLimitIsExact() throws {
        // Content of exactly rowBytesMax bytes is fine; one more byte is not.
        let prefix = "1,"
        let exact = prefix + String(repeating: "y", count: FeedLimits.rowBytesMax - prefix.utf8.count)
        let over = exact + "y"
        let path = try write("p.csv", "a,b\n\(exact)\n\(over)\r\n7,8\n")
        let rows = try readAll(path, columns: ["a"])
        XCTAssertEqual(rows.count, 3)
        XCTAssertEqual(records([rows[0]]).map { texts($0) }, [["1"]])
        if case .malformed(let line, _, let message, _) = rows[1] {
            XCTAssertEqual(line, 3)
            XCTAssertEqual(message, "row longer than 1 MiB")
        } else {
            XCTFail("expected malformed, got \(rows[1])")
        }
        XCTAssertEqual(records([rows[2]]).map(\.line), [4])
    }

    func testRawIsCutTo4096Characters() throws {
        let long = String(repeating: "é", count: 5000)
        let path = try write("p.csv", "a\n\(long)\n")
        let got = records(try readAll(path, columns: ["a"]))
        XCTAssertEqual(got[0].values[0]?.text, long)
        XCTAssertEqual(got[0].raw, String(repeating: "é", count: 4096))
    }

    /// Many records, some quoted across lines, spanning several window refills.
    func testRecordsAcrossChunkBoundaries() throws {
        var text = "id,note,amount\n"
        var expected: [(Int, [String?])] = []
        var line = 2
        for i in 0..<90_000 {
            let note: String
            let cell: String
            switch i % 5 {
            case 0: note = "plain \(i)"; cell = note
            case 1: note = "multi\nline \(i)"; cell = "\"multi\nline \(i)\""
            case 2: note = "q\"uote \(i)"; cell = "\"q\"\"uote \(i)\""
            case 3: note = ""; cell = ""
            default: note = "crlf\r\n\(i),x"; cell = "\"crlf\r\n\(i),x\""
            }
            text += "\(i),\(cell),\(i).25" + (i % 2 == 0 ? "\n" : "\r\n")
            expected.append((line, ["\(i)", note.isEmpty ? nil : note, "\(i).25"]))
            line += 1 + note.filter { $0 == "\n" || $0 == "\r\n" }.count
        }
        XCTAssertGreaterThan(text.utf8.count, 2 * FeedLimits.readChunkBytes)
        let path = try write("big.csv", text)
        let got = records(try readAll(path, columns: ["id", "note", "amount"]))
        XCTAssertEqual(got.count, expected.count)
        for (record, want) in zip(got, expected) where record.line != want.0 || texts(record) != want.1 {
            return XCTFail("record \(record) differs from \(want)")
        }
    }

    func testFormatInference() {
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders-1.csv"), .csv)
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders-1.csv.gz"), .csv)
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders.txt"), .csv)
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders.jsonl"), .jsonLines)
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders.NDJSON.gz"), .jsonLines)
        XCTAssertEqual(FeedFormat.inferred(fromPath: "in/orders.json"), .jsonLines)
    }

    func testUnreadableFile() throws {
        let missing = directory.appendingPathComponent("nope.csv").path
        let error = fileError { _ = try FeedReader(path: missing, columns: [], required: []) }
        XCTAssertEqual(error?.kind, .unreadable)
        let digest = fileError { _ = try FeedReader.digest(path: missing) }
        XCTAssertEqual(digest?.kind, .unreadable)
        let dir = fileError { _ = try FeedReader.digest(path: directory.path) }
        XCTAssertEqual(dir?.kind, .unreadable)
    }

    func testNextReturnsNilAgainAfterTheEnd() throws {
        let path = try write("p.csv", "a\n1\n")
        let reader = try FeedReader(path: path, columns: ["a"], required: ["a"])
        XCTAssertNotNil(try reader.next())
        XCTAssertNil(try reader.next())
        XCTAssertNil(try reader.next())
    }
}
