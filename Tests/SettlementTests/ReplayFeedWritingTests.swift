// Replay's feed writing: the orders rows' catalog text (made once per SKU and buyer as CSV
// cells), a day's file written out a mebibyte at a time, and the counts of accepted events
// handed over in runs.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class ReplayFeedWritingTests: XCTestCase {
    /// A catalog whose texts need quoting or neutralising in a CSV cell.
    static let catalog = Catalog(
        suppliers: [CatalogSupplier(id: "SUP,Q", pricing: .fixed, freight: .free)],
        skus: [CatalogSKU(sku: "=SKU-1", spu: "SPU-1", supplierID: "SUP,Q", category: "home/\"lux\"",
                          marketPrice: Money(fen: 1_200), costPrice: Money(fen: 600), salePrice: Money(fen: 1_000),
                          stock: 1_000_000)],
        buyers: [Buyer(id: "B-PLAIN", level: "gold"), Buyer(id: "-B1", level: "")])

    func replay(_ journal: String, catalog: Catalog = catalog) throws -> (summary: ReplaySummary, out: String) {
        let folder = NSTemporaryDirectory() + "replay-feeds-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        try journal.write(toFile: "\(folder)/journal.jsonl", atomically: true, encoding: .utf8)
        let summary = try Replay.run(journal: "\(folder)/journal.jsonl", catalog: catalog, out: "\(folder)/out",
                                     progress: ProgressLog(enabled: false))
        return (summary, "\(folder)/out")
    }

    static func order(_ n: Int, buyer: String, at minute: Int) -> String {
        let at = String(format: "2026-10-01T%02d:%02d:00+08:00", minute / 60, minute % 60)
        return """
        {"event":"place_order","at":"\(at)","order_id":"O-\(n)","buyer_id":"\(buyer)","lines":[{"sku":"=SKU-1","quantity":2}]}
        {"event":"pay","at":"\(at)","order_id":"O-\(n)","channel":"wechat","txn_id":"T-\(n)"}

        """
    }

    /// The catalog's cells of an orders row are written as the CSV encoder writes each text:
    /// quoted, neutralised, empty; and each buyer's and SKU's own.
    func testOrdersRowTakesTheCatalogTextAsCSVCells() throws {
        let (summary, out) = try replay(Self.order(1, buyer: "-B1", at: 60) + Self.order(2, buyer: "B-PLAIN", at: 61))
        XCTAssertEqual(summary.orderRows, 2)
        let text = try String(contentsOfFile: "\(out)/2026-10-01/orders-20261001.csv", encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map(String.init)
        XCTAssertEqual(rows, [
            "O-1-1,O-1,1,\"SUP,Q\",'-B1,,'=SKU-1,\"home/\"\"lux\"\"\",2,10.00,6.00,0.00,0.00,0.00,0.00,0.00,20.00,wechat,"
                + "2026-10-01T01:00:00+08:00,2026-10-01T01:00:00+08:00,,CNY",
            "O-2-1,O-2,1,\"SUP,Q\",B-PLAIN,gold,'=SKU-1,\"home/\"\"lux\"\"\",2,10.00,6.00,0.00,0.00,0.00,0.00,0.00,20.00,wechat,"
                + "2026-10-01T01:01:00+08:00,2026-10-01T01:01:00+08:00,,CNY",
        ])
    }

    /// A row longer than the room the formatter starts with (a category of 6,000 bytes, its
    /// 1,500 quotes doubled) is written whole, as the CSV encoder writes the text.
    func testARowLongerThanTheFirstRoomIsWrittenWhole() throws {
        let long = String(repeating: "a\"b,", count: 1_500)
        let catalog = Catalog(
            suppliers: [CatalogSupplier(id: "SUP", pricing: .fixed, freight: .free)],
            skus: [CatalogSKU(sku: "=SKU-1", spu: "SPU-1", supplierID: "SUP", category: long,
                              marketPrice: Money(fen: 1_200), costPrice: Money(fen: 600), salePrice: Money(fen: 1_000),
                              stock: 1_000_000)],
            buyers: [Buyer(id: "B-PLAIN", level: "gold")])
        let (summary, out) = try replay(Self.order(1, buyer: "B-PLAIN", at: 60), catalog: catalog)
        XCTAssertEqual(summary.orderRows, 1)
        let text = try String(contentsOfFile: "\(out)/2026-10-01/orders-20261001.csv", encoding: .utf8)
        let cell = "\"" + long.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        XCTAssertEqual(cell.utf8.count, 7_502)
        XCTAssertEqual(text.split(separator: "\n").dropFirst().map(String.init), [
            "O-1-1,O-1,1,SUP,B-PLAIN,gold,'=SKU-1,\(cell),2,10.00,6.00,0.00,0.00,0.00,0.00,0.00,20.00,wechat,"
                + "2026-10-01T01:00:00+08:00,2026-10-01T01:00:00+08:00,,CNY",
        ])
    }

    /// A day's orders file of several mebibytes (written out in pieces while the day is
    /// replayed) holds its header once and every row in order, and no temporary file is left.
    func testADayLargerThanOneWriteKeepsEveryRowInOrder() throws {
        let orders = 3 * DayFeed.spillBytes / 150
        var journal = ""
        for n in 1...orders { journal += Self.order(n, buyer: "B-PLAIN", at: 60 + n / 30) }
        let (summary, out) = try replay(journal)
        XCTAssertEqual(summary.orderRows, orders)
        XCTAssertEqual(summary.days, 1)
        let folder = "\(out)/2026-10-01"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       ["orders-20261001.csv", "payments-20261001.csv"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/orders-20261001.csv"))
        XCTAssertGreaterThan(bytes.count, 2 * DayFeed.spillBytes)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.first.map(String.init), FeedRowFormatter.orderColumns.joined(separator: ","))
        XCTAssertEqual(lines.last, "")
        XCTAssertEqual(lines.count, orders + 2)
        for (n, line) in lines.dropFirst().dropLast().enumerated() {
            XCTAssertTrue(line.hasPrefix("O-\(n + 1)-1,O-\(n + 1),"), "row \(n + 1): \(line.prefix(30))")
        }
    }

    /// Events that emit no rows are handed over as counts: the summary still counts every
    /// event, a refused one among them, and a day with only such events writes no folder.
    func testEventsWithoutRowsAreCountedAndMoveTheDay() throws {
        let journal = Self.order(1, buyer: "B-PLAIN", at: 60)
            + """
            {"event":"place_order","at":"2026-10-01T02:00:00+08:00","order_id":"O-2","buyer_id":"B-PLAIN","lines":[{"sku":"=SKU-1","quantity":1}]}
            {"event":"place_order","at":"2026-10-01T02:00:00+08:00","order_id":"O-2","buyer_id":"B-PLAIN","lines":[{"sku":"=SKU-1","quantity":1}]}
            {"event":"ship","at":"2026-10-02T09:00:00+08:00","order_id":"O-1-1"}
            not json
            {"event":"place_order","at":"2026-10-03T02:00:00+08:00","order_id":"O-3","buyer_id":"B-PLAIN","lines":[{"sku":"=SKU-1","quantity":1}]}

            """
        let (summary, out) = try replay(journal)
        XCTAssertEqual(summary.events, 7)
        XCTAssertEqual(summary.accepted, 5)
        XCTAssertEqual(summary.rejected, 2)
        XCTAssertEqual(summary.days, 1)
        XCTAssertEqual(summary.refusals, ["place_order duplicate_id": 1])
        let entries = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        XCTAssertEqual(entries, ["2026-10-01", "points_lost.csv", "rejected.csv"])
        let rejected = try String(contentsOfFile: "\(out)/rejected.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rejected.count, 3)
        XCTAssertTrue(rejected[1].hasPrefix("4,place_order,duplicate_id,"))
        XCTAssertTrue(rejected[2].hasPrefix("6,,malformed_event,"))
    }
}
