// Payouts: treasury's confirmations (SPEC §3.4, §6) judged against the sheets. A payout of
// exactly a closed sheet's payable marks it `paid`; any other payout is a `payout_mismatch`
// break (reference the sheet_id, detail the payout_id and bank_ref): a wrong amount, a sheet
// already paid, a sheet still open or one that does not exist. A mismatch is judged again
// every night, so a payout that came before its sheet closed pays it on the night after the
// close, and its break is resolved then (docs/decisions.md).

import MallCore
import MallStore

struct PayoutJudge {
    let db: Database
    let asOf: Day

    private struct Payout {
        let key: Int64
        let payoutID: String
        let sheetID: String
        let amount: Int64
        let bankRef: String
        let outcome: String?
        let breakID: Int64?
    }

    /// Judges the payouts not judged yet and those still mismatched, in the order they were
    /// accepted (the first payout of a sheet's payable pays it).
    func judge(into summary: inout ReconcileSummary) throws {
        var payouts: [Payout] = []
        try db.query("""
            SELECT p.id, p.payout_id, p.sheet_id, p.amount, p.bank_ref, o.outcome, o.break_id
            FROM payouts p LEFT JOIN payout_outcomes o ON o.payout_key = p.id
            WHERE o.outcome IS NULL OR o.outcome = 'payout_mismatch' ORDER BY p.id
            """) { row in
            payouts.append(Payout(key: row.int("id"), payoutID: row.string("payout_id"), sheetID: row.string("sheet_id"),
                                  amount: row.int("amount"), bankRef: row.string("bank_ref"), outcome: row.text("outcome"),
                                  breakID: row.optionalInt("break_id")))
        }
        for payout in payouts { try judge(payout, into: &summary) }
        summary.payoutsJudged += payouts.count
    }

    private func judge(_ payout: Payout, into summary: inout ReconcileSummary) throws {
        let (expected, problem) = try check(payout)
        let detail = "payout \(payout.payoutID), bank_ref \(payout.bankRef): \(problem ?? "paid")"
        var breakID = payout.breakID
        if let open = breakID {
            var same = false
            try db.query("SELECT expected IS ? AND detail = ? AS same FROM breaks WHERE break_id = ?",
                         [expected.map { .int($0) } ?? .null, .text(detail), .int(open)]) { same = $0.int("same") == 1 }
            if problem != nil && same { return }
            try db.run("UPDATE breaks SET resolved_at = ? WHERE break_id = ?", [.text(asOf.description), .int(open)])
            summary.resolvedBreaks += 1
            breakID = nil
        }
        if problem == nil {
            try db.run("UPDATE sheets SET status = 'paid' WHERE sheet_id = ? AND status = 'closed'", [.text(payout.sheetID)])
            summary.sheetsPaid.append(payout.sheetID)
        } else {
            try db.run("""
                INSERT INTO breaks(kind, channel, reference, expected, found, first_seen, resolved_at, detail)
                VALUES ('payout_mismatch', '', ?, ?, ?, ?, NULL, ?)
                """, [.text(payout.sheetID), expected.map { .int($0) } ?? .null, .int(payout.amount),
                      .text(asOf.description), .text(detail)])
            breakID = db.lastInsertRowID
            summary.newBreaks.append("payout_mismatch \(payout.sheetID)")
        }
        try db.run("INSERT OR REPLACE INTO payout_outcomes(payout_key, outcome, break_id) VALUES (?, ?, ?)",
                   [.int(payout.key), .text(problem == nil ? "paid" : "payout_mismatch"), breakID.map { .int($0) } ?? .null])
    }

    /// The sheet's payable (when it has one) and what is wrong with the payout, nil when it
    /// pays the sheet.
    private func check(_ payout: Payout) throws -> (expected: Int64?, problem: String?) {
        var sheet: (status: String, net: Int64)?
        try db.query("SELECT status, net FROM sheets WHERE sheet_id = ?", [.text(payout.sheetID)]) { sheet = ($0.string("status"), $0.int("net")) }
        guard let sheet else { return (nil, "no such sheet") }
        switch sheet.status {
        case "open": return (nil, "the sheet is open (not closed yet)")
        case "paid": return (sheet.net, "the sheet is already paid")
        default:
            return sheet.net == payout.amount ? (sheet.net, nil)
                : (sheet.net, "amount \(Money(fen: payout.amount)) differs from the payable \(Money(fen: sheet.net))")
        }
    }
}
