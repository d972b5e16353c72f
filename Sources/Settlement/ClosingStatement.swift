// ClosingStatement: a closed sheet's statement (SPEC §10) written in one pass over its lines,
// however many: lines.csv, statement.xlsx (the lines continue on `Lines (2)`, `Lines (3)`, …
// past a worksheet's row limit), summary.csv and both HTML pages (the first
// `htmlLinesMax` lines, then a word on how many more there are). Memory does not grow with
// the lines: the CSV and the workbook are streamed to disk, the HTML keeps its first lines.
//
// What finance reads (issue 15): the HTML lines show source types and directions in the
// page's language and explain adjustment and carry-forward lines (`LineNotes`); the
// workbook's line sheets have a bold frozen header, an autofilter over the lines, dates as
// dates, amounts as `#,##0.00` and, below the lines, a totals row (a value, never a
// formula); its Summary sheet is labelled in English and Chinese, for it goes with both pages.
//
// The files are left sealed beside their targets (`PreparedStatement`): `close` prepares them
// inside its transaction, so the SHA-256 it records is the hash of the lines.csv it wrote,
// and they appear only once the transaction has committed.

import Dispatch
import MallCore
import MallIO
import MallStore

/// A statement's files, written and sealed, not yet in place. Handed from the close stage to
/// the statements stage, one after the other.
final class PreparedStatement: @unchecked Sendable {
    let sheetKey: Int64
    let sheetID: String
    /// SHA-256 (hex) of its lines.csv.
    let linesSHA256: String
    private var files: [AtomicFileWriter]

    init(sheetKey: Int64, sheetID: String, linesSHA256: String, files: [AtomicFileWriter]) {
        self.sheetKey = sheetKey
        self.sheetID = sheetID
        self.linesSHA256 = linesSHA256
        self.files = files
    }

    /// Renames every file into place (made durable later by one sync for all).
    func commit() throws {
        for file in files { try file.commit(durable: false) }
        files = []
    }

    /// Drops the files; whatever was in place stays.
    func abandon() {
        for file in files { file.abandon() }
        files = []
    }
}

/// Writes closing statements for one command. The calling thread reads each sheet's lines
/// from the store (it holds the connection, inside the close's transaction) and hands them in
/// batches to serial workers, sheet by sheet in turn: two write lines.csv, hash it and render
/// the HTML; two others write the workbooks. So a sheet of millions of
/// lines takes three threads' time, not one's, and the next sheets are read while the last
/// are still being written. The workbooks' line sheets are compact (`XLSXFileWriter`'s
/// `fast`): a statement of millions of lines is gigabytes of worksheet XML.
final class ClosingStatements: @unchecked Sendable {
    /// Fee lines listed in each HTML page; the files hold them all.
    static let htmlLinesMax = 5_000
    /// Bytes of lines.csv gathered before they are hashed and written.
    static let csvChunkBytes = 1 << 20
    /// Lines handed to the workers at a time, and batches waiting for each at most: memory
    /// stays bounded however long a sheet is.
    static let batchLines = 4_096
    static let batchesInFlightMax = 32
    /// The Lines sheet's column widths, in characters.
    static let lineColumnWidths = [30, 10, 12, 10, 16, 16, 8, 24, 20, 10, 14, 6, 14]
    /// Rows of a line sheet that are not lines: the header, and after the lines an empty
    /// row, the sheet's totals row and (last sheet of several) the whole statement's.
    static let lineSheetOtherRowsMax = 4

    private let config: MallConfig
    private let lineSheetRowsMax: Int
    private let htmlLinesMax: Int
    private let progress: ProgressLog?
    /// Sheets between two progress notes.
    static let progressSheets = 500
    /// Two threads write lines.csv, its hash and the HTML, two the workbooks: a sheet's on one
    /// of each, in order. Each takes at most half the batches in flight.
    private let linesWorkers = (1...2).map { SerialWorker(name: "statement-lines-\($0)", queuedMax: ClosingStatements.batchesInFlightMax / 2) }
    private let workbookWorkers = (1...2).map { SerialWorker(name: "statement-workbook-\($0)", queuedMax: ClosingStatements.batchesInFlightMax / 2) }
    /// Each workbook worker's workbooks are deflated, one after the other, on a thread of its own.
    private let compressors = (1...2).map { SerialWorker(name: "statement-deflate-\($0)", queuedMax: XLSXFileWriter.chunksInFlightMax) }
    private let pending = DispatchGroup()
    private var jobs: [SheetStatementJob] = []

