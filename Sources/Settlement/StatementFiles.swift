// StatementFiles: supplier statements (SPEC §10): lines.csv, summary.csv, statement.html
// (English) and statement.zh-CN.html, statement.xlsx for closed sheets; summary.csv and the
// HTML marked DRAFT for open sheets that changed.

import Foundation
import MallCore
import MallIO
import MallStore

/// Statements that could not be written: they stay due, and the next command that writes
/// statements (a `run`, a `close`) writes them.
public struct StatementsNotWritten: Error, CustomStringConvertible {
    public let failures: [(sheetID: String, error: any Error)]

    public var description: String {
        let first = failures[0]
        let more = failures.count > 1 ? " (and \(failures.count - 1) more)" : ""
        return "\(failures.count) statement(s) could not be written: \(first.sheetID): \(first.error)\(more). "
            + "They stay due and are written by the next run or close that can; the store is unharmed"
    }
}

/// A sheet's header as statements show it.
struct SheetHeader {
    let key: Int64
    let sheetID: String
    let supplierID: String
    let entity: String
    let currency: String
    let periodStart: String
    let periodEnd: String
    let status: String
    let net: Int64
    let lines: Int64
    let closedAt: String?
    let statementSHA: String?
}

public enum StatementFiles {
    /// Writes every statement still due: closing statements of sheets just closed (those
    /// `prepared` by the close are renamed into place, any other is written again from the
    /// store and must hash as it did at close) and drafts of open sheets that changed. Files
    /// are written aside and renamed; a sheet's flags are cleared once its files are durable.
    /// A statement that cannot be written stays due for the next command: the others are
    /// still written, then `StatementsNotWritten` says which and why.
    /// Returns the number of sheets written.
    @discardableResult
    static func writePending(_ db: Database, config: MallConfig, reportsDir: String,
                             prepared: [PreparedStatement] = []) throws -> Int {
        let due = try dueSheets(db)
        var ready: [Int64: PreparedStatement] = [:]
        for statement in prepared { ready[statement.sheetKey] = statement }
        defer { for statement in ready.values { statement.abandon() } }
        var written: [Int64] = []
        var failures: [(sheetID: String, error: any Error)] = []
        for (header, draft) in due where !draft {
            do {
                let statement = try ready.removeValue(forKey: header.key)
                    ?? ClosingStatements.write(db, header: header, config: config, folder: folder(header, reportsDir),
                                              expectedSHA256: header.statementSHA)
                try statement.commit()
                written.append(header.key)
            } catch {
                failures.append((header.sheetID, error))
            }
        }
        let drafts = due.filter(\.draft).map(\.0)
        let draftFailures = try writeDrafts(db, drafts, config: config, reportsDir: reportsDir)
        for header in drafts {
            if let error = draftFailures[folder(header, reportsDir)] {
                failures.append((header.sheetID, error))
            } else {
                written.append(header.key)
            }
        }
        // Every file is renamed into place whole; one sync makes them all durable before the
        // store forgets that they were due (a crash before this line rewrites them).
        AtomicFile.syncFileSystem()
        try db.transaction {
            for key in written {
                try db.run("UPDATE sheets SET statement_pending = 0, draft_pending = 0 WHERE sheet_key = ?", [.int(key)])
            }
        }
        if !failures.isEmpty { throw StatementsNotWritten(failures: failures) }
        return written.count
    }

    /// The sheets whose statement is due, with whether it is a draft.
    private static func dueSheets(_ db: Database) throws -> [(SheetHeader, draft: Bool)] {
        var due: [(SheetHeader, draft: Bool)] = []
        var at: SheetHeaderColumns?
        try db.query("""
            SELECT \(headerColumns)
            FROM sheets WHERE statement_pending = 1 OR (draft_pending = 1 AND status = 'open') ORDER BY sheet_id
            """) { row in
            let c = at ?? SheetHeaderColumns(row)
            at = c
            due.append((header(row, c), row.int(c.statementPending) == 0))
        }
        return due
    }

    /// The columns of `sheets` a statement's header is read from.
    static let headerColumns = """
        sheet_id, supplier_id, entity, currency, period_start, period_end, status, net, lines, closed_at,
        statement_sha256, statement_pending, sheet_key
        """

    /// Where a query's `headerColumns` are, by name (the queries here and in
    /// `Closer.closedHeader`).
    struct SheetHeaderColumns {
        let key, sheetID, supplierID, entity, currency, periodStart, periodEnd, status, net, lines: Int32
        let closedAt, statementSHA, statementPending: Int32
        init(_ row: Statement) {
            key = row.column("sheet_key"); sheetID = row.column("sheet_id"); supplierID = row.column("supplier_id")
            entity = row.column("entity"); currency = row.column("currency"); periodStart = row.column("period_start")
            periodEnd = row.column("period_end"); status = row.column("status"); net = row.column("net")
            lines = row.column("lines"); closedAt = row.column("closed_at"); statementSHA = row.column("statement_sha256")
            statementPending = row.column("statement_pending")
        }
    }

    /// A sheet's header from a row with the columns of `SheetHeaderColumns`, looked up for
    /// this one row.
    static func header(_ row: Statement) -> SheetHeader { header(row, SheetHeaderColumns(row)) }

    /// A sheet's header from a row whose columns were looked up once for the query.
    static func header(_ row: Statement, _ c: SheetHeaderColumns) -> SheetHeader {
        SheetHeader(key: row.int(c.key), sheetID: row.string(c.sheetID), supplierID: row.string(c.supplierID),
                    entity: row.string(c.entity), currency: row.string(c.currency), periodStart: row.string(c.periodStart),
                    periodEnd: row.string(c.periodEnd), status: row.string(c.status), net: row.int(c.net),
                    lines: row.int(c.lines), closedAt: row.text(c.closedAt), statementSHA: row.text(c.statementSHA))
    }

