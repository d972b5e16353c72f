// CreditNight: one run of the credit rules over every account (SPEC §8), pure. Rows that
// arrive late (dated before the first date this run settles) are applied first, in SPEC
// order; then each date of the run: late fees, the bill, the date's rows, discounts, freeze
// and unfreeze. Usage and repayments of buyers without an account are breaks, never billed.

import MallCore

public enum CreditNight {
    /// A row applied, and whether its buyer had an account.
    public struct Applied: Sendable {
        public let event: CreditEvent
        public let hasAccount: Bool
    }

    public struct Outcome: Sendable {
        public var applied: [Applied] = []
        public var breaks: [CreditBreak] = []
    }

    /// Settles `days` (consecutive, ascending; may be empty) into `ledgers`. `late` are rows
    /// dated before `days.first` (or any, when there are no days); `timely` rows are dated
    /// inside `days`. Buyers are taken in byte order, so breaks come in the same order every
    /// time.
    public static func settle(_ ledgers: inout [String: CreditLedger], late: [CreditEvent], timely: [CreditEvent],
                              days: [Day]) -> Outcome {
        precondition(zip(days, days.dropFirst()).allSatisfy { $0.1.ordinal == $0.0.ordinal + 1 }, "consecutive dates")
        var outcome = Outcome()
        let lateByBuyer = Dictionary(grouping: late, by: \.buyerID)
        let timelyByBuyer = Dictionary(grouping: timely, by: \.buyerID)
        let buyers = TextOrder.sorted(Set(ledgers.keys).union(lateByBuyer.keys).union(timelyByBuyer.keys))
        for buyer in buyers {
            let lateRows = (lateByBuyer[buyer] ?? []).sorted(by: CreditEvent.precedes)
            let rows = (timelyByBuyer[buyer] ?? []).sorted(by: CreditEvent.precedes)
            guard var ledger = ledgers[buyer] else {
                for event in lateRows + rows { outcome.record(withoutAccount: event) }
                continue
            }
            for event in lateRows { outcome.record(event, ledger.apply(event)) }
            settleDays(&ledger, rows: rows, days: days, into: &outcome)
            ledgers[buyer] = ledger
        }
        return outcome
    }

    /// The dates of one account, skipping dates on which nothing can happen.
    private static func settleDays(_ ledger: inout CreditLedger, rows: [CreditEvent], days: [Day],
                                   into outcome: inout Outcome) {
        guard let first = days.first, let last = days.last else { return }
        var next = 0
        var day = first
        while day <= last {
            if ledger.isIdle(from: day) {
                guard next < rows.count else { return }
                day = max(day, rows[next].date)
            }
            ledger.accrueLateFees(on: day)
            ledger.issueBill(on: day)
            while next < rows.count && rows[next].date == day {
                outcome.record(rows[next], ledger.apply(rows[next]))
                next += 1
            }
            ledger.grantDiscounts(on: day)
            ledger.freezeOrUnfreeze(on: day)
            day = day.adding(days: 1)
        }
        precondition(next == rows.count, "every timely row is dated inside the run's dates")
    }
}

extension CreditNight.Outcome {
    mutating func record(_ event: CreditEvent, _ found: [CreditBreak]) {
        applied.append(.init(event: event, hasAccount: true))
        breaks.append(contentsOf: found)
    }

    /// Usage or a repayment by a buyer without a credit account is a `no_credit_account`
    /// break; a give-back of such usage is recorded and nothing more.
    mutating func record(withoutAccount event: CreditEvent) {
        applied.append(.init(event: event, hasAccount: false))
        guard event.kind != .giveBack else { return }
        let what = event.kind == .usage ? "usage of order \(event.key1) line \(event.key3)" : "repayment \(event.key1)"
        breaks.append(CreditBreak(kind: "no_credit_account", reference: event.reference, expected: nil, found: event.amount,
                                  detail: "\(what) dated \(event.date) by buyer \(event.buyerID), who has no credit account"))
    }
}
