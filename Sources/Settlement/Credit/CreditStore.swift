// CreditStore: what the credit stage reads from and writes to the store (migration 4): the
// rows new since the last run or still waiting, the accounts' state, and the results.
// A night reads the rows after the ids it has seen, its waiting rows and the accounts'
// working state (balances, open or not-yet-due bills, freezes), not the history.

import MallCore
import MallStore

struct CreditStore {
    let db: Database
    let calendar: BusinessCalendar

    struct Progress {
        var through: Day?
        var linesSeen: Int64
        var refundsSeen: Int64
        var repaymentsSeen: Int64
    }

    func progress() throws -> Progress {
        var progress = Progress(through: nil, linesSeen: 0, refundsSeen: 0, repaymentsSeen: 0)
        try db.query("SELECT through, lines_seen, refunds_seen, repayments_seen FROM credit_progress WHERE one = 1") {
            progress = Progress(through: $0.text("through").flatMap(Day.init(parsing:)), linesSeen: $0.int("lines_seen"),
                                refundsSeen: $0.int("refunds_seen"), repaymentsSeen: $0.int("repayments_seen"))
        }
        return progress
    }

    /// The highest ids now stored, to be seen by the next run.
    func highestIDs() throws -> (lines: Int64, refunds: Int64, repayments: Int64) {
        func max(_ table: String) throws -> Int64 {
            if case .int(let id)? = try db.scalar("SELECT max(id) FROM \(table)") { return id }
            return 0
        }
        return (try max("order_lines"), try max("refunds"), try max("repayments"))
    }

    /// A credit row looked at: applicable once `ready` (a refund once accepted).
    struct Candidate {
        let event: CreditEvent
        let ready: Bool
    }

    /// Rows new since `progress` with a credit amount, and the rows still waiting. A waiting
    /// refund that is gone (rejected as `over_refund`) is returned in `gone`.
    func candidates(after progress: Progress) throws -> (rows: [Candidate], gone: [(CreditEventKind, Int64)]) {
        var rows: [Candidate] = []
        var gone: [(CreditEventKind, Int64)] = []
        let usage = """
            SELECT o.id AS id, o.order_id AS order_id, o.line_no AS line_no, coalesce(o.buyer_id, '') AS buyer_id,
                   o.paid_credit AS paid_credit, o.paid_at AS paid_at
            FROM order_lines o
            """
        // Each query looks its columns up on its first row, then reads every row by index.
        func usageRows(_ sql: String, _ values: [SQLValue]) throws {
            var at: UsageColumns?
            try db.query(sql, values) { row in
                let c = at ?? UsageColumns(row)
                at = c
                let paidAt = row.int(c.paidAt)
                rows.append(Candidate(event: CreditEvent(kind: .usage, sourceKey: row.int(c.id), buyerID: row.string(c.buyerID),
                                                         at: paidAt, date: calendar.businessDate(of: Instant(nanos: paidAt)),
                                                         amount: row.int(c.paidCredit), key1: row.string(c.orderID),
                                                         key3: row.int(c.lineNo)),
                                      ready: true))
            }
        }
        try usageRows(usage + " WHERE o.id > ? AND o.paid_credit > 0", [.int(progress.linesSeen)])
        try usageRows(usage + " JOIN credit_waiting w ON w.kind = 1 AND w.source_key = o.id", [])

        let giveBack = """
            SELECT r.id AS id, r.refund_id AS refund_id, r.order_id AS order_id, r.line_no AS line_no,
                   coalesce(o.buyer_id, '') AS buyer_id, r.refund_credit AS refund_credit, r.refunded_at AS refunded_at,
                   r.state = 'accepted' AS accepted
            FROM refunds r LEFT JOIN order_lines o ON o.order_id = r.order_id AND o.line_no = r.line_no
            """
        func giveBackRows(_ sql: String, _ values: [SQLValue]) throws {
            var at: GiveBackColumns?
            try db.query(sql, values) { row in
                let c = at ?? GiveBackColumns(row)
                at = c
                let refundedAt = row.int(c.refundedAt)
                rows.append(Candidate(event: CreditEvent(kind: .giveBack, sourceKey: row.int(c.id), buyerID: row.string(c.buyerID),
                                                         at: refundedAt, date: calendar.businessDate(of: Instant(nanos: refundedAt)),
                                                         amount: row.int(c.refundCredit), key1: row.string(c.refundID),
                                                         key2: row.string(c.orderID), key3: row.int(c.lineNo)),
                                      ready: row.int(c.accepted) == 1))
            }
        }
        try giveBackRows(giveBack + " WHERE r.id > ? AND r.refund_credit > 0", [.int(progress.refundsSeen)])
        try giveBackRows(giveBack + " JOIN credit_waiting w ON w.kind = 2 AND w.source_key = r.id", [])
        try db.query("""
            SELECT w.source_key AS source_key FROM credit_waiting w LEFT JOIN refunds r ON r.id = w.source_key
            WHERE w.kind = 2 AND r.id IS NULL
            """) { gone.append((.giveBack, $0.int("source_key"))) }

        let repayment = """
            SELECT p.id AS id, p.repayment_id AS repayment_id, p.buyer_id AS buyer_id, p.amount AS amount,
                   p.paid_at AS paid_at
            FROM repayments p
            """
        func repaymentRows(_ sql: String, _ values: [SQLValue]) throws {
            var at: RepaymentColumns?
            try db.query(sql, values) { row in
                let c = at ?? RepaymentColumns(row)
                at = c
                let paidAt = row.int(c.paidAt)
                rows.append(Candidate(event: CreditEvent(kind: .repayment, sourceKey: row.int(c.id), buyerID: row.string(c.buyerID),
                                                         at: paidAt, date: calendar.businessDate(of: Instant(nanos: paidAt)),
                                                         amount: row.int(c.amount), key1: row.string(c.repaymentID)),
                                      ready: true))
            }
        }
        try repaymentRows(repayment + " WHERE p.id > ?", [.int(progress.repaymentsSeen)])
        try repaymentRows(repayment + " JOIN credit_waiting w ON w.kind = 3 AND w.source_key = p.id", [])
        return (rows, gone)
    }