    /// `lineSheetRowsMax` is a worksheet's row limit and `htmlLinesMax` the lines each page
    /// lists (tests set small ones).
    init(config: MallConfig, lineSheetRowsMax: Int = XLSXWriter.rowsMax, htmlLinesMax: Int = ClosingStatements.htmlLinesMax,
         progress: ProgressLog? = nil) {
        precondition(lineSheetRowsMax > Self.lineSheetOtherRowsMax, "a line sheet holds its header, totals and at least one line")
        self.config = config
        self.progress = progress
        self.lineSheetRowsMax = lineSheetRowsMax
        self.htmlLinesMax = htmlLinesMax
    }

    /// Sheets of at least this many lines have their forward lines read ahead
    /// (`StatementLines.readForwardAhead`) while the smaller sheets' statements are written.
    static let readAheadLinesMin: Int64 = 200_000

    /// Writes the statements of `headers` (closed sheets) into their folders under
    /// `reportsDir`. The large ones come between the two halves of the others: their forward
    /// lines are read ahead (sorted) while the first half is written, and the disk writes
    /// their files out while the second half is written, rather than at the end.
    func write(_ db: Database, headers: [SheetHeader], reportsDir: String) throws {
        let large = headers.filter { $0.lines >= Self.readAheadLinesMin }
        let small = headers.filter { $0.lines < Self.readAheadLinesMin }
        var ahead: [Int64: Handoff<StatementLine, any Error>] = [:]
        for header in large { ahead[header.key] = StatementLines.readForwardAhead(storePath: db.path, sheetKey: header.key) }
        defer { for handoff in ahead.values { handoff.cancel() } }
        var done = 0
        func note(_ header: SheetHeader) {
            done += 1
            if header.lines >= Self.readAheadLinesMin || done % Self.progressSheets == 0 || done == headers.count {
                progress?.note("statements: \(done) of \(headers.count) sheets read (last \(header.sheetID), \(StatementHTML.grouped(Int(header.lines))) lines)")
            }
        }
        for header in small.prefix(small.count / 2) {
            try write(db, header: header, folder: StatementFiles.folder(header, reportsDir))
            note(header)
        }
        for header in large {
            try write(db, header: header, folder: StatementFiles.folder(header, reportsDir), forward: ahead.removeValue(forKey: header.key))
            note(header)
        }
        for header in small.dropFirst(small.count / 2) {
            try write(db, header: header, folder: StatementFiles.folder(header, reportsDir))
            note(header)
        }
    }

    /// Reads the lines of the closed sheet `header` and queues its statement for `folder`.
    /// With `expectedSHA256` (a sheet closed earlier) the lines must hash to it: a closed
    /// sheet never changes. `forward`: its forward lines, read ahead.
    func write(_ db: Database, header: SheetHeader, folder: String, expectedSHA256: String? = nil,
               forward: Handoff<StatementLine, any Error>? = nil) throws {
        AtomicFile.removeLeftovers(in: folder)
        let totals = try StatementFiles.totals(db, sheetKey: header.key)
        let job = try SheetStatementJob(header: header, config: config, folder: folder, totals: totals,
                                        notes: try LineNotes.read(db, header: header, totals: totals),
                                        expectedSHA256: expectedSHA256, lineSheetRowsMax: lineSheetRowsMax,
                                        htmlLinesMax: htmlLinesMax, compressor: compressors[jobs.count % compressors.count])
        job.linesWorker = linesWorkers[jobs.count % linesWorkers.count]
        job.workbookWorker = workbookWorkers[jobs.count % workbookWorkers.count]
        jobs.append(job)
        pending.enter()
        pending.enter()
        var batch: [StatementLine] = []
        batch.reserveCapacity(Self.batchLines)
        try StatementLines.each(db, sheetKey: header.key, forward: forward) { line in
            batch.append(line)
            if batch.count == Self.batchLines {
                hand(batch, to: job)
                batch.removeAll(keepingCapacity: true)
            }
        }
        hand(batch, to: job)
        job.linesWorker.async { [self] in
            job.finishLines()
            job.workbookWorker.async { [self] in
                job.finishWorkbook()
                pending.leave()
            }
            pending.leave()
        }
    }

