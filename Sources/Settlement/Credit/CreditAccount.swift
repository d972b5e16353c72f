// CreditAccount: one buyer's credit line as configured (`credit_accounts`, SPEC §8), read and
// checked with the rest of the configuration: a bad value stops the run (exit 2) naming its
// JSON path.

import MallCore
import MallIO

/// One rung of the on-time discount ladder: a bill of at least `minBill` paid on time earns
/// `discount`.
public struct OnTimeDiscount: Sendable, Hashable {
    public let minBill: Money
    public let discount: Money
}

/// A configured credit line.
public struct CreditAccount: Sendable {
    public let buyerID: String
    public let limit: Money
    /// Day of month (1…28) on which bills are issued.
    public let billDay: Int
    /// Day of month (1…28) on which bills fall due.
    public let repayDay: Int
    public let lateFeePPMPerDay: Int64
    public let freezeAfterDays: Int
    /// Sorted by `minBill`, ascending; no two rungs share a `minBill`.
    public let onTimeDiscounts: [OnTimeDiscount]

    public init(buyerID: String, limit: Money, billDay: Int, repayDay: Int, lateFeePPMPerDay: Int64,
                freezeAfterDays: Int, onTimeDiscounts: [OnTimeDiscount]) {
        precondition((1...28).contains(billDay) && (1...28).contains(repayDay), "bill and repay days are 1…28")
        self.buyerID = buyerID
        self.limit = limit
        self.billDay = billDay
        self.repayDay = repayDay
        self.lateFeePPMPerDay = lateFeePPMPerDay
        self.freezeAfterDays = freezeAfterDays
        self.onTimeDiscounts = onTimeDiscounts.sorted { $0.minBill < $1.minBill }
    }

    /// The first date after `billDate` whose day of month is `repayDay` (SPEC §8).
    public func dueDate(of billDate: Day) -> Day {
        let sameMonth = Day(year: billDate.year, month: billDate.month, day: repayDay)!
        return sameMonth > billDate ? sameMonth : sameMonth.adding(months: 1)
    }

    /// The discount a bill of `amount` paid on time earns: the rung with the greatest
    /// `minBill` ≤ `amount`, or 0.
    public func onTimeDiscount(forBill amount: Money) -> Money {
        onTimeDiscounts.last { $0.minBill <= amount }?.discount ?? .zero
    }

    /// Limits of the numbers read (a late fee above 100% a day is surely a typo, but the SPEC
    /// only asks for ≥ 0: the bound keeps `p × ppm` exact, not the value sensible).
    static let lateFeePPMMax = 1_000_000_000
    static let freezeAfterDaysMax = 36_500
    static let buyerIDBytesMax = 64

    /// Reads `credit_accounts`: each field checked, `buyer_id` unique.
    static func parseAll(_ value: JSONValue?, reader: JSONFields) throws -> [CreditAccount] {
        let elements = try reader.array(value, at: "$.credit_accounts")
        // Many accounts are read in two halves at once (the bench's 50,000 took a quarter of
        // a second of the night's one busy thread, the other core idle), then checked for a
        // buyer listed twice in order, so the error reported is the one reading them in order
        // meets first.
        let parts = elements.count >= parseInHalvesFrom
            ? TwoHalves.run(elements.count) { parse(elements, $0, reader: reader) }
            : [parse(elements, elements.indices, reader: reader)]
        var accounts: [CreditAccount] = []
        var seen: [String: Int] = [:]
        accounts.reserveCapacity(elements.count)
        seen.reserveCapacity(elements.count)
        for part in parts {
            for (index, account) in zip(part.range, part.accounts) {
                if let first = seen.updateValue(index, forKey: account.buyerID) {
                    throw reader.error("$.credit_accounts[\(index)].buyer_id", "buyer '\(account.buyerID)' already has a credit account (credit_accounts[\(first)])")
                }
                accounts.append(account)
            }
            if let failure = part.failure { throw failure }
        }
        return accounts
    }

