// MallIOTestsSmoke: the module's writing and reading halves meet — a CSV document written by
// CSVEncoder (quotes, commas, a line break, an empty cell) reads back cell for cell, plain
// and gzipped, through FeedReader.

import Foundation
import MallIO
import XCTest

final class MallIOTestsSmoke: ReadersTestCase {
    private let columns = ["id", "note", "amount"]
    private let rows: [[CSVCell]] = [
        [.text("A-1"), .text("a, \"b\"\nc"), .number("12.30")],
        [.text("A-2"), .empty, .number("-0.05")],
    ]

    func testACSVDocumentWrittenHereReadsBackCellForCell() throws {
        let bytes = CSVEncoder.document(header: columns, rows: rows)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "id,note,amount\nA-1,\"a, \"\"b\"\"\nc\",12.30\nA-2,,-0.05\n")
        for (name, content) in [("smoke.csv", bytes), ("smoke.csv.gz", try gzip(bytes))] {
            let got = records(try readAll(try write(name, bytes: content), columns: columns))
            XCTAssertEqual(got.map { texts($0) }, [["A-1", "a, \"b\"\nc", "12.30"], ["A-2", nil, "-0.05"]], name)
            XCTAssertEqual(got.map(\.line), [2, 4], "\(name): the quoted line break counts as a line")
        }
    }
}