    /// The folder of a sheet's statement files.
    static func folder(_ header: SheetHeader, _ reportsDir: String) -> String {
        "\(reportsDir)/statements/\(header.periodStart)/\(header.sheetID)"
    }

    /// Drafts: this thread reads the store, the writer's threads render and make the files.
    /// Returns the folders that could not be written, with why.
    private static func writeDrafts(_ db: Database, _ drafts: [SheetHeader], config: MallConfig,
                                    reportsDir: String) throws -> [String: any Error] {
        let writer = FolderWriter()
        var failures: [String: any Error] = [:]
        do {
            for header in drafts {
                writer.submit(try draftFolder(db, header: header, config: config, path: folder(header, reportsDir)))
            }
        } catch {
            _ = writer.finish()
            throw error
        }
        for failure in writer.finish() { failures[failure.path] = failure.error }
        return failures
    }

    /// Fee-code totals of a sheet, in statement order.
    static func totals(_ db: Database, sheetKey: Int64) throws -> [StatementTotal] {
        var totals: [(FeeCode, Int, Int64)] = []
        var at: (code: Int32, lines: Int32, amount: Int32)?
        try db.query("SELECT fee_code, lines, amount FROM sheet_totals WHERE sheet_key = ? AND lines > 0",
                     [.int(sheetKey)]) { row in
            let c = at ?? (row.column("fee_code"), row.column("lines"), row.column("amount"))
            at = c
            guard let code = FeeCode(storeCode: row.int(c.code)) else { return }
            totals.append((code, Int(row.int(c.lines)), row.int(c.amount)))
        }
        return totals.sorted { $0.0.rank < $1.0.rank }
            .map { StatementTotal(feeCode: $0.0.rawValue, lines: $0.1, amount: Money(fen: $0.2).description) }
    }

    /// summary.csv: one row per fee code present, then NET and PAYABLE; a draft ends with a
    /// `DRAFT` row and leaves PAYABLE empty (an open sheet has no payable yet).
    static func summaryCSV(totals: [StatementTotal], net: Int64, lines: Int64, payable: Int64?, draft: Bool) -> [UInt8] {
        var rows: [[CSVCell]] = totals.map { [.text($0.feeCode), .number(String($0.lines)), .number($0.amount)] }
        rows.append([.text("NET"), .number(String(lines)), .number(Money(fen: net).description)])
        rows.append([.text("PAYABLE"), .empty, payable.map { .number(Money(fen: $0).description) } ?? .empty])
        if draft { rows.append([.text("DRAFT"), .empty, .empty]) }
        return CSVEncoder.document(header: ["fee_code", "lines", "amount"], rows: rows)
    }

    static func view(_ header: SheetHeader, config: MallConfig, totals: [StatementTotal], draft: Bool,
                             locale: StatementView.Locale, lines: [[String]], sha: String?) -> StatementView {
        StatementView(locale: locale, isDraft: draft, sheetID: header.sheetID, supplierID: header.supplierID,
                      supplierName: config.supplierByID[header.supplierID]?.name ?? header.supplierID,
                      entity: header.entity, currency: header.currency, periodStart: header.periodStart,
                      periodEnd: header.periodEnd, status: header.status, closedAt: header.closedAt,
                      totals: totals, net: Money(fen: header.net).description,
                      payable: draft ? nil : Money(fen: header.net).description,
                      lineColumns: draft ? [] : lineColumns(locale), lines: lines,
                      amountColumnIndexes: draft ? [] : [FeeLineExport.amountColumn - 2], linesSHA256: sha,
                      skuColumnIndexes: draft ? [] : [skuColumn])
    }

    /// A draft's folder: summary.csv and both HTML statements, marked DRAFT.
    private static func draftFolder(_ db: Database, header: SheetHeader, config: MallConfig, path: String) throws -> FolderWriter.Folder {
        let totals = try totals(db, sheetKey: header.key)
        let views = locales.map {
            view(header, config: config, totals: totals, draft: true, locale: $0, lines: [], sha: nil)
        }
        let summary = summaryCSV(totals: totals, net: header.net, lines: header.lines, payable: nil, draft: true)
        return FolderWriter.Folder(path: path, bytes: 16_384) {
            [(name: "summary.csv", bytes: summary)] + views.map { (name: fileName($0.locale), bytes: StatementHTML.renderBytes($0)) }
        }
    }

    /// The SKU's column in `lineColumns`.
    static let skuColumn = 5

    /// The lines table of the HTML statement: the columns of lines.csv without sheet_id and
    /// supplier_id, which the statement's header already states.
    static func lineColumns(_ locale: StatementView.Locale) -> [String] {
        switch locale {
        case .en:
            return ["posting date", "source", "source id", "order", "line", "SKU", "fee code", "direction", "amount",
                    "late", "original period"]
        case .zhCN:
            return ["记账日期", "来源类型", "来源单号", "订单号", "行号", "SKU", "费用代码", "方向", "金额", "跨期", "原属周期"]
        }
    }

    /// The languages of a statement's pages, in the order they are written.
    static let locales: [StatementView.Locale] = [.en, .zhCN]

    static func fileName(_ locale: StatementView.Locale) -> String {
        locale == .en ? "statement.html" : "statement.zh-CN.html"
    }
}
