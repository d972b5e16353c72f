// ChannelOutcome: what one (channel, kind, reference) comes to (SPEC §9), as a pure function
// of what the mall expects, what the channel reported and the run's as-of date. The store
// side (what changed tonight, breaks opened and resolved) is ChannelReconciler.swift.

import MallCore

/// The outcome of one reconciliation item. Codes are stable; the break kinds are SPEC §9's.
public enum ChannelOutcome: String, Sendable, CaseIterable {
    case matched
    /// Inside `reconcile_window_days` of its date and not (yet) matched.
    case pending
    case amountMismatch = "amount_mismatch"
    case duplicateInChannel = "duplicate_in_channel"
    case missingInChannel = "missing_in_channel"
    case unexpectedInChannel = "unexpected_in_channel"

    /// Whether the outcome is a break (listed in breaks.csv until resolved).
    public var isBreak: Bool { self != .matched && self != .pending }

    /// The break kinds, in the order the summary lists them.
    public static let breakKinds: [ChannelOutcome] = [.amountMismatch, .duplicateInChannel, .missingInChannel,
                                                      .unexpectedInChannel]
}

/// What the mall expects one channel to report for a reference: one row of `amount` (> 0),
/// dated by the earliest `paid_at` (or `refunded_at`) of the rows it sums.
struct Expectation: Equatable {
    let amount: Int64
    let day: Day
}

/// One channel row of a reference, as the channel reported it.
struct ReportedRow: Equatable {
    /// Its payments row's id: a matched item is stored by the id of the row it matched.
    let paymentKey: Int64
    let txnID: String
    let amount: Int64
    /// The business date of `occurred_at`.
    let day: Day
}

/// One item of a reference: the first channel row with the expectation (`txnID` empty), or
/// each later channel row (`txnID` its own).
struct ReconItem: Equatable {
    let txnID: String
    let outcome: ChannelOutcome
    let expected: Int64?
    let found: Int64?
    /// The item's date (SPEC §9): the expectation's, or the channel row's when it has none
    /// (unexpected) or is a duplicate.
    let day: Day
    /// The first as-of date on which the item is no longer pending.
    let due: Day
    let detail: String

    /// Two items are the same finding when these agree; anything else resolves the old
    /// break and, when a break, opens the new one.
    func sameFinding(as other: ReconItem) -> Bool {
        outcome == other.outcome && expected == other.expected && found == other.found && detail == other.detail
    }
}

enum ChannelMatch {
    /// The items of one reference of `kind` (`pay` or `refund`): the first channel row (in
    /// the order rows were accepted) against the expectation, every later row a duplicate.
    /// A pair whose amounts agree is matched at once; every other item is pending until the
    /// as-of date reaches its date + `windowDays`.
    static func items(kind: String, expectation: Expectation?, rows: [ReportedRow], asOf: Day, windowDays: Int) -> [ReconItem] {
        var items: [ReconItem] = []
        let first = rows.first
        if expectation != nil || first != nil {
            let day = expectation?.day ?? first!.day
            let due = day.adding(days: windowDays)
            let settled: ChannelOutcome
            let detail: String
            switch (expectation, first) {
            case let (expected?, row?):
                settled = expected.amount == row.amount ? .matched : .amountMismatch
                detail = "\(kind); txn_id \(row.txnID)"
            case (_?, nil):
                settled = .missingInChannel
                detail = "\(kind); no channel txn"
            case let (nil, row?):
                settled = .unexpectedInChannel
                detail = "\(kind); txn_id \(row.txnID)"
            case (nil, nil):
                preconditionFailure("an expectation or a channel row")
            }
            let outcome = settled == .matched || asOf >= due ? settled : .pending
            items.append(ReconItem(txnID: "", outcome: outcome, expected: expectation?.amount, found: first?.amount,
                                   day: day, due: due, detail: detail))
        }
        for row in rows.dropFirst() {
            let due = row.day.adding(days: windowDays)
            items.append(ReconItem(txnID: row.txnID, outcome: asOf >= due ? .duplicateInChannel : .pending,
                                   expected: expectation?.amount, found: row.amount, day: row.day, due: due,
                                   detail: "\(kind); txn_id \(row.txnID) repeats txn_id \(first!.txnID)"))
        }
        return items
    }
}