    /// The ledgers of the configured accounts that something can happen to on the dates
    /// `day` through `last` — each with its stored balances, its bills still worked on from
    /// `day` (unpaid, or due on or after it) and its freezes:
    /// - those with rows tonight (`buyers`), new ones and those whose limit changed;
    /// - those with unbilled usage and a bill day among the dates (a bill to issue);
    /// - those with a bill unpaid past its due date (late fees, a freeze), or due among the
    ///   dates (late fees from the day after, an on-time discount);
    /// - those frozen.
    /// Nothing of SPEC §8 happens to any other account on those dates, so a night's cost
    /// follows its rows and the accounts in debt or due, not every account.
    func ledgers(_ accounts: [CreditAccount], from day: Day, through last: Day, buyers: Set<String>) throws -> [String: CreditLedger] {
        let dates = day <= last ? (day.ordinal...last.ordinal).map(Day.init(ordinal:)) : []
        let billDays = Set(dates.prefix(31).map(\.dayOfMonth))
        var stored: [String: (limit: Int64, unbilled: Int64, prepaid: Int64, frozen: Bool)] = [:]
        // Columns by position (every account's state, and every open bill, is read each night).
        try db.query("SELECT buyer_id, credit_limit, unbilled, prepaid, frozen_from FROM credit_accounts_state") {
            stored[$0.string(0)] = ($0.int(1), $0.int(2), $0.int(3), !$0.isNull(4))
        }
        var bills: [String: [CreditBill]] = [:]
        try db.query("""
            SELECT buyer_id, bill_date, due_date, amount, prepaid_applied, principal_paid, late_fees, late_fees_paid,
                   on_time_discount
            FROM credit_bills WHERE principal_paid < amount OR late_fees_paid < late_fees OR due_date >= ?
            ORDER BY buyer_id, bill_date
            """, [.text(day.description)]) { row in
            guard let billDate = Day(parsing: row.string(1)), let dueDate = Day(parsing: row.string(2)) else { return }
            bills[row.string(0), default: []].append(CreditBill(
                billDate: billDate, dueDate: dueDate, amount: row.int(3), prepaidApplied: row.int(4),
                principalPaid: row.int(5), lateFees: row.int(6), lateFeesPaid: row.int(7), onTimeDiscount: row.int(8)))
        }
        var ledgers: [String: CreditLedger] = [:]
        for account in accounts {
            let buyer = account.buyerID
            var ledger = CreditLedger(account: account)
            guard let state = stored[buyer] else {
                ledger.changed = true
                ledgers[buyer] = ledger
                continue
            }
            let due = (bills[buyer] ?? []).contains { bill in
                (bill.unpaid > 0 && bill.dueDate < last) || (bill.dueDate >= day && bill.dueDate <= last)
            }
            let active = buyers.contains(buyer) || state.frozen || due || state.limit != account.limit.fen
                || (state.unbilled > 0 && billDays.contains(account.billDay))
            guard active else { continue }
            ledger.unbilled = state.unbilled
            ledger.prepaid = state.prepaid
            ledger.bills = bills[buyer] ?? []
            if state.limit != account.limit.fen { ledger.changed = true }
            ledgers[buyer] = ledger
        }
        try db.query("SELECT buyer_id, frozen_from, unfrozen_on FROM credit_freezes ORDER BY buyer_id, frozen_from") { row in
            let buyer = row.string(0)
            guard ledgers[buyer] != nil, let from = Day(parsing: row.string(1)) else { return }
            ledgers[buyer]?.freezes.append(CreditFreeze(frozenFrom: from, unfrozenOn: row.text(2).flatMap(Day.init(parsing:))))
        }
        return ledgers
    }

