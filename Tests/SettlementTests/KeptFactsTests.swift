// KeptFactsTests: the nightly's reports, made from the facts it keeps in the store, hold the
// same bytes as the same reports made by reading every order line (`report NAME`), night after
// night: lines paid days before they arrive and after the as-of date, parent orders split
// over nights, lines completed (and so posted) nights later, refunds of earlier lines and
// purchase-mode refunds with their COST reversals, adjustments, late lines after a close, a
// night run twice, a night run for an earlier date, a change of purchase-mode suppliers, and
// a store as migration 12 leaves it.

import Foundation
import MallCore
import MallStore
import XCTest
@testable import Settlement

final class KeptFactsTests: XCTestCase {
    /// A fixed sequence of pseudo-random numbers (SplitMix64), so each run makes the same feeds.
    struct Numbers {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    /// A line written to a feed, kept to refund or complete it later.
    struct Sold {
        let order: String, line: Int, supplier: String, quantity: Int, goods: Int, points: Int, cash: Int
        var row: String
        var completed: Bool
    }

    /// The feeds of one night: new lines paid on the night (some days before, one after),
    /// completions of earlier SUP-A lines, refunds of earlier lines, now and then an adjustment.
    private func night(_ index: Int, date: Day, numbers: inout Numbers, sold: inout [Sold]) -> (orders: String, refunds: String, adjustments: String) {
        var orders: [String] = [], refunds: [String] = []
        let suppliers = ["SUP-A", "SUP-B", "SUP-P"], channels = ["wechat", "alipay"]
        for n in 0..<(6 + numbers.next(6)) {
            // Most lines are paid on the night; some days before; one in ten after the as-of date.
            let lag = numbers.next(10) == 0 ? -1 - numbers.next(2) : (numbers.next(3) == 0 ? numbers.next(40) : 0)
            let paid = date.adding(days: -lag)
            let parent = numbers.next(4) == 0 && n > 0 ? "P-\(index)-\(n - 1)" : "P-\(index)-\(n)"
            // One buyer, payment instant and channel per order.
            let buyer = numbers.next(6) == 0 ? "" : "B-\(numbers.next(25))"
            let hour = 10 + numbers.next(13)  // up to 22:xx local, so some fall on the next UTC day
            let at = "\(paid)T\(hour):\(10 + numbers.next(49)):00+08:00"
            let channel = channels[numbers.next(2)]
            let order = "O-\(index)-\(n)"
            for line in 1...(1 + numbers.next(2)) {
                let supplier = suppliers[numbers.next(3)], quantity = 1 + numbers.next(4), price = 100 + numbers.next(9_000)
                let discount = numbers.next(3) == 0 ? numbers.next(50) : 0
                let goods = quantity * price - discount
                let points = numbers.next(3) == 0 ? goods / 2 : 0
                let cash = goods - points
                let completed = supplier != "SUP-A" || numbers.next(2) == 0
                let base = "\(order),\(parent),\(line),\(supplier),\(buyer),,SKU-\(numbers.next(7)),\(["digital/phone", "office/pen", "food/rice"][numbers.next(3)]),\(quantity),\(Money(fen: Int64(price))),\(supplier == "SUP-P" ? Money(fen: Int64(price * 7 / 10)).description : ""),0,\(Money(fen: Int64(discount))),0,\(Money(fen: Int64(points))),0,\(Money(fen: Int64(cash))),\(cash > 0 ? channel : ""),\(at),\(at)"
                sold.append(Sold(order: order, line: line, supplier: supplier, quantity: quantity, goods: goods, points: points, cash: cash,
                                 row: base, completed: completed))
                orders.append(base + "," + (completed ? at : "") + ",CNY")
            }
        }
        // SUP-A lines completed tonight, delivered again with completed_at.
        for index in sold.indices where !sold[index].completed && numbers.next(3) == 0 {
            sold[index].completed = true
            orders.append(sold[index].row + ",\(date)T08:00:00+08:00,CNY")
        }
        // A refund of one unit of an earlier line now and then, dated tonight or the night after.
        for (k, line) in sold.enumerated() where numbers.next(9) == 0 {
            let goods = line.goods / line.quantity
            let (points, cash) = line.cash >= goods ? (0, goods) : line.points >= goods ? (goods, 0) : (-1, -1)
            guard points >= 0 else { continue }
            let when = numbers.next(8) == 0 ? date.adding(days: 1) : date
            refunds.append("R-\(index)-\(k),\(line.order),\(line.line),return,1,\(Money(fen: Int64(goods))),0,\(Money(fen: Int64(points))),0,\(Money(fen: Int64(cash))),\(when)T21:00:00+08:00")
        }
        let adjustments = numbers.next(4) == 0
            ? "adjustment_id,supplier_id,amount,reason,approved_by,effective_at\nADJ-\(index),SUP-B,-\(1 + numbers.next(9)).00,fix,ops,\(date)T12:00:00+08:00\n" : ""
        return (Fixture.orders(orders.joined(separator: "\n")).replacingOccurrences(of: "\n\n", with: "\n"),
                refunds.isEmpty ? "" : Fixture.refunds(refunds.joined(separator: "\n")), adjustments)
    }

