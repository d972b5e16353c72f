// Reports: builds the analytics reports of SPEC §10 from the store — one, for `report NAME`,
// or all of them with the dashboard, for the nightly's reports stage. `report NAME` reads
// every order line (SalesFacts.read: any window); the nightly first folds the night's rows
// into the facts it keeps in the store (KeptFacts) and reads its window from those.

import Foundation
import MallCore
import MallIO
import MallStore

public enum Reports {
    /// The reports whose figures come from the one read of the order lines (SalesFacts).
    static let fromSalesFacts: Set<ReportName> = [.salesDaily, .skuRanking, .supplierSummary, .categoryMix, .tenderMix,
                                                   .marketingCost, .buyerRetention, .grossMargin, .settlementStatus]

    /// Where the sales facts come from: a read of every order line, or the kept facts.
    enum FactsSource { case everyLine, kept }

    /// The reports named, in the order given. sku_ranking — a row for every SKU sold, the
    /// largest by far — is made on a thread of its own while the others are made here; the
    /// nightly's refresh also makes the reports that read only small tables on a read-only
    /// connection of their own, while the sales facts are brought up to date here.
    /// `rankingFolder`: sku_ranking's thread also writes its CSV file there as soon as it is
    /// made (tens of megabytes, written while the other reports are still being made).
    static func build(_ names: [ReportName], db: Database, config: MallConfig, window: ReportWindow,
                      from source: FactsSource = .everyLine, rankingFolder: String? = nil) throws -> [ReportTable] {
        let aside = TablesBox()
        var asideWorker: SerialWorker?
        let fromTables = names.filter { !fromSalesFacts.contains($0) }
        if source == .kept && !fromTables.isEmpty {
            asideWorker = SerialWorker(name: "store reports", queuedMax: 1)
            let path = db.path
            asideWorker!.async {
                do {
                    let reader = try Database(path: path, opening: .readOnly)
                    for name in fromTables { aside.put(try table(name, nil, db: reader, config: config, window: window), as: name) }
                } catch {
                    aside.failure = error
                }
            }
        }
        var worker: SerialWorker?
        func rank(_ skus: ProductSums) {
            guard names.contains(.skuRanking), worker == nil else { return }
            worker = SerialWorker(name: "sku_ranking", queuedMax: 1)
            worker!.async {
                let ranking = SalesReports.skuRanking(skus)
                aside.put(ranking, as: .skuRanking)
                guard let rankingFolder else { return }
                do {
                    try AtomicFile.write(ranking.csv(), to: "\(rankingFolder)/\(ReportName.skuRanking.rawValue).csv", durable: false)
                } catch {
                    aside.rankingFailure = error
                }
            }
        }
        let facts = !names.contains(where: fromSalesFacts.contains) ? nil
            : source == .kept ? try KeptFacts.refresh(db: db, config: config, window: window, skusRead: rank)
            : try SalesFacts.read(db, config: config, window: window)
        if let facts { rank(facts.skus) }
        let others = try names.map { name in
            name == .skuRanking || asideWorker != nil && fromTables.contains(name)
                ? nil : try table(name, facts, db: db, config: config, window: window)
        }
        worker?.finish()
        asideWorker?.finish()
        if let failure = aside.failure ?? aside.rankingFailure { throw failure }
        return zip(names, others).map { name, table in table ?? aside.table(name)! }
    }

    /// What the other threads made, read after both have finished.
    private final class TablesBox: @unchecked Sendable {
        private let lock = NSLock()
        private var made: [ReportName: ReportTable] = [:]
        /// Set by the one other thread that can fail (store reports, or the CSV files).
        var failure: Error?
        /// Set by sku_ranking's thread when its file could not be written.
        var rankingFailure: Error?

        func put(_ table: ReportTable, as name: ReportName) { lock.withLock { made[name] = table } }
        func table(_ name: ReportName) -> ReportTable? { lock.withLock { made[name] } }
    }

    private static func table(_ name: ReportName, _ facts: SalesFacts?, db: Database, config: MallConfig,
                              window: ReportWindow) throws -> ReportTable {
        switch name {
        case .salesDaily: return SalesReports.salesDaily(facts!)
        case .skuRanking: return SalesReports.skuRanking(facts!.skus)
        case .supplierSummary: return try SettlementReports.supplierSummary(facts!, db: db, config: config)
        case .categoryMix: return SalesReports.categoryMix(facts!)
        case .tenderMix: return SalesReports.tenderMix(facts!)
        case .marketingCost: return try SalesReports.marketingCost(facts!, db: db)
        case .buyerRetention: return SalesReports.buyerRetention(facts!)
        case .grossMargin: return SalesReports.grossMargin(facts!)
        case .settlementStatus: return try SettlementReports.settlementStatus(facts!, db: db)
        case .reconciliation: return try SettlementReports.reconciliation(window, db: db)
        case .rebates: return try BuyerReports.rebates(window, db: db)
        case .creditSummary: return try BuyerReports.creditSummary(window, db: db)
        case .overdueBills: return try BuyerReports.overdueBills(window, db: db)
        case .arrears: return try BuyerReports.arrears(window, db: db)
        }
    }

    /// One report (`report NAME`).
    public static func table(_ name: ReportName, db: Database, config: MallConfig, window: ReportWindow) throws -> ReportTable {
        try build([name], db: db, config: config, window: window)[0]
    }

    /// Writes every report as `{folder}/{name}.csv` and the dashboard as `{folder}/index.html`
    /// and `{folder}/index.zh-CN.html`, each file written aside and renamed, from the kept
    /// facts brought up to the window's end. Returns the number of files written.
    @discardableResult
    public static func refresh(db: Database, config: MallConfig, window: ReportWindow, folder: String) throws -> Int {
        // Half-written files of a refresh killed before (`.NAME.tmp-…`).
        AtomicFile.removeLeftovers(in: folder)
        let tables = try build(ReportName.allCases, db: db, config: config, window: window, from: .kept, rankingFolder: folder)
        // The other CSV files are written on a thread of their own while the dashboards are
        // drawn here (sku_ranking's was written by its own thread).
        let written = TablesBox()
        let files = SerialWorker(name: "report files", queuedMax: 1)
        files.async {
            do {
                for table in tables where table.name != .skuRanking {
                    try AtomicFile.write(table.csv(), to: "\(folder)/\(table.name.rawValue).csv", durable: false)
                }
            } catch {
                written.failure = error
            }
        }
        defer { files.finish() }
        try AtomicFile.write(Dashboard.html(tables, window: window, currency: config.currency, language: .en),
                             to: "\(folder)/index.html", durable: false)
        try AtomicFile.write(Dashboard.html(tables, window: window, currency: config.currency, language: .zh),
                             to: "\(folder)/index.zh-CN.html", durable: false)
        files.finish()
        if let failure = written.failure { throw failure }
        return tables.count + 2
    }
}