    /// Writes what changed: balances, bills, freezes; each through one prepared statement
    /// that updates the row in place when it is there (a night changes the balances of every
    /// account billed that night: 17,445 on the bench's first of the month). `buyers`: the
    /// ledgers' buyers, in the order their rows are written.
    func save(_ ledgers: [String: CreditLedger], in buyers: [String]) throws {
        let state = try db.prepare("""
            INSERT INTO credit_accounts_state(buyer_id, credit_limit, unbilled, prepaid, frozen_from)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (buyer_id) DO UPDATE SET credit_limit = excluded.credit_limit, unbilled = excluded.unbilled,
                prepaid = excluded.prepaid, frozen_from = excluded.frozen_from
            """)
        let bill = try db.prepare("""
            INSERT INTO credit_bills(buyer_id, bill_date, due_date, amount, prepaid_applied, principal_paid,
                                     late_fees, late_fees_paid, on_time_discount)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (buyer_id, bill_date) DO UPDATE SET due_date = excluded.due_date, amount = excluded.amount,
                prepaid_applied = excluded.prepaid_applied, principal_paid = excluded.principal_paid,
                late_fees = excluded.late_fees, late_fees_paid = excluded.late_fees_paid,
                on_time_discount = excluded.on_time_discount
            """)
        let freeze = try db.prepare("""
            INSERT INTO credit_freezes(buyer_id, frozen_from, unfrozen_on) VALUES (?, ?, ?)
            ON CONFLICT (buyer_id, frozen_from) DO UPDATE SET unfrozen_on = excluded.unfrozen_on
            """)
        for buyer in buyers {
            guard let ledger = ledgers[buyer] else { continue }
            if ledger.changed {
                try state.bind(1, buyer)
                try state.bind(2, ledger.account.limit.fen)
                try state.bind(3, ledger.unbilled)
                try state.bind(4, ledger.prepaid)
                try state.bind(5, ledger.isFrozen ? ledger.freezes.last!.frozenFrom.description : nil)
                try state.run()
            }
            for changed in ledger.bills where ledger.changedBills.contains(changed.billDate) {
                try bill.bind(1, buyer)
                try bill.bind(2, changed.billDate.description)
                try bill.bind(3, changed.dueDate.description)
                try bill.bind(4, changed.amount)
                try bill.bind(5, changed.prepaidApplied)
                try bill.bind(6, changed.principalPaid)
                try bill.bind(7, changed.lateFees)
                try bill.bind(8, changed.lateFeesPaid)
                try bill.bind(9, changed.onTimeDiscount)
                try bill.run()
            }
            for changed in ledger.freezes where ledger.changedFreezes.contains(changed.frozenFrom) {
                try freeze.bind(1, buyer)
                try freeze.bind(2, changed.frozenFrom.description)
                try freeze.bind(3, changed.unfrozenOn?.description)
                try freeze.run()
            }
        }
    }