    private func hand(_ batch: [StatementLine], to job: SheetStatementJob) {
        guard !batch.isEmpty else { return }
        job.linesWorker.async { job.appendLines(batch) }
        job.workbookWorker.async { job.appendWorkbookRows(batch) }
    }

    /// Waits for every statement queued; returns them sealed, or throws the first failure
    /// (and drops every file written).
    func finish() throws -> [PreparedStatement] {
        pending.wait()
        let outcomes = jobs.map(\.outcome)
        jobs = []
        if let failure = outcomes.lazy.compactMap({ $0.failure }).first {
            for case .success(let statement) in outcomes { statement.abandon() }
            throw failure
        }
        return outcomes.compactMap { if case .success(let statement) = $0 { return statement } else { return nil } }
    }

    /// Waits for every statement queued and drops all their files (the command failed).
    func abandon() {
        pending.wait()
        for job in jobs { if case .success(let statement) = job.outcome { statement.abandon() } }
        jobs = []
    }

    /// One sheet's statement, written now on this thread.
    static func write(_ db: Database, header: SheetHeader, config: MallConfig, folder: String,
                      expectedSHA256: String? = nil) throws -> PreparedStatement {
        let statements = ClosingStatements(config: config)
        try statements.write(db, header: header, folder: folder, expectedSHA256: expectedSHA256)
        guard let statement = try statements.finish().first else { preconditionFailure("one statement written") }
        return statement
    }

    /// The SHA-256 (hex) of the sheet's lines.csv, without writing it.
    static func linesSHA256(_ db: Database, sheetKey: Int64, sheetID: String, supplierID: String) throws -> String {
        var csv = LinesCSV(sheetID: sheetID, supplierID: supplierID)
        try StatementLines.each(db, sheetKey: sheetKey) { line in
            csv.append(line)
            if csv.bytes.count >= csvChunkBytes { csv.hashAndClear() }
        }
        csv.hashAndClear()
        return csv.sha.finalizeHex()
    }
}

private enum JobOutcome {
    case success(PreparedStatement)
    case failure(any Error)
    case unfinished

    var failure: (any Error)? { if case .failure(let error) = self { return error } else { return nil } }
}

/// lines.csv as it is made: its bytes since the last hand-off and its running hash.
private struct LinesCSV {
    let sheetID: String
    let supplierID: String
    var bytes: [UInt8] = []
    var sha = SHA256()
    private var postingDate = (day: Int.min, text: "")

    init(sheetID: String, supplierID: String) {
        self.sheetID = sheetID
        self.supplierID = supplierID
        CSVEncoder.appendRow(FeeLineExport.header.map { .text($0) }, to: &bytes)
    }

    /// The posting date's text, made once per day.
    mutating func date(_ day: Int) -> String {
        if day != postingDate.day { postingDate = (day, Day(ordinal: day).description) }
        return postingDate.text
    }

    mutating func append(_ line: StatementLine) {
        line.appendCSV(sheetID: sheetID, supplierID: supplierID, postingDate: date(line.postingDay), to: &bytes)
    }

