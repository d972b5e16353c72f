// Files cut short (issue 5, input that arrives wrong): a feed truncated at any byte offset
// yields only rows that are exactly rows of the whole file; a cut row is refused, never read
// with other values. Gzip files cut anywhere are rejected whole (ReadersGzipTests).

import Foundation
import XCTest
import MallIO

final class ReadersTruncationTests: ReadersTestCase {
    static let columns = ["order_id", "line_no", "sku", "quantity", "unit_price", "paid_at", "note"]

    /// What each row of the whole file reads as, by line.
    func rowsByLine(_ path: String, format: FeedFormat) throws -> [Int: FeedRecord] {
        var byLine: [Int: FeedRecord] = [:]
        for row in try readAll(path, columns: Self.columns, format: format) {
            if case .record(let record) = row { byLine[record.line] = record }
        }
        return byLine
    }

    /// Reads every prefix `bytes[0..<cut]` and checks that each record it yields is, value for
    /// value, the record of the same line in the whole file. Returns the cuts that produced a
    /// refused (malformed) last row.
    func checkPrefixes(_ bytes: [UInt8], cuts: [Int], format: FeedFormat, name: String) throws -> Int {
        let whole = try rowsByLine(try write(name, bytes: bytes), format: format)
        XCTAssertGreaterThan(whole.count, 3)
        var refusedCuts = 0
        for cut in cuts {
            let path = try write("cut-" + name, bytes: Array(bytes[0..<cut]))
            let rows: [FeedRow]
            do {
                rows = try readAll(path, columns: Self.columns, format: format)
            } catch {
                // Only a cut inside the header may reject the file (missing columns).
                XCTAssertLessThan(cut, bytes.firstIndex(of: 0x0A) ?? bytes.count, "cut \(cut): \(error)")
                continue
            }
            for row in rows {
                switch row {
                case .record(let record):
                    XCTAssertEqual(whole[record.line]?.values, record.values, "cut at \(cut): line \(record.line) changed")
                case .malformed:
                    refusedCuts += 1
                }
            }
        }
        return refusedCuts
    }

    static var csv: [UInt8] {
        var text = Self.columns.joined(separator: ",") + "\r\n"
        text += "O-1,1,SKU-1,2,100.00,2026-11-03T14:05:00+08:00,plain\r\n"
        text += "O-1,2,\"SKU, with comma\",10,12.5,2026-11-03T14:05:00+08:00,\"quote \"\"q\"\" and\nnewline\"\r\n"
        text += "O-2,1,SKU-3,1,0.05,2026-11-03T06:05:00Z,\n"
        text += "O-3,1,银杏 红茶,3,1000,2026-11-03T14:05:00.123+08:00,中文\n"
        text += "O-4,1,SKU-5,1000000,9000000.00,2026-11-04T00:00:00+08:00,last\n"
        return Array(text.utf8)
    }

    func testACSVCutAtEveryByteYieldsOnlyRowsOfTheWholeFile() throws {
        let bytes = Self.csv
        let refused = try checkPrefixes(bytes, cuts: Array(0...bytes.count), format: .csv, name: "orders.csv")
        XCTAssertGreaterThan(refused, bytes.count / 2, "most cuts fall inside a row, which is refused")
        CutFigures.report("CSV of \(bytes.count) bytes cut at all \(bytes.count + 1) offsets: no row ever changed")
    }

    func testAJSONLinesFileCutAtEveryByteYieldsOnlyRowsOfTheWholeFile() throws {
        var text = ""
        text += #"{"order_id":"O-1","line_no":1,"sku":"SKU-1","quantity":2,"unit_price":"100.00","paid_at":"2026-11-03T14:05:00+08:00"}"# + "\n"
        text += #"{"order_id":"O-1","line_no":"2","sku":"S \"q\"","quantity":10,"unit_price":"12.5","paid_at":"2026-11-03T14:05:00+08:00","note":"\u94f6"}"# + "\r\n"
        text += #"{"order_id":"O-2","line_no":1,"sku":"SKU-3","quantity":1,"unit_price":"0.05","paid_at":"2026-11-03T06:05:00Z"}"# + "\n"
        text += #"{"order_id":"O-3","line_no":1,"sku":"银杏","quantity":3,"unit_price":"1000","paid_at":"2026-11-03T14:05:00+08:00"}"# + "\n"
        let bytes = Array(text.utf8)
        _ = try checkPrefixes(bytes, cuts: Array(0...bytes.count), format: .jsonLines, name: "orders.jsonl")
        CutFigures.report("JSON Lines of \(bytes.count) bytes cut at all \(bytes.count + 1) offsets: no row ever changed")
    }

    func testALargeCSVCutAtAThousandRandomOffsets() throws {
        var text = Self.columns.joined(separator: ",") + "\n"
        var i = 0
        while text.utf8.count < 150_000 {
            i += 1
            text += "O-\(i),\(i % 7 + 1),SKU-\(i % 97),\(i % 13 + 1),\(i % 1000).\(i % 100 < 10 ? "0" : "")\(i % 100),2026-11-03T14:05:00+08:00,\(i % 5 == 0 ? "\"a,b\"" : "n\(i)")\n"
        }
        let bytes = Array(text.utf8)
        var rng = SystemRandomNumberGenerator()
        let cuts = (0..<1000).map { _ in Int.random(in: 0...bytes.count, using: &rng) }
        let refused = try checkPrefixes(bytes, cuts: cuts, format: .csv, name: "large.csv")
        XCTAssertGreaterThan(refused, 900)
        CutFigures.report("CSV of \(bytes.count) bytes cut at 1000 random offsets: no row ever changed")
    }
}

enum CutFigures {
    static func report(_ line: String) {
        FileHandle.standardError.write(Data(("reliability: " + line + "\n").utf8))
    }
}
