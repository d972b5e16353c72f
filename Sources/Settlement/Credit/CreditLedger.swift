// CreditLedger: the rules of a credit line (SPEC §8) as pure code over one account's state —
// usage and give-backs, bills, repayments oldest bill first, late fees, on-time discounts,
// freezes — with no store and no clock. `CreditNight` drives it date by date; the credit
// stage loads and saves the state around it.

import MallCore

/// What a credit row does to an account. The raw values are stored (credit_movements.kind,
/// credit_waiting.kind) and are the order of rows at one instant (SPEC §8); never renumber.
public enum CreditEventKind: Int64, Sendable, Comparable {
    case usage = 1, giveBack = 2, repayment = 3

    public static func < (a: CreditEventKind, b: CreditEventKind) -> Bool { a.rawValue < b.rawValue }
}

/// One usage (an order line's `paid_credit`), give-back (a refund's `refund_credit`) or
/// repayment, with its business date and the keys that order it.
public struct CreditEvent: Sendable {
    public let kind: CreditEventKind
    /// The row's id in its table (order_lines, refunds or repayments).
    public let sourceKey: Int64
    public let buyerID: String
    /// The instant (ns since the epoch) and its business date.
    public let at: Int64
    public let date: Day
    public let amount: Int64
    /// Usage: order_id, "", line_no; give-back: refund_id, order_id, line_no; repayment:
    /// repayment_id, "", 0.
    public let key1: String
    public let key2: String
    public let key3: Int64

    public init(kind: CreditEventKind, sourceKey: Int64, buyerID: String, at: Int64, date: Day, amount: Int64,
                key1: String, key2: String = "", key3: Int64 = 0) {
        self.kind = kind
        self.sourceKey = sourceKey
        self.buyerID = buyerID
        self.at = at
        self.date = date
        self.amount = amount
        self.key1 = key1
        self.key2 = key2
        self.key3 = key3
    }

    /// The break reference (SPEC §8): `order_id/line_no`, or the repayment_id.
    public var reference: String { kind == .repayment ? key1 : "\(key1)/\(key3)" }

    /// SPEC §8's order within a date: by instant; at one instant usage, then give-backs,
    /// then repayments, each by its keys (text in byte order).
    public static func precedes(_ a: CreditEvent, _ b: CreditEvent) -> Bool {
        if a.date != b.date { return a.date < b.date }
        if a.at != b.at { return a.at < b.at }
        if a.kind != b.kind { return a.kind < b.kind }
        if a.key1 != b.key1 { return a.key1.utf8.lexicographicallyPrecedes(b.key1.utf8) }
        if a.key2 != b.key2 { return a.key2.utf8.lexicographicallyPrecedes(b.key2.utf8) }
        return a.key3 < b.key3
    }
}

/// A bill (SPEC §8, the `bills` export's row).
public struct CreditBill: Sendable, Equatable {
    public let billDate: Day
    public let dueDate: Day
    public let amount: Int64
    public var prepaidApplied: Int64 = 0
    /// Includes `prepaidApplied`.
    public var principalPaid: Int64 = 0
    public var lateFees: Int64 = 0
    public var lateFeesPaid: Int64 = 0
    public var onTimeDiscount: Int64 = 0

    public init(billDate: Day, dueDate: Day, amount: Int64, prepaidApplied: Int64 = 0, principalPaid: Int64 = 0,
                lateFees: Int64 = 0, lateFeesPaid: Int64 = 0, onTimeDiscount: Int64 = 0) {
        self.billDate = billDate
        self.dueDate = dueDate
        self.amount = amount
        self.prepaidApplied = prepaidApplied
        self.principalPaid = principalPaid
        self.lateFees = lateFees
        self.lateFeesPaid = lateFeesPaid
        self.onTimeDiscount = onTimeDiscount
    }

    public var principalUnpaid: Int64 { amount - principalPaid }
    /// What is still owed on the bill: principal and late fees.
    public var unpaid: Int64 { principalUnpaid + lateFees - lateFeesPaid }
}

/// A freeze: frozen at the end of `frozenFrom`, unfrozen at the end of `unfrozenOn`.
public struct CreditFreeze: Sendable, Equatable {
    public let frozenFrom: Day
    public var unfrozenOn: Day?

    /// A usage dated `date` is made while frozen when frozen_from < date ≤ unfrozen_on.
    func covers(_ date: Day) -> Bool { frozenFrom < date && (unfrozenOn.map { date <= $0 } ?? true) }
}

/// A credit break found (SPEC §8–9): channel empty; `expected` only for
/// `credit_limit_exceeded`.
public struct CreditBreak: Sendable, Equatable {
    public let kind: String
    public let reference: String
    public let expected: Int64?
    public let found: Int64
    public let detail: String
}

/// One account as the ledger works on it: its balances, the bills still worked on (unpaid,
/// or not yet due) oldest first, and its freezes. `changed*` say what to write back.
public struct CreditLedger: Sendable {
    public let account: CreditAccount
    public var unbilled: Int64
    public var prepaid: Int64
    public var bills: [CreditBill]
    public var freezes: [CreditFreeze]
    /// Bill dates of the bills that changed, and whether the balances or freezes changed.
    public private(set) var changedBills: Set<Day> = []
    public private(set) var changedFreezes: Set<Day> = []
    public var changed = false

