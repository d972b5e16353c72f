// XLSXFileWriter: a workbook written to disk as it is made, for statements of any size.
// Its sheets are named up front (so the package parts can be written first); each is then
// given whole or streamed row by row, in any order: a summary that can only be known at the
// end may still be the workbook's first tab. A streamed sheet's XML is made on the caller's
// thread and deflated on a compressor thread (a `SerialWorker`, the writer's own or one it is
// given to share with the workbooks before and after it), a bounded number of chunks behind,
// straight into the file: memory does not grow with the rows.

import Foundation
import MallCore

/// Streams a workbook into a file.
public final class XLSXFileWriter: @unchecked Sendable {
    /// XML chunks made and not yet deflated, at most.
    public static let chunksInFlightMax = 16

    /// The workbook's final path.
    public let path: String
    private let sheetNames: [String]
    private let autoFilters: [String: XLSXRange]
    private let fast: Bool
    private let file: AtomicFileWriter
    // The compressor's: touched only on `compressor` once the parts are written.
    private var zip: XLSXWriter.ZipArchive<FileZipSink>
    private var failureSeen: (any Error)?
    private let failureLock = NSLock()
    private let compressor: SerialWorker
    // The caller's.
    private var written: Set<String> = []
    private var open: SheetXML?
    private var openRows = (declared: 0, written: 0)

    /// Starts a workbook at `path` with these sheets, in tab order. `fast` (for statements,
    /// whose line sheets run to a million rows) deflates streamed sheets at zlib's fastest
    /// level and writes their cells compactly (no cell references): the same cells in half
    /// the XML, deflated four times as fast. The same input always gives the same bytes.
    /// `autoFilters`: sheets streamed with an autofilter, by name, and its range (the header
    /// row and the rows it filters; rows after it, such as totals, stay outside it).
    /// `compressor`: the thread to deflate on (one workbook at a time on it); by default one
    /// of the writer's own.
    public init(path: String, sheetNames: [String], fast: Bool = false, autoFilters: [String: XLSXRange] = [:],
                compressor: SerialWorker? = nil) throws {
        self.compressor = compressor ?? SerialWorker(name: "xlsx-deflate", queuedMax: XLSXFileWriter.chunksInFlightMax)
        precondition(!sheetNames.isEmpty, "XLSXFileWriter: a workbook has sheets")
        var seen: Set<String> = []
        for name in sheetNames {
            try XLSXWriter.validateName(name)
            guard seen.insert(name.lowercased()).inserted else { throw XLSXError.duplicateSheetName(name) }
        }
        self.path = path
        self.sheetNames = sheetNames
        self.autoFilters = autoFilters
        self.fast = fast
        file = try AtomicFileWriter(path: path)
        zip = XLSXWriter.ZipArchive(sink: FileZipSink(file: file), level: fast ? RawDeflater.fastLevel : RawDeflater.defaultLevel)
        do {
            try XLSXWriter.addPackageParts(sheetNames: sheetNames, autoFilters: autoFilters, to: &zip)
        } catch {
            file.abandon()
            throw error
        }
    }

    private func number(of name: String) -> Int {
        guard let index = sheetNames.firstIndex(of: name) else { preconditionFailure("XLSXFileWriter: no sheet \(name)") }
        precondition(written.insert(name).inserted, "XLSXFileWriter: sheet \(name) written twice")
        return index + 1
    }

    /// Writes the sheet `sheet.name` whole.
    public func add(_ sheet: XLSXSheet) throws {
        precondition(open == nil, "XLSXFileWriter: a sheet is open")
        try XLSXWriter.validate([sheet])
        let number = number(of: sheet.name)
        let selected = number == 1
        onCompressor { zip in
            try XLSXWriter.add(sheet, number: number, selected: selected, to: &zip, level: RawDeflater.defaultLevel)
        }
    }

    /// Starts streaming the sheet `name`: exactly `rowCount` rows of at most `columnCount`
    /// cells follow through `appendRow`.
    public func beginSheet(name: String, columnCount: Int, rowCount: Int, columnWidths: [Int],
                           boldFirstRow: Bool = true) throws {
        precondition(open == nil, "XLSXFileWriter: a sheet is already open")
        guard rowCount <= XLSXWriter.rowsMax else { throw XLSXError.tooManyRows(sheet: name, rows: rowCount) }
        guard columnCount <= XLSXWriter.columnsMax else { throw XLSXError.tooManyColumns(sheet: name, columns: columnCount) }
        let number = number(of: name)
        onCompressor { zip in try zip.beginEntry(name: "xl/worksheets/sheet\(number).xml") }
        open = SheetXML(name: name, columnCount: columnCount, rowCount: rowCount, widths: columnWidths,
                        header: boldFirstRow && rowCount > 0, selected: number == 1, compact: fast,
                        autoFilter: autoFilters[name])
        openRows = (rowCount, 0)
    }

