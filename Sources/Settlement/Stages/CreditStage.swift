// CreditStage: settles the credit lines (SPEC §8) through the as-of date, in one
// transaction, after posting has accepted the night's refunds: rows new since the last run
// are applied (late ones first), each date not settled yet is settled, and the credit breaks
// found are opened for the breaks stage to list.
//
// SQL: Credit/CreditStore.swift, BuyerStatements/BuyerStatementStore.swift.

import MallCore

extension Stage {
    public static let credit = Stage(name: "credit") { context, record in
        try context.nightly.credit(into: &record)
    }
}

extension Nightly {
    /// Settles every credit account through the record's as-of date. Re-running a night
    /// finds nothing new and changes nothing.
    public func credit(into record: inout RunRecord) throws {
        let store = CreditStore(db: db, calendar: config.calendar)
        let asOf = record.asOf
        let opened: [String] = try db.transaction {
            var progress = try store.progress()
            let (candidates, gone) = try store.candidates(after: progress)
            let due = candidates.filter { $0.ready && $0.event.date <= asOf }
            let waiting = candidates.filter { !($0.ready && $0.event.date <= asOf) }
            // The first date this run settles: the day after the last one settled, or the first
            // row's date on a store that never settled credit.
            let first = progress.through.map { $0.adding(days: 1) } ?? due.map(\.event.date).min() ?? asOf.adding(days: 1)
            let days = first <= asOf ? (first.ordinal...asOf.ordinal).map(Day.init(ordinal:)) : []
            var ledgers = try store.ledgers(config.creditAccounts, from: first, through: asOf, buyers: Set(due.map(\.event.buyerID)))
            let outcome = CreditNight.settle(&ledgers, late: due.map(\.event).filter { $0.date < first },
                                             timely: due.map(\.event).filter { $0.date >= first }, days: days)
            // The accounts in byte order of buyer, for saving and for issuing bills.
            let buyers = TextOrder.sorted(ledgers.keys)
            try store.save(ledgers, in: buyers)
            let seen = try store.highestIDs()
            progress.through = max(progress.through ?? asOf, asOf)
            (progress.linesSeen, progress.refundsSeen, progress.repaymentsSeen) = (seen.lines, seen.refunds, seen.repayments)
            try store.record(applied: outcome.applied, waiting: waiting, gone: gone, progress: progress, runSeq: record.runSeq)
            // The bills issued tonight (dated inside the dates this run settles) take their lines
            // and their statements are due (BuyerStatements/).
            for buyer in buyers {
                for bill in ledgers[buyer]!.bills where bill.billDate >= first && bill.billDate <= asOf {
                    try BuyerStatementStore.issue(db, buyer: buyer, billDate: bill.billDate)
                }
            }
            return try store.openBreaks(outcome.breaks, asOf: asOf)
        }
        record.posting.newBreaks.append(contentsOf: opened)
    }
}