    public init(account: CreditAccount, unbilled: Int64 = 0, prepaid: Int64 = 0, bills: [CreditBill] = [],
                freezes: [CreditFreeze] = []) {
        self.account = account
        self.unbilled = unbilled
        self.prepaid = prepaid
        self.bills = bills.sorted { $0.billDate < $1.billDate }
        self.freezes = freezes.sorted { $0.frozenFrom < $1.frozenFrom }
    }

    public var unpaidPrincipal: Int64 { bills.reduce(0) { $0 + $1.principalUnpaid } }
    /// limit − unbilled net usage − unpaid principal (prepaid not counted).
    public var available: Int64 { account.limit.fen - unbilled - unpaidPrincipal }
    public var isFrozen: Bool { freezes.last.map { $0.unfrozenOn == nil } ?? false }

    /// Nothing can happen on a date without rows: no bill to issue, none to accrue or discount,
    /// no freeze to lift.
    public func isIdle(from day: Day) -> Bool {
        unbilled <= 0 && !isFrozen && !bills.contains { $0.unpaid > 0 || $0.dueDate >= day }
    }

    // MARK: The events of one date, in SPEC §8's order

    /// 1. Each bill past its due date accrues a day's late fee on the principal unpaid at the
    /// end of the day before (the state before anything of `day`).
    public mutating func accrueLateFees(on day: Day) {
        for index in bills.indices where day > bills[index].dueDate && bills[index].principalUnpaid > 0 {
            let fee = Money(fen: bills[index].principalUnpaid).applying(Rate(ppm: account.lateFeePPMPerDay)).fen
            guard fee > 0 else { continue }
            bills[index].lateFees += fee
            changedBills.insert(bills[index].billDate)
        }
    }

    /// 2. On the bill day a window netting > 0 is billed, prepaid applied; one netting ≤ 0
    /// carries into the next window.
    public mutating func issueBill(on day: Day) {
        guard day.dayOfMonth == account.billDay, unbilled > 0 else { return }
        var bill = CreditBill(billDate: day, dueDate: account.dueDate(of: day), amount: unbilled)
        let applied = min(prepaid, bill.amount)
        bill.prepaidApplied = applied
        bill.principalPaid = applied
        prepaid -= applied
        unbilled = 0
        bills.append(bill)
        changedBills.insert(day)
        changed = true
    }

    /// 3. A usage, give-back or repayment of this account; returns the breaks it makes.
    public mutating func apply(_ event: CreditEvent) -> [CreditBreak] {
        changed = true
        switch event.kind {
        case .usage: return use(event)
        case .giveBack: unbilled -= event.amount; return []
        case .repayment: repay(event.amount); return []
        }
    }

    private mutating func use(_ event: CreditEvent) -> [CreditBreak] {
        var found: [CreditBreak] = []
        let before = available
        unbilled += event.amount
        let money = { (fen: Int64) in Money(fen: fen).description }
        if let freeze = freezes.last(where: { $0.covers(event.date) }) {
            found.append(CreditBreak(kind: "credit_while_frozen", reference: event.reference, expected: nil,
                                     found: event.amount,
                                     detail: "usage of order \(event.key1) line \(event.key3) by buyer \(event.buyerID) dated \(event.date) while the account was frozen (from the end of \(freeze.frozenFrom))"))
        }
        if available < 0 {
            found.append(CreditBreak(kind: "credit_limit_exceeded", reference: event.reference, expected: before,
                                     found: event.amount,
                                     detail: "usage of order \(event.key1) line \(event.key3) by buyer \(event.buyerID) dated \(event.date): available credit \(money(before)) before, \(money(available)) after (limit \(account.limit))"))
        }
        return found
    }

    /// Oldest bill first: its late fees, then its principal; what remains once every issued
    /// bill is paid becomes prepaid.
    private mutating func repay(_ amount: Int64) {
        var left = amount
        for index in bills.indices where left > 0 && bills[index].unpaid > 0 {
            let fees = min(left, bills[index].lateFees - bills[index].lateFeesPaid)
            bills[index].lateFeesPaid += fees
            left -= fees
            let principal = min(left, bills[index].principalUnpaid)
            bills[index].principalPaid += principal
            left -= principal
            changedBills.insert(bills[index].billDate)
        }
        prepaid += left
    }

    /// 4. A bill due on `day` and fully paid by its end earns its on-time discount, credited
    /// to prepaid.
    public mutating func grantDiscounts(on day: Day) {
        for index in bills.indices where bills[index].dueDate == day && bills[index].unpaid == 0 {
            let discount = account.onTimeDiscount(forBill: Money(fen: bills[index].amount)).fen
            guard discount > 0 else { continue }
            bills[index].onTimeDiscount = discount
            prepaid += discount
            changedBills.insert(bills[index].billDate)
            changed = true
        }
    }

    /// 5. Frozen at the end of the first date some bill is unpaid more than
    /// `freeze_after_days` after its due date; unfrozen at the end of the first date nothing
    /// due before it is unpaid.
    public mutating func freezeOrUnfreeze(on day: Day) {
        if isFrozen {
            guard !bills.contains(where: { $0.dueDate < day && $0.unpaid > 0 }) else { return }
            freezes[freezes.count - 1].unfrozenOn = day
            changedFreezes.insert(freezes[freezes.count - 1].frozenFrom)
            changed = true
        } else if bills.contains(where: { $0.unpaid > 0 && day.ordinal - $0.dueDate.ordinal > account.freezeAfterDays }) {
            freezes.append(CreditFreeze(frozenFrom: day, unfrozenOn: nil))
            changedFreezes.insert(day)
            changed = true
        }
    }
}