    /// Records the rows applied (and takes them off the waiting list), the rows left waiting,
    /// and how far the run got.
    func record(applied: [CreditNight.Applied], waiting: [Candidate], gone: [(CreditEventKind, Int64)],
                progress: Progress, runSeq: Int64) throws {
        // Only rows that were waiting are on the waiting list: most applied rows are new.
        struct Key: Hashable { let kind: Int64; let sourceKey: Int64 }
        var waitingNow = Set<Key>()
        try db.query("SELECT kind, source_key FROM credit_waiting") {
            waitingNow.insert(Key(kind: $0.int("kind"), sourceKey: $0.int("source_key")))
        }
        let insert = try db.prepare("""
            INSERT INTO credit_movements(kind, source_key, buyer_id, movement_date, amount, has_account, run_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        // The usage and give-backs of accounts wait in credit_unbilled for their bill
        // (BuyerStatementStore.issue).
        let unbilled = try db.prepare("""
            INSERT INTO credit_unbilled(kind, source_key, buyer_id, movement_date) VALUES (?, ?, ?, ?)
            """)
        var dates = DayTexts()
        for row in applied {
            let event = row.event
            let date = dates.text(event.date)
            try insert.bind(1, event.kind.rawValue)
            try insert.bind(2, event.sourceKey)
            try insert.bind(3, event.buyerID)
            try insert.bind(4, date)
            try insert.bind(5, event.amount)
            try insert.bind(6, Int64(row.hasAccount ? 1 : 0))
            try insert.bind(7, runSeq)
            try insert.run()
            if row.hasAccount && (event.kind == .usage || event.kind == .giveBack) {
                try unbilled.bind(1, event.kind.rawValue)
                try unbilled.bind(2, event.sourceKey)
                try unbilled.bind(3, event.buyerID)
                try unbilled.bind(4, date)
                try unbilled.run()
            }
            if waitingNow.contains(Key(kind: event.kind.rawValue, sourceKey: event.sourceKey)) {
                try db.run("DELETE FROM credit_waiting WHERE kind = ? AND source_key = ?",
                           [.int(event.kind.rawValue), .int(event.sourceKey)])
            }
        }
        for (kind, key) in gone {
            try db.run("DELETE FROM credit_waiting WHERE kind = ? AND source_key = ?", [.int(kind.rawValue), .int(key)])
        }
        for row in waiting {
            try db.run("INSERT OR IGNORE INTO credit_waiting(kind, source_key) VALUES (?, ?)",
                       [.int(row.event.kind.rawValue), .int(row.event.sourceKey)])
        }
        try db.run("""
            UPDATE credit_progress SET through = ?, lines_seen = ?, refunds_seen = ?, repayments_seen = ? WHERE one = 1
            """, [progress.through.map { .text($0.description) } ?? .null, .int(progress.linesSeen),
                  .int(progress.refundsSeen), .int(progress.repaymentsSeen)])
    }

    /// Opens the breaks found; returns the new ones as the manifest lists them.
    func openBreaks(_ breaks: [CreditBreak], asOf: Day) throws -> [String] {
        var opened: [String] = []
        for found in breaks {
            let inserted = try db.run("""
                INSERT OR IGNORE INTO breaks(kind, channel, reference, expected, found, first_seen, resolved_at, detail)
                VALUES (?, '', ?, ?, ?, ?, NULL, ?)
                """, [.text(found.kind), .text(found.reference), found.expected.map { .int($0) } ?? .null, .int(found.found),
                      .text(asOf.description), .text(found.detail)])
            if inserted == 1 { opened.append("\(found.kind) \(found.reference)") }
        }
        return opened
    }
}

// MARK: Where the columns are

/// The column indexes of the candidates' `AS` names, found by name on each query's first
/// row: a first night reads every order line paid with credit, each by index.
extension CreditStore {
    /// An order line paid with credit (`usage`).
    struct UsageColumns {
        let id, orderID, lineNo, buyerID, paidCredit, paidAt: Int32
        init(_ row: Statement) {
            id = row.column("id"); orderID = row.column("order_id"); lineNo = row.column("line_no")
            buyerID = row.column("buyer_id"); paidCredit = row.column("paid_credit"); paidAt = row.column("paid_at")
        }
    }

    /// A refund giving credit back (`giveBack`), `accepted` 1 once accepted.
    struct GiveBackColumns {
        let id, refundID, orderID, lineNo, buyerID, refundCredit, refundedAt, accepted: Int32
        init(_ row: Statement) {
            id = row.column("id"); refundID = row.column("refund_id"); orderID = row.column("order_id")
            lineNo = row.column("line_no"); buyerID = row.column("buyer_id"); refundCredit = row.column("refund_credit")
            refundedAt = row.column("refunded_at"); accepted = row.column("accepted")
        }
    }

    /// A repayment.
    struct RepaymentColumns {
        let id, repaymentID, buyerID, amount, paidAt: Int32
        init(_ row: Statement) {
            id = row.column("id"); repaymentID = row.column("repayment_id"); buyerID = row.column("buyer_id")
            amount = row.column("amount"); paidAt = row.column("paid_at")
        }
    }
}