    /// Appends a row to the open sheet.
    public func appendRow(_ row: [XLSXCell]) throws {
        countRow()
        try open!.append(row)
        try handIfFull()
    }

    /// Appends a row to the open sheet, its cells written one by one by `cells`: no array of
    /// cells per row (a statement's sheet has a million rows).
    public func appendRow(_ cells: (inout XLSXRowWriter) throws -> Void) throws {
        countRow()
        var row = XLSXRowWriter(xml: open!)
        open = nil
        defer { open = row.xml }
        row.xml.beginRow()
        try cells(&row)
        row.xml.endRow()
        if row.xml.isChunkFull { try hand(row.xml.takeChunk()) }
    }

    private func countRow() {
        precondition(open != nil, "XLSXFileWriter: no open sheet")
        precondition(openRows.written < openRows.declared, "XLSXFileWriter: more rows than declared")
        openRows.written += 1
    }

    private func handIfFull() throws {
        if open!.isChunkFull { try hand(open!.takeChunk()) }
    }

    /// Ends the open sheet.
    public func endSheet() throws {
        precondition(open != nil, "XLSXFileWriter: no open sheet")
        precondition(openRows.written == openRows.declared, "XLSXFileWriter: fewer rows than declared")
        open!.finish()
        try hand(open!.takeChunk())
        open = nil
        onCompressor { zip in try zip.endEntry() }
    }

    /// The compressor's first failure, if any (read from either side).
    private var failure: (any Error)? {
        get { failureLock.withLock { failureSeen } }
        set { failureLock.withLock { if failureSeen == nil { failureSeen = newValue } } }
    }

    /// Hands XML to the compressor, waiting while it is `chunksInFlightMax` behind.
    private func hand(_ chunk: [UInt8]) throws {
        if let failure { throw failure }
        compressor.async { [self] in
            guard failure == nil else { return }
            do { try chunk.withUnsafeBytes { try zip.append($0) } } catch { failure = error }
        }
    }

    private func onCompressor(_ step: @escaping @Sendable (inout XLSXWriter.ZipArchive<FileZipSink>) throws -> Void) {
        compressor.async { [self] in
            guard failure == nil else { return }
            do { try step(&zip) } catch { failure = error }
        }
    }

    /// Ends the workbook (every sheet named must have been written) into a sealed temporary
    /// file beside `path`: the returned writer's `commit` makes it appear, `abandon` drops it.
    public func finish() throws -> AtomicFileWriter {
        precondition(open == nil, "XLSXFileWriter: a sheet is still open")
        precondition(written.count == sheetNames.count, "XLSXFileWriter: every sheet named is written")
        onCompressor { zip in try zip.finish() }
        compressor.sync()  // everything deflated and written
        do {
            if let failure { throw failure }
            try file.seal()
        } catch {
            file.abandon()
            throw error
        }
        return file
    }

    /// Drops everything written so far.
    public func abandon() {
        compressor.sync()
        file.abandon()
    }
}

/// Writes one row's cells, left to right (`XLSXFileWriter.appendRow`).
public struct XLSXRowWriter {
    var xml: SheetXML

    public mutating func text(_ text: String) throws { try xml.appendText(text) }
    /// Text in bold (a totals row's label).
    public mutating func boldText(_ text: String) throws { try xml.appendText(text, bold: true) }
    public mutating func integer(_ value: Int64) { xml.appendInteger(value) }
    /// An amount in minor units, shown `#,##0.00`.
    public mutating func money(fen: Int64) { xml.appendMoney(fen: fen) }
    /// An amount in minor units, shown `#,##0.00` in bold (a totals row's amount).
    public mutating func boldMoney(fen: Int64) { xml.appendMoney(fen: fen, bold: true) }
    /// A day (`Day.ordinal`, days since 1970-01-01) as a spreadsheet date, shown `yyyy-mm-dd`.
    public mutating func date(ordinal: Int) { xml.appendDate(ordinal: ordinal) }
    public mutating func empty() throws { try xml.appendEmpty() }
}
