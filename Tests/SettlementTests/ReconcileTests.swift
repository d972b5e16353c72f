// ReconcileTests: payment-channel reconciliation and payouts (SPEC §9, §6) through the
// nightly, one test per outcome, with the feeds inline and the exact break rows expected.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class ReconcileTests: XCTestCase {
    static let paymentHeader = "channel,txn_id,kind,reference,amount,fee,occurred_at"
    static let payoutHeader = "payout_id,sheet_id,amount,paid_at,bank_ref"
    static let breaksHeader = "break_id,kind,channel,reference,expected,found,first_seen,resolved_at,detail"

    /// A SUP-B line (settles on payment) of one unit, paid in cash through `channel`.
    static func line(_ orderID: String, parent: String, cash: String, paidAt: String = "2026-11-10T09:01:00+08:00",
                     channel: String = "wechat", unitPrice: String? = nil) -> String {
        "\(orderID),\(parent),1,SUP-B,B-1,,SKU-1,office/paper,1,\(unitPrice ?? cash),,0,0,0,0,0,\(cash),\(channel),2026-11-10T09:00:00+08:00,\(paidAt),,CNY"
    }

    static func payments(_ rows: String...) -> String { ([paymentHeader] + rows).joined(separator: "\n") + "\n" }

    private func breaks(_ ws: Workspace) throws -> [String] {
        try ws.export(.breaks).split(separator: "\n").map(String.init)
    }

    /// The stored items (matched ones too) as `channel|kind|reference|txn_id|outcome|day`.
    private func items(_ ws: Workspace) throws -> [String] {
        var out: [String] = []
        try ws.db.query("SELECT channel, kind, reference, txn_id, outcome, day FROM v_recon_items ORDER BY 1, 2, 3, 4") {
            out.append([$0.string(0), $0.string(1), $0.string(2), $0.string(3), $0.string(4), $0.string(5)].joined(separator: "|"))
        }
        return out
    }

    /// The expectations, stored or kept in a matched item, as `channel|kind|reference|amount|day`.
    private func expectations(_ ws: Workspace) throws -> [String] {
        var out: [String] = []
        try ws.db.query("""
            SELECT channel, kind, reference, amount, day FROM recon_expected
            UNION
            SELECT p.channel, p.kind, p.reference, p.amount, date(m.day * 86400, 'unixepoch')
            FROM recon_matched m JOIN payments p ON p.id = m.payment_key
            WHERE NOT EXISTS (SELECT 1 FROM recon_expected e WHERE e.channel = p.channel AND e.kind = p.kind AND e.reference = p.reference)
            ORDER BY 1, 2, 3
            """) {
            out.append("\($0.string(0))|\($0.string(1))|\($0.string(2))|\($0.int(3))|\($0.string(4))")
        }
        return out
    }

    /// Every column of every item, as the view shows them, one text per item.
    private func itemRows(_ ws: Workspace) throws -> [String] {
        var out: [String] = []
        try ws.db.query("""
            SELECT channel || '|' || kind || '|' || reference || '|' || txn_id || '|' || outcome || '|' || coalesce(expected, '')
                   || '|' || coalesce(expected_fen, '') || '|' || coalesce(found, '') || '|' || coalesce(found_fen, '') || '|'
                   || day || '|' || due || '|' || detail || '|' || coalesce(break_id, '') AS item
            FROM v_recon_items ORDER BY 1
            """) { out.append($0.string(0)) }
        return out
    }

    private func file(_ ws: Workspace, _ date: String, _ name: String) throws -> [String] {
        try String(contentsOfFile: "\(ws.reports)/reconciliation/\(date)/\(name)", encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    // MARK: One test per outcome

    func testMatchedWritesNoBreakAndCountsTheChannelFee() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        let (_, status) = try ws.run("2026-11-10", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10"])
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader])
        XCTAssertEqual(try file(ws, "2026-11-10", "summary.csv"), [
            "date,channel,matched,pending,amount_mismatch,duplicate_in_channel,missing_in_channel,unexpected_in_channel",
            "2026-11-10,wechat,1,0,0,0,0,0",
        ])
        XCTAssertEqual(try file(ws, "2026-11-10", "channel_fees.csv"), [
            "date,channel,channel_rows,channel_fee,lines_posted,payment_fee_charged,difference",
            "2026-11-10,wechat,1,0.60,1,0.60,0.00",
        ])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// Lines through three channels over five days, each (channel, day) met again after the
    /// fourteen others: every line's PAYMENT_FEE counts once, on its channel and day.
    func testChannelFeesCountEveryLineWhenChannelsAndDaysInterleave() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let days = ["06", "07", "08", "09", "10"], channels = ["wechat", "alipay", "unionpay"]
        var lines: [String] = []
        for _ in 0..<2 {
            for day in days {
                for channel in channels {
                    let n = lines.count + 1
                    lines.append(Self.line("O-\(n)", parent: "P-\(n)", cash: "100.00",
                                           paidAt: "2026-11-\(day)T09:01:00+08:00", channel: channel))
                }
            }
        }
        try ws.write("orders.csv", ([Fixture.orderHeader] + lines).joined(separator: "\n") + "\n")
        // P-13, P-14 and P-15 are the first round's last day: wechat, alipay, unionpay.
        try ws.write("payments.csv", Self.payments("wechat,WX13,pay,P-13,100.00,0.60,2026-11-10T09:01:30+08:00",
                                                   "alipay,AP14,pay,P-14,100.00,0.55,2026-11-10T09:01:30+08:00",
                                                   "unionpay,UP15,pay,P-15,100.00,0.00,2026-11-10T09:01:30+08:00"))
        try ws.run("2026-11-10", config: config)
        var expected = ["date,channel,channel_rows,channel_fee,lines_posted,payment_fee_charged,difference"]
        for day in days.dropLast() {
            expected += ["2026-11-\(day),alipay,0,0.00,2,1.10,1.10", "2026-11-\(day),unionpay,0,0.00,2,0.00,0.00",
                         "2026-11-\(day),wechat,0,0.00,2,1.20,1.20"]
        }
        expected += ["2026-11-10,alipay,1,0.55,2,1.10,0.55", "2026-11-10,unionpay,1,0.00,2,0.00,0.00",
                     "2026-11-10,wechat,1,0.60,2,1.20,0.60"]
        XCTAssertEqual(try file(ws, "2026-11-10", "channel_fees.csv"), expected)
    }

    func testAmountMismatchIsPendingInsideTheWindowThenABreak() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,99.00,0.59,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done, "pending until 11-10 + 2 days")
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||pending|2026-11-10"])
        let (record, status) = try ws.run("2026-11-12", config: config)
        XCTAssertEqual(status, .doneWithFindings)
        XCTAssertEqual(record.reconciliation.newBreaks, ["amount_mismatch wechat/P-1"])
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,amount_mismatch,wechat,P-1,100.00,99.00,2026-11-12,,pay; txn_id WX1"])
        XCTAssertEqual(try file(ws, "2026-11-12", "breaks.csv"), try breaks(ws))
        XCTAssertEqual(try file(ws, "2026-11-12", "summary.csv").last, "2026-11-10,wechat,0,0,1,0,0,0")
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done, "an open break is not new")
        try ws.write("payments-1113.csv", Self.payments("wechat,WX2,pay,P-1,99.00,0.59,2026-11-13T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done, "a run for an earlier date")
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||amount_mismatch|2026-11-10", "wechat|pay|P-1|WX2|pending|2026-11-13"],
                       "windows are judged against the latest date reconciled: the break stays open")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testASecondChannelRowIsADuplicateDatedByItsOwnTime() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX2,pay,P-1,100.00,0.60,2026-11-11T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .done, "the duplicate of 11-11 is pending until 11-13")
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10", "wechat|pay|P-1|WX2|pending|2026-11-11"])
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,duplicate_in_channel,wechat,P-1,100.00,100.00,2026-11-13,,pay; txn_id WX2 repeats txn_id WX1"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testMissingInChannelOnlyOnceTheWindowHasPassed() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00"),
                                                       Self.line("O-9", parent: "P-9", cash: "20.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX9,pay,P-9,20.00,0.12,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try file(ws, "2026-11-11", "summary.csv").last, "2026-11-10,wechat,1,1,0,0,0,0")
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,missing_in_channel,wechat,P-1,100.00,,2026-11-12,,pay; no channel txn"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    func testUnexpectedInChannel() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("payments-1110.csv", Self.payments("alipay,AP5,pay,P-X,50.00,0.30,2026-11-10T22:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,unexpected_in_channel,alipay,P-X,,50.00,2026-11-12,,pay; txn_id AP5"])
        XCTAssertEqual(try file(ws, "2026-11-12", "channel_fees.csv").last, "2026-11-10,alipay,1,0.30,0,0.00,-0.30")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    // MARK: Across nights

    /// A payment at 23:59:59 that the channel books after midnight, in the next day's file:
    /// pending on the first night, matched on the second, never a break.
    func testAPaymentAtMidnightInTheNextDaysFileIsMatchedWithoutABreak() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00", paidAt: "2026-11-10T23:59:59+08:00"),
                                                       Self.line("O-2", parent: "P-2", cash: "30.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX2,pay,P-2,30.00,0.18,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||pending|2026-11-10", "wechat|pay|P-2||matched|2026-11-10"])
        try ws.write("payments-1111.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-11T00:00:02+08:00"))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .done)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10", "wechat|pay|P-2||matched|2026-11-10"])
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader])
        XCTAssertEqual(try file(ws, "2026-11-12", "channel_fees.csv"), [
            "date,channel,channel_rows,channel_fee,lines_posted,payment_fee_charged,difference",
            "2026-11-10,wechat,1,0.18,2,0.78,0.60",
            "2026-11-11,wechat,1,0.60,0,0.00,-0.60",
        ])
    }

    func testARefundPaidTwiceIsADuplicateOfTheRefund() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        try ws.write("refunds-1111.csv", Fixture.refunds("R-1,O-1,1,cancel,1,100.00,0,0,0,100.00,2026-11-11T10:00:00+08:00"))
        try ws.write("payments-1111.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX2,refund,R-1,100.00,0,2026-11-11T10:00:05+08:00",
                                                        "wechat,WX3,refund,R-1,100.00,0,2026-11-11T10:07:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10", "wechat|refund|R-1||matched|2026-11-11",
                                       "wechat|refund|R-1|WX3|pending|2026-11-11"])
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,duplicate_in_channel,wechat,R-1,100.00,100.00,2026-11-13,,refund; txn_id WX3 repeats txn_id WX2"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// A row quarantined on our side leaves its channel row unexpected; delivered again
    /// correctly, it matches and the break is resolved that night.
    func testARowQuarantinedThenDeliveredAgainResolvesTheUnexpectedBreak() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00", unitPrice: "1e2")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .doneWithFindings, "the quarantined row")
        XCTAssertEqual(try ws.quarantine(), ["orders-1110.csv:2:10:bad_money"])
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,unexpected_in_channel,wechat,P-1,,100.00,2026-11-12,,pay; txn_id WX1"])
        try ws.write("orders-1113-fixed.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        let (record, status) = try ws.run("2026-11-13", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record.reconciliation.resolvedBreaks, 1)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,unexpected_in_channel,wechat,P-1,,100.00,2026-11-12,2026-11-13,pay; txn_id WX1"])
        XCTAssertEqual(try file(ws, "2026-11-13", "breaks.csv"), try breaks(ws), "listed on the night it is resolved")
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10"])
        XCTAssertEqual(try file(ws, "2026-11-13", "summary.csv").last, "2026-11-10,wechat,1,0,0,0,0,0")
        try ws.run("2026-11-14", config: config)
        XCTAssertEqual(try file(ws, "2026-11-14", "breaks.csv"), [Self.breaksHeader], "no longer listed")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// A parent order split over two child orders, one of them delivered late: the mismatch
    /// of the first nights is resolved when the second arrives, and a later row changing it
    /// again opens a new break.
    func testABreakResolvedByALaterRowAndANewOutcomeOpened() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1-1", parent: "P-1", cash: "60.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        try ws.write("orders-1113.csv", Fixture.orders(Self.line("O-1-2", parent: "P-1", cash: "40.00")))
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,amount_mismatch,wechat,P-1,60.00,100.00,2026-11-12,2026-11-13,pay; txn_id WX1"])
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10"])
        try ws.write("orders-1114.csv", Fixture.orders(Self.line("O-1-3", parent: "P-1", cash: "5.00")))
        XCTAssertEqual(try ws.run("2026-11-14", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,amount_mismatch,wechat,P-1,60.00,100.00,2026-11-12,2026-11-13,pay; txn_id WX1",
                                        "2,amount_mismatch,wechat,P-1,105.00,100.00,2026-11-14,,pay; txn_id WX1"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// An orphan refund found over-refunded when its line arrives is deleted; delivered again
    /// corrected, it is stored under the same id (SQLite's highest id plus one) and still
    /// counts once accepted.
    func testAnOrphanOverRefundDeliveredAgainCorrectlyIsExpected() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("refunds-1110.csv", Fixture.refunds("R-1,O-1,1,cancel,1,150.00,0,0,0,150.00,2026-11-10T20:00:00+08:00"))
        try ws.write("payments-1111.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX2,refund,R-1,100.00,0,2026-11-11T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        try ws.write("orders-1111.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .doneWithFindings, "the over-refund is quarantined")
        XCTAssertEqual(try ws.quarantine(), ["refunds-1110.csv:2:6:over_refund"])
        try ws.write("refunds-1112.csv", Fixture.refunds("R-1,O-1,1,cancel,1,100.00,0,0,0,100.00,2026-11-10T20:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .done)
        XCTAssertEqual(try ws.db.scalar("SELECT id FROM refunds WHERE refund_id = 'R-1'"), .int(1), "the id came again")
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .done)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10", "wechat|refund|R-1||matched|2026-11-10"])
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader])
    }

    /// Orders paid through a channel no payments row names are not reconciled; once one does,
    /// its earlier orders are.
    func testOnlyChannelsNamedByAPaymentsRowAreReconciled() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00", channel: "balance")))
        let (quiet, status) = try ws.run("2026-11-13", config: config)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(quiet.reconciliation.referencesJudged, 0, "a channel that no payments row names is not reconciled: nothing of it is judged")
        XCTAssertEqual(try items(ws), [])
        try ws.write("payments-1114.csv", Self.payments("balance,BL1,pay,P-2,10.00,0,2026-11-14T09:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-14", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,missing_in_channel,balance,P-1,100.00,,2026-11-14,,pay; no channel txn"])
        XCTAssertEqual(try items(ws), ["balance|pay|P-1||missing_in_channel|2026-11-10", "balance|pay|P-2||pending|2026-11-14"])
    }

    /// A channel named for the first time gets its whole history from the store: lines of
    /// earlier nights summed per parent order and dated by the earliest, accepted refunds, and
    /// an orphan refund still unchecked that night waits and counts once accepted. Until then
    /// the channel's lines keep no expectation at all.
    func testAChannelNamedLaterGetsItsExpectationsFromTheStore() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "50.00", channel: "alipay"),
                                                       Self.line("O-4", parent: "P-4", cash: "5.00", channel: "balance")))
        try ws.write("refunds-1110.csv", Fixture.refunds("R-1,O-1,1,cancel,1,50.00,0,0,0,50.00,2026-11-10T20:00:00+08:00",
                                                         "R-2,O-3,1,cancel,1,20.00,0,0,0,20.00,2026-11-11T20:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        try ws.write("orders-1111.csv", Fixture.orders(Self.line("O-2", parent: "P-1", cash: "30.00",
                                                                 paidAt: "2026-11-11T09:01:00+08:00", channel: "alipay")))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM recon_expected"), .int(0), "no channel is reconciled yet")
        try ws.write("payments-1112.csv", Self.payments("alipay,AP1,pay,P-1,80.00,0,2026-11-10T09:01:30+08:00",
                                                        "alipay,AP2,refund,R-1,50.00,0,2026-11-10T20:00:30+08:00",
                                                        "alipay,AP3,refund,R-2,20.00,0,2026-11-11T20:00:30+08:00"))
        _ = try ws.run("2026-11-12", config: config)
        XCTAssertEqual(try items(ws).filter { $0.hasPrefix("alipay|pay|P-1|") || $0.hasPrefix("alipay|refund|R-1|") },
                       ["alipay|pay|P-1||matched|2026-11-10", "alipay|refund|R-1||matched|2026-11-10"])
        try ws.write("orders-1113.csv", Fixture.orders(Self.line("O-3", parent: "P-3", cash: "20.00", channel: "alipay")))
        _ = try ws.run("2026-11-13", config: config)
        XCTAssertTrue(try items(ws).contains("alipay|refund|R-2||matched|2026-11-11"), "the orphan counts once accepted")
        XCTAssertEqual(try expectations(ws), ["alipay|pay|P-1|8000|2026-11-10", "alipay|pay|P-3|2000|2026-11-10",
                                              "alipay|refund|R-1|5000|2026-11-10", "alipay|refund|R-2|2000|2026-11-11"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// The night a channel is first named, the lines of a parent order are summed wherever
    /// they come in the feed, and references are judged in byte order (`P-10` before `P-2`).
    func testANewChannelSumsTheLinesOfAParentOrderWhereverTheyCome() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-2", cash: "10.00"),
                                                       Self.line("O-2", parent: "P-1", cash: "20.00"),
                                                       Self.line("O-3", parent: "P-2", cash: "5.00",
                                                                 paidAt: "2026-11-09T09:01:00+08:00"),
                                                       Self.line("O-4", parent: "P-10", cash: "1.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,20.00,0,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX2,pay,P-2,14.00,0,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX3,pay,P-10,1.00,0,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||matched|2026-11-10", "wechat|pay|P-10||matched|2026-11-10",
                                       "wechat|pay|P-2||amount_mismatch|2026-11-09"])
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,amount_mismatch,wechat,P-2,15.00,14.00,2026-11-12,,pay; txn_id WX2"])
        XCTAssertEqual(try expectations(ws), ["wechat|pay|P-1|2000|2026-11-10", "wechat|pay|P-10|100|2026-11-10",
                                              "wechat|pay|P-2|1500|2026-11-09"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// The night channels are first named, their lines read on earlier nights and tonight's
    /// add up per parent order, their rows come in any order, and references longer than 16
    /// bytes that share their first 16 are told apart and judged in byte order (a reference
    /// before the longer ones it begins).
    func testANewChannelJoinsEarlierAndTonightsLinesOfLongReferences() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "PARENT-ORDER-0001-A", cash: "10.00", channel: "alipay"),
                                                       Self.line("O-2", parent: "PARENT-ORDER-0001", cash: "7.00", channel: "alipay")))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        let tonight = "2026-11-11T09:01:00+08:00"
        try ws.write("orders-1111.csv", Fixture.orders(
            Self.line("O-3", parent: "PARENT-ORDER-0001-A", cash: "5.00", paidAt: tonight, channel: "alipay"),
            Self.line("O-4", parent: "PARENT-ORDER-0001-B", cash: "3.00", paidAt: tonight, channel: "alipay"),
            Self.line("O-5", parent: "P-9", cash: "4.00", paidAt: tonight)))
        try ws.write("payments-1111.csv", Self.payments("alipay,AP2,pay,PARENT-ORDER-0001-B,3.00,0,2026-11-11T09:01:30+08:00",
                                                        "wechat,WX1,pay,P-9,4.00,0,2026-11-11T09:01:30+08:00",
                                                        "alipay,AP1,pay,PARENT-ORDER-0001-A,15.00,0,2026-11-11T09:01:30+08:00",
                                                        "alipay,AP3,pay,PARENT-ORDER-0001,7.00,0,2026-11-11T09:01:30+08:00",
                                                        "alipay,AP4,pay,PARENT-ORDER-0001-A,15.00,0,2026-11-11T10:00:00+08:00"))
        XCTAssertEqual(try ws.run("2026-11-11", config: config).1, .done)
        XCTAssertEqual(try items(ws), ["alipay|pay|PARENT-ORDER-0001||matched|2026-11-10",
                                       "alipay|pay|PARENT-ORDER-0001-A||matched|2026-11-10",
                                       "alipay|pay|PARENT-ORDER-0001-A|AP4|pending|2026-11-11",
                                       "alipay|pay|PARENT-ORDER-0001-B||matched|2026-11-11",
                                       "wechat|pay|P-9||matched|2026-11-11"])
        XCTAssertEqual(try expectations(ws), ["alipay|pay|PARENT-ORDER-0001|700|2026-11-10",
                                              "alipay|pay|PARENT-ORDER-0001-A|1500|2026-11-10",
                                              "alipay|pay|PARENT-ORDER-0001-B|300|2026-11-11", "wechat|pay|P-9|400|2026-11-11"])
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// TextOrder orders and tells apart texts as their bytes do: prefixes first, past the 16
    /// bytes it holds, beyond ASCII.
    func testTextOrderIsByteOrder() {
        let texts = ["", "A", "A\u{0}", "A\u{1}", "AB", "P-10", "P-2", "PARENT-ORDER-000", "PARENT-ORDER-0001",
                     "PARENT-ORDER-0001-A", "PARENT-ORDER-0001-B", "PARENT-ORDER-0001-AA", "PARENT-ORDER-0002", "订单-1", "é", "e\u{301}"]
        for a in texts {
            for b in texts {
                let (ka, kb) = (TextOrder(a), TextOrder(b))
                XCTAssertEqual(TextOrder.precedes(ka, kb) ?? a.utf8.lexicographicallyPrecedes(b.utf8),
                               a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) < \(b)")
                XCTAssertEqual(TextOrder.same(ka, kb) ?? a.utf8.elementsEqual(b.utf8), a.utf8.elementsEqual(b.utf8), "\(a) = \(b)")
            }
        }
    }

    /// The keys a night judges, put in order through their references' TextOrders, are in
    /// the order `<` gives: kind first, then references sharing long prefixes, beyond ASCII.
    func testKeysInOrderAsTheyCompare() {
        let references = ["P-10", "P-2", "PARENT-ORDER-0001", "PARENT-ORDER-0001-A", "PARENT-ORDER-0001-AA",
                          "PARENT-ORDER-0001-B", "PARENT-ORDER-0002", "PARENT-ORDER-000", "订单-1", "é", "e\u{301}", ""]
        var keys = references.flatMap { reference in
            ["refund", "pay"].map { ChannelKey(channel: "wechat", kind: $0, reference: reference) }
        }
        keys.shuffle()
        let ordered = ChannelKey.inOrder(keys)
        XCTAssertEqual(ordered, keys.sorted())
        XCTAssertEqual(ordered.first, ChannelKey(channel: "wechat", kind: "pay", reference: ""))
        XCTAssertEqual(ordered.last, ChannelKey(channel: "wechat", kind: "refund", reference: "订单-1"))
    }

    /// Texts sorted by their first sixteen bytes, then their texts, come in byte order: buyer
    /// ids of one length and of several, long shared prefixes, beyond ASCII, repeats.
    func testTextsInByteOrder() {
        var texts = ["B10", "B2", "B100", "BUYER-0000000000001", "BUYER-0000000000001-X", "BUYER-0000000000000",
                     "BUYER-000000000000", "买家-1", "é", "e\u{301}", "", "B2", "ZZZZZZZZZZZZZZZZ", "ZZZZZZZZZZZZZZZZ1"]
        texts += (0 ..< 200).map { "B\($0 * 7919 % 1000)" }
        texts.shuffle()
        let expected = texts.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        XCTAssertEqual(TextOrder.sorted(texts), expected)
        XCTAssertEqual(TextOrder.sorted(Set(texts)), Array(Set(texts)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(TextOrder.sorted(texts).prefix(4), ["", "B0", "B10", "B100"])
    }

    /// A night reads the keys of the stored expectations and items whole when there are few
    /// (at most twice its own rows, and 4,096 more), and looks up only the keys found there;
    /// with more, it looks up every key. Both end the same, on a night that adds a late line to
    /// a matched reference and pays a waiting one, while five more find their window closed.
    func testANightEndsTheSameWhetherItReadsTheKeysWholeOrLooksThemUp() throws {
        func scenario() throws -> [[String]] {
            let ws = try Workspace()
            let config = try Fixture.config()
            let waiting = (2 ... 7).map { Self.line("O-\($0)-1", parent: "P-\($0)", cash: "\($0)0.00") }
            try ws.write("orders-1110.csv", ([Fixture.orders(Self.line("O-1-1", parent: "P-1", cash: "100.00"))] + waiting)
                .joined(separator: "\n") + "\n")
            try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
            _ = try ws.run("2026-11-10", config: config)
            try ws.write("orders-1111.csv", Fixture.orders(Self.line("O-1-2", parent: "P-1", cash: "5.00",
                                                                     paidAt: "2026-11-11T09:01:00+08:00")))
            try ws.write("payments-1111.csv", Self.payments("wechat,WX2,pay,P-2,20.00,0.12,2026-11-11T10:00:00+08:00"))
            _ = try ws.run("2026-11-13", config: config)
            XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
            return [try breaks(ws), try items(ws), try expectations(ws)]
        }
        let whole = try scenario()
        XCTAssertEqual(whole[0], [Self.breaksHeader, "1,amount_mismatch,wechat,P-1,105.00,100.00,2026-11-13,,pay; txn_id WX1"]
                       + (3 ... 7).map { "\($0 - 1),missing_in_channel,wechat,P-\($0),\($0)0.00,,2026-11-13,,pay; no channel txn" })
        XCTAssertEqual(whole[1], ["wechat|pay|P-1||amount_mismatch|2026-11-10", "wechat|pay|P-2||matched|2026-11-10"]
                       + (3 ... 7).map { "wechat|pay|P-\($0)||missing_in_channel|2026-11-10" })
        ChannelReconciler.keysReadSlack = 0
        defer { ChannelReconciler.keysReadSlack = 4096 }
        XCTAssertEqual(try scenario(), whole)
    }

    /// A reference matched the night its channel is first named keeps its expectation in its
    /// matched item only; a line delivered later adds to that expectation all the same.
    func testALateLineAddsToAnExpectationKeptInAMatchedItem() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1-1", parent: "P-1", cash: "100.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .done)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM recon_expected"), .int(0), "kept in the matched item")
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM recon_items"), .int(0), "kept in recon_matched")
        XCTAssertEqual(try expectations(ws), ["wechat|pay|P-1|10000|2026-11-10"])
        try ws.write("orders-1111.csv", Fixture.orders(Self.line("O-1-2", parent: "P-1", cash: "5.00",
                                                                 paidAt: "2026-11-11T09:01:00+08:00")))
        XCTAssertEqual(try ws.run("2026-11-13", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,amount_mismatch,wechat,P-1,105.00,100.00,2026-11-13,,pay; txn_id WX1"])
        XCTAssertEqual(try expectations(ws), ["wechat|pay|P-1|10500|2026-11-10"])
        XCTAssertEqual(try items(ws), ["wechat|pay|P-1||amount_mismatch|2026-11-10"])
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM recon_matched"), .int(0))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    /// A store reconciled before migration 13 (schema 12: every item in recon_items, every
    /// expectation stored) is brought up to date: its matched items move to recon_matched,
    /// v_recon_items shows the same rows, and the nights after judge as on a store that never
    /// was at schema 12.
    func testAStoreOfSchema12KeepsItsItemsWhenMigrated() throws {
        let config = try Fixture.config()
        let (old, current) = (try Workspace(), try Workspace())
        for ws in [old, current] {
            try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00"),
                                                           Self.line("O-2", parent: "P-2", cash: "30.00"),
                                                           Self.line("O-3", parent: "P-3", cash: "7.00")))
            try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00",
                                                            "wechat,WX2,pay,P-2,29.00,0.10,2026-11-10T09:01:30+08:00",
                                                            "wechat,WX3,pay,P-1,100.00,0.60,2026-11-10T09:02:30+08:00",
                                                            "wechat,WX4,pay,P-3,7.00,0.01,2026-11-10T09:03:30+08:00"))
            XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        }
        let rows = try itemRows(old)
        XCTAssertEqual(rows.count(where: { $0.contains("|matched|") }), 2)
        try old.db.execute("""
            INSERT INTO recon_items SELECT * FROM (\(MatchedItems.allItems)) WHERE outcome = 'matched';
            INSERT INTO recon_expected(channel, kind, reference, amount, day)
                SELECT p.channel, p.kind, p.reference, p.amount, date(m.day * 86400, 'unixepoch')
                FROM recon_matched m JOIN payments p ON p.id = m.payment_key WHERE true ON CONFLICT DO NOTHING;
            DROP VIEW v_recon_items;
            DROP TABLE recon_matched;
            CREATE VIEW v_recon_items AS \(StoreViews.reconItems(from: "recon_items"));
            DROP TABLE credit_unbilled;
            DELETE FROM schema_migrations WHERE version IN (13, 14);
            """)
        XCTAssertEqual(try old.db.schemaVersion(), 12)
        XCTAssertEqual(try itemRows(old), rows, "the store as schema 12 kept it")
        XCTAssertEqual(try old.db.migrateForSettlement(), [13, 14])
        XCTAssertEqual(try itemRows(old), rows)
        XCTAssertEqual(try old.db.scalar("SELECT count(*) FROM recon_items WHERE outcome = 'matched'"), .int(0))
        XCTAssertEqual(try Verifier.verify(old.db).map(\.description), [])
        for ws in [old, current] {
            try ws.write("orders-1113.csv", Fixture.orders(Self.line("O-1-2", parent: "P-1", cash: "5.00")))
            try ws.write("payments-1113.csv", Self.payments("wechat,WX5,pay,P-3,7.00,0.01,2026-11-13T09:03:30+08:00"))
            _ = try ws.run("2026-11-16", config: config)
        }
        XCTAssertEqual(try itemRows(old), try itemRows(current))
        XCTAssertEqual(try breaks(old), try breaks(current))
        XCTAssertEqual(try expectations(old), try expectations(current))
        XCTAssertEqual(try Verifier.verify(old.db).map(\.description), [])
    }

    func testReRunningANightChangesNothing() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00"),
                                                       Self.line("O-2", parent: "P-2", cash: "30.00")))
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,99.00,0.60,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX3,pay,P-3,5.00,0.03,2026-11-10T09:01:30+08:00",
                                                        "wechat,WX4,pay,P-3,5.00,0.03,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-12", config: config).1, .doneWithFindings)
        func snapshot() throws -> [String] {
            try breaks(ws) + items(ws) + file(ws, "2026-11-12", "summary.csv") + file(ws, "2026-11-12", "channel_fees.csv")
                + file(ws, "2026-11-12", "breaks.csv") + ws.export(.sheets).split(separator: "\n").map(String.init)
        }
        let first = try snapshot()
        XCTAssertEqual(first.count(where: { $0.hasPrefix("wechat|") }), 4)
        let (record, status) = try ws.run("2026-11-12", config: config)
        XCTAssertEqual(status, .done, "nothing new: no new break")
        XCTAssertEqual(record.reconciliation.referencesJudged, 0)
        XCTAssertEqual(try snapshot(), first)
    }

    // MARK: Payouts

    func testPayoutsMarkClosedSheetsPaidOrOpenMismatches() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let week = "SUP-B-ENT-SH-CNY-20261109"
        try ws.write("orders-1110.csv", Fixture.orders(Self.line("O-1", parent: "P-1", cash: "100.00")))
        try ws.write("payouts-1112.csv", [Self.payoutHeader, "PO-0,\(week),87.20,2026-11-12T10:00:00+08:00,BANK-0"]
                        .joined(separator: "\n") + "\n")
        XCTAssertEqual(try ws.run("2026-11-15", config: config).1, .doneWithFindings, "a payout of an open sheet")
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader,
                                        "1,payout_mismatch,,\(week),,87.20,2026-11-15,,\"payout PO-0, bank_ref BANK-0: the sheet is open (not closed yet)\""])
        XCTAssertEqual(try ws.sheet(week)?.net, "87.20")
        XCTAssertEqual(try ws.close("2026-11-15", config: config).1, .done)
        try ws.write("payouts-1116.csv", [Self.payoutHeader,
                                          "PO-2,SUP-P-ENT-SH-CNY-20261101,5.00,2026-11-16T10:00:00+08:00,BANK-2",
                                          "PO-3,SUP-X-ENT-SH-CNY-20261101,1.00,2026-11-16T10:00:00+08:00,BANK-3",
                                          "PO-4,\(week),87.20,2026-11-16T11:00:00+08:00,BANK-4"].joined(separator: "\n") + "\n")
        let (record, status) = try ws.run("2026-11-16", config: config)
        XCTAssertEqual(status, .doneWithFindings)
        XCTAssertEqual(record.reconciliation.sheetsPaid, [week])
        XCTAssertEqual(try breaks(ws), [
            Self.breaksHeader,
            "1,payout_mismatch,,\(week),,87.20,2026-11-15,2026-11-16,\"payout PO-0, bank_ref BANK-0: the sheet is open (not closed yet)\"",
            "2,payout_mismatch,,SUP-P-ENT-SH-CNY-20261101,0.00,5.00,2026-11-16,,\"payout PO-2, bank_ref BANK-2: amount 5.00 differs from the payable 0.00\"",
            "3,payout_mismatch,,SUP-X-ENT-SH-CNY-20261101,,1.00,2026-11-16,,\"payout PO-3, bank_ref BANK-3: no such sheet\"",
            "4,payout_mismatch,,\(week),87.20,87.20,2026-11-16,,\"payout PO-4, bank_ref BANK-4: the sheet is already paid\"",
        ])
        XCTAssertEqual(try ws.sheet(week)?.status, "paid")
        XCTAssertTrue(try ws.export(.sheets).contains("\(week),SUP-B,ENT-SH,CNY,commission,2026-11-09,2026-11-15,paid,5,87.20,87.20,2026-11-15,"))
        XCTAssertEqual(try ws.sheet("SUP-P-ENT-SH-CNY-20261101")?.status, "closed")
        XCTAssertEqual(try ws.run("2026-11-17", config: config).1, .done, "mismatches judged again, unchanged")
        XCTAssertEqual(try breaks(ws).count, 5)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }

    // MARK: Window and checks

    /// With `reconcile_window_days` 0 an item is judged on the night of its date.
    func testAWindowOfZeroDaysJudgesTheSameNight() throws {
        let ws = try Workspace()
        let json = Fixture.configJSON.replacingOccurrences(of: #""currency": "CNY","#,
                                                           with: #""currency": "CNY", "reconcile_window_days": 0,"#)
        let config = try Fixture.config(json)
        XCTAssertEqual(config.reconcileWindowDays, 0)
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        XCTAssertEqual(try ws.run("2026-11-10", config: config).1, .doneWithFindings)
        XCTAssertEqual(try breaks(ws), [Self.breaksHeader, "1,unexpected_in_channel,wechat,P-1,,100.00,2026-11-10,,pay; txn_id WX1"])
        let negative = Fixture.configJSON.replacingOccurrences(of: #""currency": "CNY","#,
                                                               with: #""currency": "CNY", "reconcile_window_days": -1,"#)
        XCTAssertThrowsError(try Fixture.config(negative)) { XCTAssertTrue("\($0)".contains("$.reconcile_window_days"), "\($0)") }
    }

    /// verify finds a payments row without an outcome, a channel break without its item and
    /// summary counts that are not the items.
    func testVerifyFindsReconciliationThatDoesNotHold() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("payments-1110.csv", Self.payments("wechat,WX1,pay,P-1,100.00,0.60,2026-11-10T09:01:30+08:00"))
        try ws.run("2026-11-12", config: config)
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
        try ws.db.run("DELETE FROM recon_items")
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [
            "§12.3: payments row wechat/WX1 has 0 reconciliation outcomes, not 1",
            "§12.3: open break 1 (unexpected_in_channel P-1) is not the outcome of one item",
            "§12.3: wechat 2026-11-10: 0 items unexpected_in_channel but the summary counts 1",
        ])
    }
}