    /// Night `index`'s feeds (`night`) alone in the inbox, run for `date`.
    private func runNight(_ ws: Workspace, _ config: MallConfig, _ index: Int, date: Day,
                          numbers: inout Numbers, sold: inout [Sold]) throws {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: ws.inbox)) ?? [] { try ws.remove(name) }
        let feeds = night(index, date: date, numbers: &numbers, sold: &sold)
        try ws.write("orders-\(index).csv", feeds.orders)
        if !feeds.refunds.isEmpty { try ws.write("refunds-\(index).csv", feeds.refunds) }
        if !feeds.adjustments.isEmpty { try ws.write("adjustments-\(index).csv", feeds.adjustments) }
        try ws.run(date.description, config: config)
    }

    /// Every report made from the sales facts, as the nightly wrote it for `date`, beside the
    /// same report made by reading every line.
    private func assertKeptMatchEveryLine(_ ws: Workspace, _ config: MallConfig, _ date: Day,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let window = ReportWindow.ending(date)
        for name in Reports.fromSalesFacts.sorted(by: { $0.rawValue < $1.rawValue }) {
            let written = try String(contentsOfFile: "\(ws.reports)/analytics/\(date)/\(name.rawValue).csv", encoding: .utf8)
            let everyLine = String(decoding: try Reports.table(name, db: ws.db, config: config, window: window).csv(), as: UTF8.self)
            XCTAssertEqual(written, everyLine, "\(name.rawValue) on \(date)", file: file, line: line)
        }
    }

    func testKeptFactsMatchEveryLineNightAfterNight() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        var numbers = Numbers(state: 7)
        var sold: [Sold] = []
        var date = Day(parsing: "2026-10-20")!
        for index in 0..<40 {
            try runNight(ws, config, index, date: date, numbers: &numbers, sold: &sold)
            try assertKeptMatchEveryLine(ws, config, date)
            if index == 15 {
                // Close October's and the weeks' sheets: later lines into them are late.
                try ws.close("2026-11-01", config: config)
            }
            date = date.adding(days: 1)
        }
        var kept: Int64 = 0
        try ws.db.query("SELECT count(*) FROM report_days") { kept = $0.int(0) }
        XCTAssertGreaterThan(kept, 40, "dates kept, including those paid before the first night")
        var late: Int64 = 0, margins: Int64 = 0, waiting: Int64 = 0
        try ws.db.query("SELECT (SELECT count(*) FROM report_late), (SELECT count(*) FROM report_margin_lines WHERE posted = 1), (SELECT count(*) FROM report_waiting)") {
            late = $0.int(0); margins = $0.int(1); waiting = $0.int(2)
        }
        XCTAssertGreaterThan(late, 0, "the close made late lines")
        XCTAssertGreaterThan(margins, 0, "purchase-mode lines were posted")
        XCTAssertGreaterThan(waiting, 0, "lines paid after the last as-of date wait")
        // The same night again: nothing new, the same bytes.
        let last = date.adding(days: -1)
        let before = try String(contentsOfFile: "\(ws.reports)/analytics/\(last)/sku_ranking.csv", encoding: .utf8)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: ws.inbox)) ?? [] { try ws.remove(name) }
        try ws.run(last.description, config: config)
        try assertKeptMatchEveryLine(ws, config, last)
        XCTAssertEqual(try String(contentsOfFile: "\(ws.reports)/analytics/\(last)/sku_ranking.csv", encoding: .utf8), before)
        // An earlier date: the kept facts are folded again for it.
        let earlier = Day(parsing: "2026-11-05")!
        try ws.run(earlier.description, config: config)
        try assertKeptMatchEveryLine(ws, config, earlier)
        // SUP-B becomes a purchase-mode supplier: folded again under the new settings.
        let changed = try Fixture.config(Fixture.configJSON.replacingOccurrences(
            of: "\"id\": \"SUP-B\", \"name\": \"Bamboo Office\", \"mode\": \"commission\"",
            with: "\"id\": \"SUP-B\", \"name\": \"Bamboo Office\", \"mode\": \"purchase\""))
        try ws.run("2026-11-06", config: changed)
        try assertKeptMatchEveryLine(ws, changed, Day(parsing: "2026-11-06")!)
        // As a store migrated from schema 11 is: nothing kept, its accepted refunds marked 0.
        try ws.db.run("DELETE FROM report_progress")
        try ws.db.run("UPDATE refunds SET accepted_run = 0 WHERE state = 'accepted'")
        try ws.run("2026-11-07", config: changed)
        try assertKeptMatchEveryLine(ws, changed, Day(parsing: "2026-11-07")!)
    }

    /// The first date a refresh opens is sized for the refresh's new rows: the lines above the
    /// last line folded and the refunds accepted after the last run folded, each counted once.
    func testNewRowsCountTheLinesAndRefundsAfterTheMarks() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        var numbers = Numbers(state: 11)
        var sold: [Sold] = []
        var date = Day(parsing: "2026-10-20")!
        for index in 0..<5 {
            try runNight(ws, config, index, date: date, numbers: &numbers, sold: &sold)
            date = date.adding(days: 1)
        }
        var lines: Int64 = 0, maxLine: Int64 = 0, firstRun: Int64 = 0, lastRun: Int64 = 0, refunds: Int64 = 0
        try ws.db.query("SELECT count(*), max(id) FROM order_lines") { lines = $0.int(0); maxLine = $0.int(1) }
        try ws.db.query("SELECT count(*), min(accepted_run), max(accepted_run) FROM refunds WHERE accepted_run IS NOT NULL") {
            refunds = $0.int(0); firstRun = $0.int(1); lastRun = $0.int(2)
        }
        var refundsAfterFirst: Int64 = 0
        try ws.db.query("SELECT count(*) FROM refunds WHERE accepted_run > ?", [.int(firstRun)]) { refundsAfterFirst = $0.int(0) }
        XCTAssertEqual(maxLine, lines, "line ids run 1...count in a store nothing was deleted from")
        XCTAssertGreaterThan(refunds, refundsAfterFirst, "the first night with refunds accepted some")
        XCTAssertGreaterThan(refundsAfterFirst, 0, "a later night accepted refunds")
        XCTAssertEqual(try KeptFacts.newRows(ws.db, linesAfter: 0, refundRunsAfter: 0), Int(lines + refunds))
        XCTAssertEqual(try KeptFacts.newRows(ws.db, linesAfter: maxLine - 4, refundRunsAfter: firstRun), Int(4 + refundsAfterFirst))
        XCTAssertEqual(try KeptFacts.newRows(ws.db, linesAfter: maxLine, refundRunsAfter: lastRun), 0)
    }

    func testDamagedFactsAreFoldedAgain() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", ReportsTests.night1Orders)
        try ws.write("refunds-1110.csv", ReportsTests.night1Refunds)
        try ws.run("2026-11-10", config: config)
        try ws.db.run("UPDATE report_days SET facts = x'0102'")
        try ws.run("2026-11-10", config: config)
        try assertKeptMatchEveryLine(ws, config, Day(parsing: "2026-11-10")!)
    }

    func testADamagedDateThatOnlyRefundsChangeIsFoldedAgain() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", ReportsTests.night1Orders)
        try ws.run("2026-11-10", config: config)
        // Tonight's refund reaches back to 2026-11-10, whose kept bytes are damaged: merging
        // the refund into them cannot work, so every row is folded again.
        try ws.db.run("UPDATE report_days SET facts = x'0102'")
        try ws.write("refunds-1111.csv", ReportsTests.night1Refunds)
        try ws.run("2026-11-11", config: config)
        try assertKeptMatchEveryLine(ws, config, Day(parsing: "2026-11-11")!)
        let kept = try ws.db.scalar("SELECT length(facts) FROM report_days WHERE day = ?",
                                    [.int(Int64(Day(parsing: "2026-11-10")!.ordinal))])
        XCTAssertNotEqual(kept, .int(2), "the damaged bytes were replaced")
    }

    /// A date only refunds change is merged with its kept bytes without decoding its SKUs; the
    /// bytes are those of decoding it, adding the refunds and encoding it again.
    func testARefundOnlyDateMergesIntoItsKeptBytesAsDecodingWould() throws {
        func key(_ n: Int) -> SKUKey {
            SKUKey(sku: TextKey("SKU-\(n)"), supplier: TextKey(n % 3 == 0 ? "S-1" : "S-2"), category: TextKey("food/tea"))
        }
        let cash = Tenders(points: 0, credit: 0, cash: 100, channel: "alipay")
        let mixed = Tenders(points: 40, credit: 10, cash: 50, channel: "wechat")
        var date = DayWork()
        for n in 0..<40 {
            date.add(LineRow(quantity: Int64(n % 4 + 1), unitPrice: 100, discountPlatform: 5, discountSupplier: 0,
                             goods: Int64(n % 4 + 1) * 100 - 5, freight: 0),
                     key(n % 25), n % 2 == 0 ? cash : mixed, parent: TextKey("P-\(n / 2)"), buyer: TextKey("B-\(n % 7)"))
        }
        let stored = try XCTUnwrap(date.encoded())
        let kept = KeptDay(facts: stored.facts, orders: try XCTUnwrap(stored.orders), buyers: try XCTUnwrap(stored.buyers))
        // Refunds of kept SKUs (one refunded twice) and of a SKU the date has not kept.
        let refunds: [(units: Int64, goods: Int64, key: SKUKey, paid: Tenders)] = [
            (1, 95, key(3), cash), (2, 190, key(17), mixed), (1, 95, key(3), cash), (1, 60, key(99), mixed), (1, 95, key(0), cash),
        ]
        var onlyRefunds = DayWork()
        onlyRefunds.kept = kept
        let decoded = try XCTUnwrap(kept.facts.withUnsafeBytes { DayFacts(decoding: $0) })
        var whole = DayWork(facts: decoded, orders: try XCTUnwrap(kept.orders.withUnsafeBytes(TextSet.decoded)),
                            buyers: try XCTUnwrap(kept.buyers.withUnsafeBytes(TextSet.decoded)))
        for refund in refunds {
            let back = Tenders(points: refund.paid.points / 2, credit: 0, cash: refund.paid.cash / 2, channel: "")
            onlyRefunds.addRefund(units: refund.units, goods: refund.goods, refund.key, paidWith: refund.paid, refunded: back)
            whole.addRefund(units: refund.units, goods: refund.goods, refund.key, paidWith: refund.paid, refunded: back)
        }
        let merged = try XCTUnwrap(onlyRefunds.encoded())
        XCTAssertEqual(merged.facts, try XCTUnwrap(whole.encoded()).facts)
        XCTAssertNil(merged.orders, "a date only refunds change keeps its orders")
        XCTAssertNil(merged.buyers)
        XCTAssertNotEqual(merged.facts, stored.facts)
        // Damaged kept bytes: nothing to write.
        onlyRefunds.kept = KeptDay(facts: Array(stored.facts.dropLast(3)), orders: kept.orders, buyers: kept.buyers)
        XCTAssertNil(onlyRefunds.encoded())
    }

    func testFactBytesReadBackWhatWasWritten() {
        var writer = FactWriter()
        let values: [Int64] = [0, 1, -1, 63, -64, 64, 300, -300, Int64.max, Int64.min, 1_234_567_890_123]
        for value in values { writer.int(value) }
        writer.text("SKU-手机/é")
        writer.text("")
        writer.bytes.withUnsafeBytes { bytes in
            var reader = FactReader(bytes)
            XCTAssertEqual(values.map { _ in reader.int() }, values)
            XCTAssertEqual(reader.text(), "SKU-手机/é")
            XCTAssertEqual(reader.text(), "")
            XCTAssertTrue(reader.atEnd)
            XCTAssertFalse(reader.damaged)
        }
        // Cut short: damaged, not a crash.
        Array(writer.bytes.prefix(3)).withUnsafeBytes { bytes in
            var reader = FactReader(bytes)
            _ = reader.int(); _ = reader.int(); _ = reader.int(); _ = reader.int()
            XCTAssertTrue(reader.damaged)
        }
        [UInt8]([0x02, 0x10, 0x41]).withUnsafeBytes { bytes in
            var reader = FactReader(bytes)
            _ = reader.int()
            XCTAssertEqual(reader.text(), "")
            XCTAssertTrue(reader.damaged, "a text longer than what is left")
        }
    }
}
