// StatementFiles: supplier statements (SPEC §10): lines.csv, summary.csv, statement.html
// (English) and statement.zh-CN.html, statement.xlsx for closed sheets; summary.csv and the
// HTML marked DRAFT for open sheets that changed.

import Foundation
import MallCore
import MallIO
import MallStore

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
    /// The bytes of a sheet's lines.csv: the fee lines of that sheet, in export order.
    static func linesCSV(_ db: Database, sheetKey: Int64) throws -> [UInt8] {
        var bytes: [UInt8] = []
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &bytes)
        try FeeLineExport.rows(db, sheetKey: sheetKey) { cells, _ in
            CSVEncoder.appendRow(cells, to: &bytes)
        }
        return bytes
    }

    /// Writes every statement still due: closing statements of sheets just closed and drafts of
    /// open sheets that changed. Files are written aside and renamed; flags are cleared after.
    /// Returns the number of sheets written.
    @discardableResult
    public static func writePending(_ db: Database, config: MallConfig, reportsDir: String) throws -> Int {
        var due: [(SheetHeader, draft: Bool)] = []
        try db.query("""
            SELECT sheet_id, supplier_id, entity, currency, period_start, period_end, status, net, lines, closed_at,
                   statement_sha256, statement_pending, sheet_key
            FROM sheets WHERE statement_pending = 1 OR (draft_pending = 1 AND status = 'open') ORDER BY sheet_id
            """) { row in
            let header = SheetHeader(key: row.int(12), sheetID: row.string(0), supplierID: row.string(1),
                                     entity: row.string(2), currency: row.string(3), periodStart: row.string(4),
                                     periodEnd: row.string(5), status: row.string(6), net: row.int(7), lines: row.int(8),
                                     closedAt: row.text(9), statementSHA: row.text(10))
            due.append((header, row.int(11) == 0))
        }
        // This thread reads the store and renders; the writer's threads make the files.
        let writer = FolderWriter()
        do {
            for (header, draft) in due {
                let folder = "\(reportsDir)/statements/\(header.periodStart)/\(header.sheetID)"
                try writer.submit(draft ? try draftFolder(db, header: header, config: config, path: folder)
                                        : try closingFolder(db, header: header, config: config, path: folder))
            }
        } catch {
            try? writer.finish()
            throw error
        }
        try writer.finish()
        // Every file is renamed into place whole; one sync makes them all durable before the
        // store forgets that they were due (a crash before this line rewrites them).
        AtomicFile.syncFileSystem()
        try db.transaction {
            for (header, _) in due {
                try db.run("UPDATE sheets SET statement_pending = 0, draft_pending = 0 WHERE sheet_key = ?", [.int(header.key)])
            }
        }
        return due.count
    }

    /// Fee-code totals of a sheet, in statement order.
    static func totals(_ db: Database, sheetKey: Int64) throws -> [StatementTotal] {
        var totals: [(FeeCode, Int, Int64)] = []
        try db.query("SELECT fee_code, lines, amount FROM sheet_totals WHERE sheet_key = ? AND lines > 0",
                     [.int(sheetKey)]) { row in
            guard let code = FeeCode(storeCode: row.int(0)) else { return }
            totals.append((code, Int(row.int(1)), row.int(2)))
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

    private static func view(_ header: SheetHeader, config: MallConfig, totals: [StatementTotal], draft: Bool,
                             locale: StatementView.Locale, lines: [[String]], sha: String?) -> StatementView {
        StatementView(locale: locale, isDraft: draft, sheetID: header.sheetID, supplierID: header.supplierID,
                      supplierName: config.supplierByID[header.supplierID]?.name ?? header.supplierID,
                      entity: header.entity, currency: header.currency, periodStart: header.periodStart,
                      periodEnd: header.periodEnd, status: header.status, closedAt: header.closedAt,
                      totals: totals, net: Money(fen: header.net).description,
                      payable: draft ? nil : Money(fen: header.net).description,
                      lineColumns: draft ? [] : lineColumns(locale), lines: lines.map { Array($0.dropFirst(2)) },
                      amountColumnIndexes: draft ? [] : [FeeLineExport.amountColumn - 2], linesSHA256: sha)
    }

    /// A draft's folder: summary.csv and both HTML statements, marked DRAFT.
    private static func draftFolder(_ db: Database, header: SheetHeader, config: MallConfig, path: String) throws -> FolderWriter.Folder {
        let totals = try totals(db, sheetKey: header.key)
        let views = [StatementView.Locale.en, .zhCN].map {
            view(header, config: config, totals: totals, draft: true, locale: $0, lines: [], sha: nil)
        }
        let summary = summaryCSV(totals: totals, net: header.net, lines: header.lines, payable: nil, draft: true)
        return FolderWriter.Folder(path: path, bytes: 16_384) {
            [(name: "summary.csv", bytes: summary)] + views.map { (name: fileName($0.locale), bytes: Array(StatementHTML.render($0).utf8)) }
        }
    }

    /// A closing statement's folder: lines.csv, summary.csv, both HTML statements and
    /// statement.xlsx. The lines are read here; the HTML and the workbook are made by the writer.
    private static func closingFolder(_ db: Database, header: SheetHeader, config: MallConfig, path: String) throws -> FolderWriter.Folder {
        let totals = try totals(db, sheetKey: header.key)
        var linesCSV: [UInt8] = []
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &linesCSV)
        var textRows: [[String]] = []
        var sheetRows: [[XLSXCell]] = [FeeLineExport.header.map { .text($0) }]
        try FeeLineExport.rows(db, sheetKey: header.key) { cells, texts in
            CSVEncoder.appendRow(cells, to: &linesCSV)
            textRows.append(texts)
            sheetRows.append(cells.map { cell in
                switch cell {
                case .text(let t): return .text(t)
                case .number(let n): return .number(n)
                case .empty: return .empty
                }
            })
        }
        let sha = SHA256.hex(of: linesCSV)
        if let recorded = header.statementSHA, recorded != sha {
            throw StoreError(code: 0, message: "closed sheet \(header.sheetID) changed since it closed: lines.csv hash \(sha) differs from the recorded \(recorded)", sql: nil)
        }
        let payable = header.net
        let summary = summaryCSV(totals: totals, net: header.net, lines: header.lines, payable: payable, draft: false)
        let views = [StatementView.Locale.en, .zhCN].map {
            view(header, config: config, totals: totals, draft: false, locale: $0, lines: textRows, sha: sha)
        }
        var summaryRows: [[XLSXCell]] = [
            [.text("sheet_id"), .text(header.sheetID)],
            [.text("supplier"), .text("\(header.supplierID) \(config.supplierByID[header.supplierID]?.name ?? "")")],
            [.text("entity"), .text(header.entity)],
            [.text("currency"), .text(header.currency)],
            [.text("period"), .text("\(header.periodStart) – \(header.periodEnd)")],
            [.text("status"), .text(header.status)],
            [.text("closed_at"), .text(header.closedAt ?? "")],
            [.text("lines.csv SHA-256"), .text(sha)],
            [],
            [.text("fee_code"), .text("lines"), .text("amount")],
        ]
        for total in totals {
            summaryRows.append([.text(total.feeCode), .number(String(total.lines)), .number(total.amount)])
        }
        summaryRows.append([.text("NET"), .number(String(header.lines)), .number(Money(fen: header.net).description)])
        summaryRows.append([.text("PAYABLE"), .empty, .number(Money(fen: payable).description)])
        let sheets = [
            XLSXSheet(name: "Summary", rows: summaryRows, columnWidths: [22, 40, 16], boldFirstRow: false),
            XLSXSheet(name: "Lines", rows: sheetRows, columnWidths: [30, 10, 12, 10, 16, 16, 8, 24, 20, 10, 12, 6, 14]),
        ]
        // The lines are held three times until written (CSV, text rows, workbook cells).
        return FolderWriter.Folder(path: path, bytes: 16_384 + linesCSV.count * 6) { [linesCSV] in
            [(name: "lines.csv", bytes: linesCSV), (name: "summary.csv", bytes: summary)]
                + views.map { (name: fileName($0.locale), bytes: Array(StatementHTML.render($0).utf8)) }
                + [(name: "statement.xlsx", bytes: try XLSXWriter.workbook(sheets))]
        }
    }

    /// The lines table of the HTML statement: the columns of lines.csv without sheet_id and
    /// supplier_id, which the statement's header already states.
    static func lineColumns(_ locale: StatementView.Locale) -> [String] {
        switch locale {
        case .en:
            return ["posting date", "source", "source id", "order", "line", "SKU", "fee code", "direction", "amount",
                    "late", "original period"]
        case .zhCN:
            return ["记账日期", "来源类型", "来源单号", "订单号", "行号", "SKU", "费用代码", "方向", "金额", "迟到", "原属周期"]
        }
    }

    static func fileName(_ locale: StatementView.Locale) -> String {
        locale == .en ? "statement.html" : "statement.zh-CN.html"
    }
}