    /// Accounts from this many on are read in two halves at once.
    static let parseInHalvesFrom = 4_096

    /// The accounts of one range of the list, up to the first that is wrong, and its error.
    private struct Part: @unchecked Sendable {
        let range: Range<Int>
        var accounts: [CreditAccount] = []
        var failure: (any Error)?
    }

    private static func parse(_ elements: [JSONValue], _ range: Range<Int>, reader: JSONFields) -> Part {
        var part = Part(range: range)
        part.accounts.reserveCapacity(range.count)
        for index in range {
            // A configuration may list tens of thousands of accounts: the JSON path of an
            // account is written out only for a message.
            do {
                part.accounts.append(try parse(elements[index], at: "$.credit_accounts[\(index)]", reader: reader))
            } catch {
                part.failure = error
                break
            }
        }
        return part
    }

    private static let fieldNames: Set<String> = ["buyer_id", "limit", "bill_day", "repay_day", "late_fee_ppm_per_day",
                                                  "freeze_after_days", "on_time_discounts"]
    private static let rungFieldNames: Set<String> = ["min_bill", "discount"]

    private static func parse(_ element: JSONValue, at: @autoclosure () -> String, reader: JSONFields) throws -> CreditAccount {
        let fields = try reader.object(element, at: at())
        try reader.allow(fields, fieldNames, at: at())
        let buyerID = try reader.requiredString(fields["buyer_id"], at: "\(at()).buyer_id")
        guard buyerID.utf8.count <= buyerIDBytesMax else {
            throw reader.error("\(at()).buyer_id", "must be at most \(buyerIDBytesMax) bytes")
        }
        let limit = try money(fields["limit"], at: "\(at()).limit", reader: reader)
        func required(_ key: String, _ range: ClosedRange<Int>, _ why: String) throws -> Int {
            guard let value = try reader.integer(fields[key], at: "\(at()).\(key)", range: range) else {
                throw reader.error("\(at()).\(key)", "is required (\(why))")
            }
            return value
        }
        let billDay = try required("bill_day", 1...28, "the day of month bills are issued, 1..28")
        let repayDay = try required("repay_day", 1...28, "the day of month bills fall due, 1..28")
        let ppm = try required("late_fee_ppm_per_day", 0...lateFeePPMMax, "parts per million of unpaid principal a day, 0 for none")
        let freezeAfter = try required("freeze_after_days", 0...freezeAfterDaysMax, "days past a due date before the account freezes")
        var rungs: [OnTimeDiscount] = []
        for (index, rung) in try reader.array(fields["on_time_discounts"], at: "\(at()).on_time_discounts").enumerated() {
            func rungAt() -> String { "\(at()).on_time_discounts[\(index)]" }
            let object = try reader.object(rung, at: rungAt())
            try reader.allow(object, rungFieldNames, at: rungAt())
            let minBill = try money(object["min_bill"], at: "\(rungAt()).min_bill", reader: reader)
            let discount = try money(object["discount"], at: "\(rungAt()).discount", reader: reader)
            if rungs.contains(where: { $0.minBill == minBill }) {
                throw reader.error("\(rungAt()).min_bill", "another rung already starts at \(minBill)")
            }
            rungs.append(OnTimeDiscount(minBill: minBill, discount: discount))
        }
        return CreditAccount(buyerID: buyerID, limit: limit, billDay: billDay, repayDay: repayDay,
                             lateFeePPMPerDay: Int64(ppm), freezeAfterDays: freezeAfter, onTimeDiscounts: rungs)
    }

    /// A required money string ≥ 0 (SPEC §1).
    private static func money(_ value: JSONValue?, at path: @autoclosure () -> String, reader: JSONFields) throws -> Money {
        let text = try reader.requiredString(value, at: path())
        switch Money.parse(text) {
        case .success(let money) where money.fen >= 0: return money
        case .success: throw reader.error(path(), "must not be negative")
        case .failure(let failure): throw reader.error(path(), failure.message)
        }
    }
}