    mutating func hashAndClear() {
        sha.update(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

/// One sheet's statement files. `appendLines` and `finishLines` run on the lines worker,
/// `appendWorkbookRows` and `finishWorkbook` on the workbook worker, each in order; the
/// workbook is finished after the lines (it shows their hash).
private final class SheetStatementJob: @unchecked Sendable {
    let header: SheetHeader
    let config: MallConfig
    let folder: String
    let totals: [StatementTotal]
    let expectedSHA256: String?
    let linesPerSheet: Int
    let htmlLinesMax: Int
    let notes: LineNotes
    /// The workers its lines and its workbook are written on.
    var linesWorker: SerialWorker!
    var workbookWorker: SerialWorker!

    // The lines worker's.
    private var csv: LinesCSV
    private let csvFile: AtomicFileWriter
    /// The HTML pages' rows, one per language of `StatementFiles.locales`.
    private var htmlRows = StatementFiles.locales.map { _ in StatementLineRows() }
    private var linesSeen = 0
    private var lineFiles: [AtomicFileWriter] = []
    private var linesFailure: (any Error)?
    private var sha: String?

    // The workbook worker's.
    private let book: XLSXFileWriter
    private let lineSheetNames: [String]
    private var lineSheetsBegun = 0
    private var rowsWritten = 0
    /// The last original period seen and its day (late lines of a sheet share a few).
    private var bookOriginal = (text: "", day: 0)
    /// Sums of the amounts written: on the open line sheet, on all of them.
    private var sheetSum: Int64 = 0
    private var bookSum: Int64 = 0
    private var workbookFailure: (any Error)?

    private(set) var outcome: JobOutcome = .unfinished

    init(header: SheetHeader, config: MallConfig, folder: String, totals: [StatementTotal], notes: LineNotes,
         expectedSHA256: String?, lineSheetRowsMax: Int, htmlLinesMax: Int, compressor: SerialWorker) throws {
        self.htmlLinesMax = htmlLinesMax
        self.notes = notes
        self.header = header
        self.config = config
        self.folder = folder
        self.totals = totals
        self.expectedSHA256 = expectedSHA256
        let linesPerSheet = lineSheetRowsMax - ClosingStatements.lineSheetOtherRowsMax
        self.linesPerSheet = linesPerSheet
        csv = LinesCSV(sheetID: header.sheetID, supplierID: header.supplierID)
        csvFile = try AtomicFileWriter(path: "\(folder)/lines.csv")
        do {
            let sheets = max(1, (Int(header.lines) + linesPerSheet - 1) / linesPerSheet)
            lineSheetNames = (1 ... sheets).map { $0 == 1 ? "Lines" : "Lines (\($0))" }
            var filters: [String: XLSXRange] = [:]
            for (index, name) in lineSheetNames.enumerated() {
                let lines = min(linesPerSheet, Int(header.lines) - index * linesPerSheet)
                filters[name] = XLSXRange(columnCount: FeeLineExport.header.count, rowCount: 1 + max(0, lines))
            }
            book = try XLSXFileWriter(path: "\(folder)/statement.xlsx", sheetNames: ["Summary"] + lineSheetNames, fast: true,
                                      autoFilters: filters, compressor: compressor)
        } catch {
            csvFile.abandon()
            throw error
        }
    }

    // MARK: lines.csv, its hash, summary.csv and the HTML pages

    func appendLines(_ batch: [StatementLine]) {
        guard linesFailure == nil else { return }
        do {
            linesSeen += batch.count
            guard linesSeen <= Int(header.lines) else { throw countMismatch(seen: linesSeen) }
            for line in batch {
                csv.append(line)
                if htmlRows[0].count < htmlLinesMax { appendHTMLRows(line) }
            }
            if csv.bytes.count >= ClosingStatements.csvChunkBytes { try flushCSV() }
        } catch {
            linesFailure = error
        }
    }

    private func flushCSV() throws {
        try csvFile.write(csv.bytes)
        csv.hashAndClear()
    }

    private func appendHTMLRows(_ line: StatementLine) {
        let date = csv.date(line.postingDay)
        let amount = Money(fen: line.amount).description
        let note = notes.explanation(of: line, sheetID: header.sheetID)
        for (index, locale) in StatementFiles.locales.enumerated() {
            appendHTMLRow(line, date: date, amount: amount, note: note, locale: locale, to: &htmlRows[index])
        }
    }

    /// The line's row in a page: the columns of lines.csv without the sheet and the supplier
    /// (`StatementFiles.lineColumns`), source type, direction and `late` in the page's
    /// language. A line with an explanation (an adjustment, a carry-forward: lines without
    /// an order) shows it across the order, line and SKU columns it leaves empty.
    private func appendHTMLRow(_ line: StatementLine, date: String, amount: String, note: LineNotes.Explanation?,
                               locale: StatementView.Locale, to rows: inout StatementLineRows) {
        rows.beginRow()
        rows.text(date)
        rows.text(StatementHTML.sourceLabel(line.sourceType.name, locale: locale))
        rows.text(line.sourceID)
        if let note {
            rows.note(note.parts(locale), columns: 3)
        } else {
            rows.text(line.orderID)
            rows.text(line.lineNo.map { String($0) } ?? "")
            rows.sku(line.sku)
        }
        rows.text(line.code.rawValue)
        rows.text(StatementHTML.directionLabel(line.direction, locale: locale))
        rows.amount(amount)
        rows.text(StatementHTML.lateLabel(line.late, locale: locale))
        rows.text(line.originalPeriod)
        rows.endRow()
    }

    private func countMismatch(seen: Int) -> StoreError {
        StoreError(code: 0, message: "sheet \(header.sheetID): \(seen) fee lines read, its total says \(header.lines)", sql: nil)
    }

    /// Ends lines.csv, checks its hash, writes summary.csv and both HTML pages (sealed).
    func finishLines() {
        guard linesFailure == nil else { return }
        do {
            guard linesSeen == Int(header.lines) else { throw countMismatch(seen: linesSeen) }
            try flushCSV()
            try csvFile.seal()
            csv.bytes = []  // the statement waits for its workbook: it keeps no buffer meanwhile
            let sha = csv.sha.finalizeHex()
            if let expectedSHA256, expectedSHA256 != sha {
                throw StoreError(code: 0, message: "closed sheet \(header.sheetID) changed since it closed: lines.csv hash \(sha) differs from the recorded \(expectedSHA256)", sql: nil)
            }
            let summary = StatementFiles.summaryCSV(totals: totals, net: header.net, lines: header.lines,
                                                    payable: header.net, draft: false)
            lineFiles.append(try Self.sealed(summary, "\(folder)/summary.csv"))
            for (index, locale) in StatementFiles.locales.enumerated() {
                var view = StatementFiles.view(header, config: config, totals: totals, draft: false, locale: locale,
                                               lines: [], sha: sha)
                view.lineRows = htmlRows[index]
                view.linesTotal = linesSeen
                lineFiles.append(try Self.sealed(StatementHTML.renderBytes(view),
                                                 "\(folder)/\(StatementFiles.fileName(locale))"))
            }
            htmlRows = []
            self.sha = sha
        } catch {
            linesFailure = error
        }
    }

    // MARK: statement.xlsx

    func appendWorkbookRows(_ batch: [StatementLine]) {
        guard workbookFailure == nil else { return }
        do {
            for line in batch {
                guard rowsWritten < Int(header.lines) else { throw countMismatch(seen: rowsWritten + 1) }
                if rowsWritten % linesPerSheet == 0 {
                    if rowsWritten > 0 { try endLineSheet() }
                    try beginLineSheet()
                }
                rowsWritten += 1
                sheetSum += line.amount
                let original = line.originalPeriod.isEmpty ? nil : try originalDay(line.originalPeriod)
                try book.appendRow { cells in
                    try cells.text(header.sheetID)
                    try cells.text(header.supplierID)
                    cells.date(ordinal: line.postingDay)
                    try cells.text(line.sourceType.name)
                    try cells.text(line.sourceID)
                    try cells.text(line.orderID)
                    if let lineNo = line.lineNo { cells.integer(lineNo) } else { try cells.empty() }
                    try cells.text(line.sku)
                    try cells.text(line.code.rawValue)
                    try cells.text(line.direction)
                    cells.money(fen: line.amount)
                    cells.integer(line.late)
                    if let original { cells.date(ordinal: original) } else { try cells.empty() }
                }
            }
        } catch {
            workbookFailure = error
        }
    }

    /// The day of a late line's original period (`YYYY-MM-DD`), parsed once per period.
    private func originalDay(_ text: String) throws -> Int {
        if text != bookOriginal.text {
            guard let day = Day(parsing: text) else {
                throw StoreError(code: 0, message: "sheet \(header.sheetID): original period \(text) is not a date", sql: nil)
            }
            bookOriginal = (text, day.ordinal)
        }
        return bookOriginal.day
    }

    /// The lines on line sheet `index` (0-based).
    private func linesOnSheet(_ index: Int) -> Int {
        min(linesPerSheet, max(0, Int(header.lines) - index * linesPerSheet))
    }

    /// The next line sheet, `Lines`, `Lines (2)`, …, with the header row.
    private func beginLineSheet() throws {
        let index = lineSheetsBegun
        let lines = linesOnSheet(index)
        let isLastOfSeveral = lineSheetNames.count > 1 && index == lineSheetNames.count - 1
        lineSheetsBegun += 1
        sheetSum = 0
        try book.beginSheet(name: lineSheetNames[index], columnCount: FeeLineExport.header.count,
                            rowCount: 1 + lines + 2 + (isLastOfSeveral ? 1 : 0),
                            columnWidths: ClosingStatements.lineColumnWidths)
        try book.appendRow(FeeLineExport.header.map { .text($0) })
    }

    /// Ends the open line sheet: an empty row, then the sum of its lines (values, never
    /// formulas) under the amount column, and on the last of several sheets the sum of all.
    private func endLineSheet() throws {
        let index = lineSheetsBegun - 1
        let lines = linesOnSheet(index)
        bookSum += sheetSum
        try book.appendRow([])
        if lineSheetNames.count == 1 {
            try appendTotalsRow(WorkbookWords.total(lines: lines), sheetSum)
        } else {
            try appendTotalsRow(WorkbookWords.sheetTotal(lines: lines), sheetSum)
            if index == lineSheetNames.count - 1 {
                try appendTotalsRow(WorkbookWords.allSheetsTotal(lines: Int(header.lines)), bookSum)
            }
        }
        try book.endSheet()
    }

    private func appendTotalsRow(_ label: String, _ amount: Int64) throws {
        try book.appendRow { cells in
            try cells.boldText(label)
            for _ in 1 ..< FeeLineExport.amountColumn { try cells.empty() }
            cells.boldMoney(fen: amount)
        }
    }

    /// Ends the workbook with its summary sheet first, then records the outcome.
    func finishWorkbook() {
        var workbook: AtomicFileWriter?
        if workbookFailure == nil, linesFailure == nil, let sha {
            do {
                guard rowsWritten == Int(header.lines) else { throw countMismatch(seen: rowsWritten) }
                if rowsWritten == 0 { try beginLineSheet() }
                try endLineSheet()
                guard bookSum == header.net else {
                    throw StoreError(code: 0, message: "sheet \(header.sheetID): its lines sum to \(Money(fen: bookSum)), its net is \(Money(fen: header.net))", sql: nil)
                }
                try book.add(summarySheet(sha: sha))
                workbook = try book.finish()
            } catch {
                workbookFailure = error
            }
        }
        if let failure = linesFailure ?? workbookFailure {
            book.abandon()
            csvFile.abandon()
            for file in lineFiles { file.abandon() }
            outcome = .failure(failure)
        } else if let workbook, let sha {
            outcome = .success(PreparedStatement(sheetKey: header.key, sheetID: header.sheetID, linesSHA256: sha,
                                                 files: [csvFile, workbook] + lineFiles))
        }
    }

    /// The workbook's first sheet, in English and Chinese (it goes with both pages): the
    /// sheet's facts, then a table of its totals by fee (label, code, lines, amount), then
    /// NET and PAYABLE in bold.
    private func summarySheet(sha: String) -> XLSXSheet {
        let name = config.supplierByID[header.supplierID]?.name ?? header.supplierID
        var rows: [[XLSXCell]] = [
            [.text(WorkbookWords.title)],
            [],
            [.text(WorkbookWords.sheet), .text(header.sheetID)],
            [.text(WorkbookWords.supplier), .text("\(header.supplierID) — \(name)")],
            [.text(WorkbookWords.entity), .text(header.entity)],
            [.text(WorkbookWords.currency), .text(header.currency)],
            [.text(WorkbookWords.period), .text("\(header.periodStart) – \(header.periodEnd)")],
            [.text(WorkbookWords.status), .text(WorkbookWords.both { StatementHTML.statusLabel(header.status, locale: $0) })],
            [.text(WorkbookWords.closedOn), .text(header.closedAt ?? "")],
            [.text(WorkbookWords.linesHash), .text(sha)],
        ]
        if lineSheetNames.count > 1 {
            rows.append([.text(WorkbookWords.lineSheets), .text("\(lineSheetNames.count): \(lineSheetNames.joined(separator: ", "))")])
        }
        rows.append([])
        var bold: Set<Int> = [0, rows.count]
        rows.append([.text(WorkbookWords.fee), .text(WorkbookWords.code), .text(WorkbookWords.lineCount),
                     .text(WorkbookWords.amount(header.currency))])
        for total in totals {
            rows.append([.text(WorkbookWords.both { StatementHTML.feeLabel(total.feeCode, locale: $0) }), .text(total.feeCode),
                         .number(String(total.lines)), .number(total.amount)])
        }
        bold.insert(rows.count)
        rows.append([.text(WorkbookWords.net), .text("NET"), .number(String(header.lines)), .number(Money(fen: header.net).description)])
        bold.insert(rows.count)
        rows.append([.text(WorkbookWords.payable), .text("PAYABLE"), .empty, .number(Money(fen: header.net).description)])
        return XLSXSheet(name: "Summary", rows: rows, columnWidths: [36, 44, 10, 18], boldFirstRow: false, boldRows: bold)
    }

    private static func sealed(_ bytes: [UInt8], _ path: String) throws -> AtomicFileWriter {
        let file = try AtomicFileWriter(path: path)
        do {
            try file.write(bytes)
            try file.seal()
        } catch {
            file.abandon()
            throw error
        }
        return file
    }
}

extension StatementLine {
    /// This line's lines.csv row, exactly as `CSVEncoder.appendRow` writes the export's cells.
    func appendCSV(sheetID: String, supplierID: String, postingDate: String, to chunk: inout [UInt8]) {
        let comma = UInt8(ascii: ",")
        func text(_ value: String) {
            CSVEncoder.appendText(value, to: &chunk)
            chunk.append(comma)
        }
        text(sheetID)
        text(supplierID)
        text(postingDate)
        text(sourceType.name)
        text(sourceID)
        text(orderID)
        if let lineNo { CSVEncoder.appendInteger(lineNo, to: &chunk) }
        chunk.append(comma)
        text(sku)
        text(code.rawValue)
        text(direction)
        CSVEncoder.appendMoney(Money(fen: amount), to: &chunk)
        chunk.append(comma)
        CSVEncoder.appendInteger(late, to: &chunk)
        chunk.append(comma)
        CSVEncoder.appendText(originalPeriod, to: &chunk)
        chunk.append(UInt8(ascii: "\n"))
    }
}

/// The workbook's words. One workbook goes with both pages (statement.html and
/// statement.zh-CN.html), so its labels are in both languages, English first: writing a
/// workbook per language would double the close's largest file. The line sheets' header
/// keeps the column names of lines.csv (SPEC §5), so that the sheet and the file match
/// column for column.
enum WorkbookWords {
    /// `English / 中文` from one label function.
    static func both(_ label: (StatementView.Locale) -> String) -> String {
        let english = label(.en), chinese = label(.zhCN)
        return english == chinese ? english : "\(english) / \(chinese)"
    }

    static let title = "Supplier statement / 供应商对账单"
    static let sheet = "Sheet / 结算单"
    static let supplier = "Supplier / 供应商"
    static let entity = "Entity / 结算主体"
    static let currency = "Currency / 币种"
    static let period = "Period / 结算周期"
    static let status = "Status / 状态"
    static let closedOn = "Closed on / 关账日期"
    static let linesHash = "SHA-256 of lines.csv / 计费明细的 SHA-256"
    static let lineSheets = "Line sheets / 明细工作表"
    static let fee = "Fee / 费用项目"
    static let code = "Code / 代码"
    static let lineCount = "Lines / 笔数"
    static func amount(_ currency: String) -> String { "Amount (\(currency)) / 金额" }
    static let net = "Net / 净额"
    static let payable = "Payable / 应付金额"

    /// The totals row under the lines of a statement on one line sheet.
    static func total(lines: Int) -> String {
        let count = StatementHTML.grouped(lines)
        return "Total of \(count) line\(lines == 1 ? "" : "s") / 合计 \(count) 笔"
    }

    /// The totals row under the lines of one of several line sheets.
    static func sheetTotal(lines: Int) -> String {
        let count = StatementHTML.grouped(lines)
        return "Total of this sheet's \(count) line\(lines == 1 ? "" : "s") / 本表合计 \(count) 笔"
    }

    /// The last line sheet's second totals row: every line of the statement.
    static func allSheetsTotal(lines: Int) -> String {
        let count = StatementHTML.grouped(lines)
        return "Total of all \(count) lines on all line sheets / 全部明细合计 \(count) 笔"
    }
}
