// MallCommands: the commands of the mall core (SPEC section 13): replay, generate, reconcile
// --replay and whatif. They read journals and catalogs, never the real store's write lock
// except `reconcile`, which only reads the store.

import Foundation
import MallCore
import MallIO
import MallStore
import Settlement

enum MallCommands {
    static func required(_ context: Context, _ name: String) throws -> String {
        guard let value = context.args.value(name), !value.isEmpty else {
            throw UsageError(message: "\(context.args.command) needs \(name)")
        }
        return value
    }

    static func catalog(_ context: Context) throws -> Catalog {
        let path = try required(context, "--catalog")
        do { return try Replay.loadCatalog(path: path) } catch let e as ReplayError { throw UsageError(message: e.message) }
    }

    static func readableJournal(_ context: Context, _ option: String = "--journal") throws -> String {
        let path = try required(context, option)
        try Arguments.requireReadable(path)
        return path
    }

    static func describe(_ s: ReplaySummary) -> String {
        "\(s.events) events (\(s.accepted) accepted, \(s.rejected) refused); \(s.orderRows) order rows, \(s.refundRows) refund rows, "
            + "\(s.paymentRows) payment rows, \(s.repaymentRows) repayment rows over \(s.days) days"
            + (s.pointsLost > 0 ? "; \(s.pointsLost) points restorations lost to expiry" : "")
    }

    /// `replay --journal F --catalog F --out DIR`.
    static func replay(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--journal", "--catalog", "--out"])
        let journal = try readableJournal(context)
        let catalog = try catalog(context)
        let out = try required(context, "--out")
        let summary = try Replay.run(journal: journal, catalog: catalog, out: out, progress: context.progress)
        say("replay: \(describe(summary)); feeds in \(out)/")
        if summary.rejected > 0 { say("replay: refused events are listed in \(out)/rejected.csv") }
        return summary.rejected > 0 ? .doneWithFindings : .done
    }

    static func count(_ context: Context, _ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = context.args.value(name) else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            throw UsageError(message: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// `generate --days N --orders-per-day N --suppliers N --buyers N --seed N --out DIR`.
    static func generate(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--days", "--orders-per-day", "--suppliers", "--buyers", "--seed", "--out", "--start"])
        var settings = GeneratorSettings()
        settings.days = try count(context, "--days", settings.days, 1...GeneratorSettings.daysMax)
        settings.ordersPerDay = try count(context, "--orders-per-day", settings.ordersPerDay, 1...GeneratorSettings.ordersPerDayMax)
        settings.suppliers = try count(context, "--suppliers", settings.suppliers, 1...GeneratorSettings.suppliersMax)
        settings.buyers = try count(context, "--buyers", settings.buyers, 1...GeneratorSettings.buyersMax)
        settings.seed = UInt64(try count(context, "--seed", Int(settings.seed), 0...Int.max))
        if let text = context.args.value("--start") {
            let start = try Arguments.day(text, option: "--start")
            settings.start = start
        }
        if let problem = settings.problem { throw UsageError(message: problem) }
        let out = try required(context, "--out")
        let generator = MallGenerator(settings: settings)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try AtomicFile.write(CatalogCodec.encode(generator.catalog), to: "\(out)/catalog.json", durable: false)
        try AtomicFile.write(generator.configJSON(), to: "\(out)/mall.json", durable: false)
        let summary = try Replay.generate(generator, journal: "\(out)/journal.jsonl", out: "\(out)/days", progress: context.progress)
        say("generate: catalog.json, mall.json and journal.jsonl in \(out)/; \(describe(summary)); feeds in \(out)/days/")
        // The generator makes some refusals on purpose; only the others are findings.
        let onPurpose = summary.refusals.filter { MallGenerator.refusalsOnPurpose.contains($0.key) }.values.reduce(0, +)
        let others = summary.rejected - onPurpose
        if onPurpose > 0 {
            say("generate: \(onPurpose) refused on purpose (a frozen dealer paying, a buyer too late for the last units), listed in \(out)/days/rejected.csv")
        }
        if others > 0 { say("generate: \(others) other event(s) refused: see \(out)/days/rejected.csv") }
        return others > 0 ? .doneWithFindings : .done
    }

    /// `reconcile --replay JOURNAL --catalog F [--date D]`: replay reconciliation against the store.
    static func reconcile(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--replay", "--catalog", "--db", "--reports", "--date", "--config"])
        let journal = try readableJournal(context, "--replay")
        let catalog = try catalog(context)
        let db = try context.openExistingStore()
        try context.claimReports(db)
        let result = try ReplayReconcile.compare(journal: journal, catalog: catalog, db: db, progress: context.progress)
        let day: String
        if let text = context.args.value("--date") {
            _ = try Arguments.day(text, option: "--date")
            day = text
        } else {
            day = result.lastDay?.description ?? "replay"
        }
        let folder = "\(context.reportsDir)/reconciliation/\(day)"
        try ReplayReconcile.write(result, to: folder)
        for c in result.counts {
            say("reconcile: \(c.feed): \(c.expected) replayed, \(c.found) ingested, \(c.matched) equal")
        }
        say("reconcile: \(result.breaks.count) break(s) in \(folder)/replay_breaks.csv"
            + (result.rejectedEvents > 0 ? "; \(result.rejectedEvents) journal event(s) refused by the core" : ""))
        return result.breaks.isEmpty ? .done : .doneWithFindings
    }

    /// `whatif --journal F --catalog F --config A --config B [--out DIR]`.
    static func whatif(_ context: Context) throws -> ExitStatus {
        try context.args.allowOnly(["--journal", "--catalog", "--config", "--out", "--reports"])
        let journal = try readableJournal(context)
        let catalog = try catalog(context)
        let configs = context.args.values("--config")
        guard configs.count == 2 else { throw UsageError(message: "whatif needs --config twice: the configuration A, then B") }
        let a = try MallConfig.load(path: configs[0])
        let b = try MallConfig.load(path: configs[1])
        let out = context.args.value("--out") ?? "\(context.reportsDir)/whatif"
        let scratch = "\(out)/scratch"
        if FileManager.default.fileExists(atPath: scratch) { try FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let result = try WhatIf.compare(journal: journal, catalog: catalog, configA: a, configB: b,
                                        scratch: scratch, progress: context.progress)
        try WhatIf.write(result, labelA: configs[0], labelB: configs[1], to: out)
        let changed = result.rows.filter { $0.difference != .zero }
        let net = result.rows.reduce(Money.zero) { $0 + $1.difference }
        say("whatif: \(result.nights) nights settled twice; \(changed.count) of \(result.rows.count) supplier/period/fee-code totals differ; "
            + "the suppliers' net changes by \(net) (B − A); see \(out)/whatif.csv and whatif.html")
        return .done
    }
}
