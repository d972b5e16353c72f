// XLSX workbooks (SPEC §10, `statement.xlsx`): Office Open XML SpreadsheetML written by hand
// into our own zip container (XLSXZip.swift). Text goes in as inline strings, numbers as
// numeric cells carrying the exact decimal text we were given — no binary floating point
// ever sees an amount on our side — shown as `#,##0.00`; dates (`XLSXRowWriter.date`) as
// day serials shown `yyyy-mm-dd`, which a spreadsheet program sorts and filters as dates.
// The same sheets always give the same bytes.

/// One spreadsheet cell.
public enum XLSXCell: Sendable, Equatable {
    /// Text, stored as an inline string. Never a formula: a text starting with `=` stays text,
    /// so XLSX needs no `'` neutralisation (unlike CSV).
    case text(String)
    /// A plain decimal (`-15.60`, `3`): `-`? digits, optionally `.` and digits. Written as a
    /// numeric cell with exactly this text. With a fraction part it is shown as money,
    /// `#,##0.00` (`1,234.50`); without one, as an integer.
    case number(String)
    /// No cell at all.
    case empty
}

/// One worksheet.
public struct XLSXSheet: Sendable, Equatable {
    /// The tab name: 1–31 characters, none of `[ ] : * ? / \`, not starting or ending with
    /// `'`, unique in the workbook (case-insensitively). `safeName(_:)` makes one.
    public var name: String
    /// Rows of cells, from A1.
    public var rows: [[XLSXCell]]
    /// Column widths in characters, from column A; `nil` sizes columns from their content.
    public var columnWidths: [Int]?
    /// Treats the first row as a header: bold, and frozen so it stays visible when scrolling.
    public var boldFirstRow: Bool
    /// Further rows shown bold (0-based indexes into `rows`), e.g. a table's header or its
    /// totals further down the sheet.
    public var boldRows: Set<Int>

    public init(name: String, rows: [[XLSXCell]], columnWidths: [Int]? = nil, boldFirstRow: Bool = true,
                boldRows: Set<Int> = []) {
        self.name = name
        self.rows = rows
        self.columnWidths = columnWidths
        self.boldFirstRow = boldFirstRow
        self.boldRows = boldRows
    }

    /// The longest sheet name a spreadsheet program accepts, in UTF-16 code units.
    public static let nameLengthMax = 31

    /// A valid sheet name made from `raw`: forbidden characters become `_`, edge
    /// apostrophes go, the name is cut to `nameLengthMax`; an empty result is `Sheet`.
    public static func safeName(_ raw: String) -> String {
        var name = ""
        for character in raw {
            let replacement: Character = isForbiddenInName(character) ? "_" : character
            guard name.utf16.count + String(replacement).utf16.count <= nameLengthMax else { break }
            name.append(replacement)
        }
        while name.hasPrefix("'") { name.removeFirst() }
        while name.hasSuffix("'") { name.removeLast() }
        if name.isEmpty || name.lowercased() == "history" { return "Sheet" }
        return name
    }

    fileprivate static func isForbiddenInName(_ character: Character) -> Bool {
        if "[]:*?/\\".contains(character) { return true }
        return character.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0xFFFE || $0.value == 0xFFFF }
    }
}

/// A block of cells from A1: `columnCount` columns by `rowCount` rows (an autofilter's
/// range: the header row and the rows it filters).
public struct XLSXRange: Sendable, Equatable {
    public var columnCount: Int
    public var rowCount: Int

    public init(columnCount: Int, rowCount: Int) {
        precondition(columnCount >= 1 && rowCount >= 1, "XLSXRange: at least one cell")
        self.columnCount = columnCount
        self.rowCount = rowCount
    }

    /// `A1:M89`.
    public var reference: String { "A1:\(SheetXML.columnName(columnCount - 1))\(rowCount)" }
    /// `$A$1:$M$89`.
    public var absoluteReference: String { "$A$1:$\(SheetXML.columnName(columnCount - 1))$\(rowCount)" }
}

/// Why a workbook could not be written.
public enum XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSheets
    case invalidSheetName(String, reason: String)
    case duplicateSheetName(String)
    case tooManyRows(sheet: String, rows: Int)
    case tooManyColumns(sheet: String, columns: Int)
    /// A `.number` cell whose text is not a plain decimal.
    case invalidNumber(sheet: String, cell: String, text: String)
    /// A text cell longer than a spreadsheet cell can hold.
    case textTooLong(sheet: String, cell: String, length: Int)
    /// The archive or one of its entries would pass 4 GiB (zip64 is not written).
    case archiveTooLarge(entry: String)
    /// zlib reported an error.
    case compression(code: Int32)

    public var description: String {
        switch self {
        case .noSheets: return "xlsx: a workbook needs at least one sheet"
        case .invalidSheetName(let name, let reason): return "xlsx: invalid sheet name \"\(name)\": \(reason)"
        case .duplicateSheetName(let name): return "xlsx: duplicate sheet name \"\(name)\""
        case .tooManyRows(let sheet, let rows):
            return "xlsx: sheet \"\(sheet)\" has \(rows) rows, more than \(XLSXWriter.rowsMax)"
        case .tooManyColumns(let sheet, let columns):
            return "xlsx: sheet \"\(sheet)\" has \(columns) columns, more than \(XLSXWriter.columnsMax)"
        case .invalidNumber(let sheet, let cell, let text):
            return "xlsx: sheet \"\(sheet)\" cell \(cell): \"\(text)\" is not a plain decimal"
        case .textTooLong(let sheet, let cell, let length):
            return "xlsx: sheet \"\(sheet)\" cell \(cell): text of \(length) characters, more than \(XLSXWriter.textLengthMax)"
        case .archiveTooLarge(let entry): return "xlsx: \(entry) would pass the 4 GiB zip limit"
        case .compression(let code): return "xlsx: zlib error \(code)"
        }
    }
}

/// Writes `.xlsx` workbooks.
public enum XLSXWriter {
    /// Spreadsheet limits (Excel's), checked before writing.
    public static let rowsMax = 1_048_576
    public static let columnsMax = 16_384
    /// Characters (UTF-16 code units) in one text cell.
    public static let textLengthMax = 32_767
    /// Rows looked at when sizing columns from their content.
    static let autoWidthRowsMax = 1_000
    static let autoWidthMax = 60
    static let autoWidthMin = 6
    /// Sheet XML is deflated in chunks of about this size.
    static let xmlChunkBytes = 256 * 1024

    /// The whole workbook as bytes.
    public static func workbook(_ sheets: [XLSXSheet]) throws -> [UInt8] {
        try validate(sheets)
        var zip = ZipArchive(sink: MemoryZipSink())
        try addPackageParts(sheetNames: sheets.map(\.name), to: &zip)
        for (index, sheet) in sheets.enumerated() {
            try add(sheet, number: index + 1, selected: index == 0, to: &zip)
        }
        try zip.finish()
        return zip.sink.bytes
    }

    /// Writes the workbook to `path` atomically.
    public static func write(_ sheets: [XLSXSheet], to path: String) throws {
        try AtomicFile.write(workbook(sheets), to: path)
    }

    /// The parts every workbook has, before its worksheets. `autoFilters`: the range of each
    /// sheet's autofilter, by sheet name (named in the workbook as spreadsheet programs do).
    static func addPackageParts<Sink>(sheetNames: [String], autoFilters: [String: XLSXRange] = [:],
                                      to zip: inout ZipArchive<Sink>) throws {
        try zip.add(name: "[Content_Types].xml", data: Array(contentTypes(sheetCount: sheetNames.count).utf8))
        try zip.add(name: "_rels/.rels", data: Array(rootRelationships.utf8))
        try zip.add(name: "docProps/core.xml", data: Array(coreProperties.utf8))
        try zip.add(name: "docProps/app.xml", data: Array(appProperties.utf8))
        try zip.add(name: "xl/workbook.xml", data: Array(workbookXML(sheetNames, autoFilters: autoFilters).utf8))
        try zip.add(name: "xl/_rels/workbook.xml.rels", data: Array(workbookRelationships(sheetCount: sheetNames.count).utf8))
        try zip.add(name: "xl/styles.xml", data: Array(styles.utf8))
    }

    /// One whole worksheet as entry `xl/worksheets/sheet{number}.xml` (at `level`, or the
    /// archive's own).
    static func add<Sink>(_ sheet: XLSXSheet, number: Int, selected: Bool, to zip: inout ZipArchive<Sink>,
                          level: Int32? = nil) throws {
        let columnCount = sheet.rows.reduce(0) { max($0, $1.count) }
        try zip.beginEntry(name: "xl/worksheets/sheet\(number).xml", level: level)
        var xml = SheetXML(name: sheet.name, columnCount: columnCount, rowCount: sheet.rows.count,
                           widths: SheetXML.widths(sheet, columnCount: columnCount),
                           header: sheet.boldFirstRow && !sheet.rows.isEmpty, selected: selected)
        for (index, row) in sheet.rows.enumerated() {
            try xml.append(row, bold: sheet.boldRows.contains(index))
            if xml.isChunkFull { try xml.takeChunk().withUnsafeBytes { try zip.append($0) } }
        }
        xml.finish()
        try xml.takeChunk().withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
    }

    // MARK: Validation

    static func validate(_ sheets: [XLSXSheet]) throws {
        guard !sheets.isEmpty else { throw XLSXError.noSheets }
        var seen: Set<String> = []
        for sheet in sheets {
            try validateName(sheet.name)
            guard seen.insert(sheet.name.lowercased()).inserted else { throw XLSXError.duplicateSheetName(sheet.name) }
            guard sheet.rows.count <= rowsMax else { throw XLSXError.tooManyRows(sheet: sheet.name, rows: sheet.rows.count) }
            let columns = sheet.rows.reduce(0) { max($0, $1.count) }
            guard columns <= columnsMax else { throw XLSXError.tooManyColumns(sheet: sheet.name, columns: columns) }
        }
    }

    static func validateName(_ name: String) throws {
        func invalid(_ reason: String) -> XLSXError { .invalidSheetName(name, reason: reason) }
        guard !name.isEmpty else { throw invalid("empty") }
        guard name.utf16.count <= XLSXSheet.nameLengthMax else { throw invalid("longer than 31 characters") }
        guard !name.contains(where: XLSXSheet.isForbiddenInName) else {
            throw invalid("contains one of [ ] : * ? / \\ or a control character")
        }
        guard !name.hasPrefix("'"), !name.hasSuffix("'") else { throw invalid("starts or ends with '") }
        guard name.lowercased() != "history" else { throw invalid("reserved") }
    }

    // MARK: Package parts

    static let xmlDeclaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    private static let mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    private static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    private static let packageRelationships = "http://schemas.openxmlformats.org/package/2006/relationships"

    private static func contentTypes(sheetCount: Int) -> String {
        var xml = xmlDeclaration
        xml += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        xml += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        xml += #"<Default Extension="xml" ContentType="application/xml"/>"#
        xml += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for index in 1 ... sheetCount {
            xml += #"<Override PartName="/xl/worksheets/sheet\#(index).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        xml += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        xml += #"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
        xml += #"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        xml += "</Types>"
        return xml
    }

    private static let rootRelationships = xmlDeclaration
        + #"<Relationships xmlns="\#(packageRelationships)">"#
        + #"<Relationship Id="rId1" Type="\#(relationshipNamespace)/officeDocument" Target="xl/workbook.xml"/>"#
        + #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#
        + #"<Relationship Id="rId3" Type="\#(relationshipNamespace)/extended-properties" Target="docProps/app.xml"/>"#
        + "</Relationships>"

    /// No dates: a creation time would make every run's bytes differ.
    private static let coreProperties = xmlDeclaration
        + #"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#
        + #"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#
        + #"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>MallSettle</dc:creator></cp:coreProperties>"#

    private static let appProperties = xmlDeclaration
        + #"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">"#
        + "<Application>MallSettle</Application></Properties>"

    private static func workbookXML(_ names: [String], autoFilters: [String: XLSXRange]) -> String {
        var xml = xmlDeclaration
        xml += #"<workbook xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipNamespace)">"#
        xml += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, name) in names.enumerated() {
            xml += #"<sheet name="\#(xmlEscaped(name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        xml += "</sheets>"
        let filtered = names.enumerated().compactMap { index, name in autoFilters[name].map { (index, name, $0) } }
        if !filtered.isEmpty {
            xml += "<definedNames>"
            for (index, name, range) in filtered {
                let quoted = "'" + name.replacingOccurrences(of: "'", with: "''") + "'"
                xml += #"<definedName name="_xlnm._FilterDatabase" localSheetId="\#(index)" hidden="1">"#
                xml += "\(xmlEscaped(quoted))!\(range.absoluteReference)</definedName>"
            }
            xml += "</definedNames>"
        }
        xml += "</workbook>"
        return xml
    }

    private static func workbookRelationships(sheetCount: Int) -> String {
        var xml = xmlDeclaration + #"<Relationships xmlns="\#(packageRelationships)">"#
        for index in 1 ... sheetCount {
            xml += #"<Relationship Id="rId\#(index)" Type="\#(relationshipNamespace)/worksheet" Target="worksheets/sheet\#(index).xml"/>"#
        }
        xml += #"<Relationship Id="rId\#(sheetCount + 1)" Type="\#(relationshipNamespace)/styles" Target="styles.xml"/>"#
        xml += "</Relationships>"
        return xml
    }

    /// Cell formats, by index into `cellXfs` (`SheetXML.Style`): 0 general, 1 bold,
    /// 2 `#,##0.00`, 3 bold `#,##0.00`, 4 date `yyyy-mm-dd`. Number format 4 is the built-in
    /// `#,##0.00`; 164 is ours.
    private static let styles = xmlDeclaration
        + #"<styleSheet xmlns="\#(mainNamespace)">"#
        + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        + #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="5">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        + #"<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + "</cellXfs>"
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"

    /// Attribute-safe escaping for the few strings in package parts (sheet names).
    private static func xmlEscaped(_ text: String) -> String {
        var bytes: [UInt8] = []
        SheetXML.appendEscaped(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: - Worksheet XML


/// Writes one worksheet part row by row, deflating it into the zip entry in chunks. Bytes
/// are appended directly (no String per cell): a statement's sheet holds a million rows.
struct SheetXML {
    private let name: String
    private let letters: [[UInt8]]
    private let header: Bool
    private let autoFilter: XLSXRange?
    /// Compact cells (very large sheets): no cell references (a cell's place is its position
    /// in the row, so an empty cell is written as `<c/>`), and `xml:space` only on text
    /// that starts or ends with white space. About half the XML for the same cells.
    private let compact: Bool
    private var xml: [UInt8] = []
    private var rowIndex = 0
    private var rowNumber: [UInt8] = []
    /// The next cell's column, for rows written cell by cell.
    private var column = 0

    /// Writes the part's start: `rowCount` and `columnCount` give its dimension.
    init(name: String, columnCount: Int, rowCount: Int, widths: [Int], header: Bool, selected: Bool,
         compact: Bool = false, autoFilter: XLSXRange? = nil) {
        self.name = name
        self.header = header
        self.autoFilter = autoFilter
        self.compact = compact
        letters = (0 ..< max(columnCount, 1)).map { Array(SheetXML.columnName($0).utf8) }
        xml.reserveCapacity(XLSXWriter.xmlChunkBytes + 4096)
        put(XLSXWriter.xmlDeclaration)
        put(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#)
        put(#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#)
        let lastCell = rowCount == 0 || columnCount == 0 ? "A1" : "A1:\(SheetXML.columnName(columnCount - 1))\(rowCount)"
        put(#"<dimension ref="\#(lastCell)"/>"#)
        put(#"<sheetViews><sheetView workbookViewId="0"\#(selected ? #" tabSelected="1""# : "")>"#)
        if header {
            put(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#)
            put(#"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>"#)
        }
        put(#"</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>"#)
        putColumns(widths)
        put("<sheetData>")
    }

    /// Appends the next row (an all-empty row is counted but not written); `bold`, or the
    /// header row, in bold.
    mutating func append(_ row: [XLSXCell], bold: Bool = false) throws {
        rowIndex += 1
        guard row.contains(where: { $0 != .empty }) else { return }
        setRowNumber(rowIndex)
        let bold = bold || (header && rowIndex == 1)
        put(#"<row r=""#)
        xml.append(contentsOf: rowNumber)
        put(#"">"#)
        for (columnIndex, cell) in row.enumerated() {
            try appendCell(cell, column: columnIndex, bold: bold)
        }
        put("</row>")
    }

    // MARK: Cells one by one (XLSXRowWriter), without a cell array per row

    /// Starts the next row; its cells follow, then `endRow`.
    mutating func beginRow() {
        rowIndex += 1
        column = 0
        setRowNumber(rowIndex)
        put(#"<row r=""#)
        xml.append(contentsOf: rowNumber)
        put(#"">"#)
    }

    mutating func endRow() {
        put("</row>")
    }

    /// The next cell: text (bold in the header row, or when asked).
    mutating func appendText(_ text: String, bold: Bool = false) throws {
        try appendTextCell(text, column: column, bold: bold || (header && rowIndex == 1))
        column += 1
    }

    /// The next cell: a day (days since 1970-01-01) as a spreadsheet date, its day serial
    /// (days since 1899-12-30) shown `yyyy-mm-dd`.
    mutating func appendDate(ordinal: Int) {
        putReference(column)
        put(#" s="4"><v>"#)
        CSVEncoder.appendDecimal(Int64(ordinal + SheetXML.serialOf1970), point: false, to: &xml)
        put("</v></c>")
        column += 1
    }

    /// The day serial of 1970-01-01.
    static let serialOf1970 = 25_569

    /// The next cell: an integer.
    mutating func appendInteger(_ value: Int64) {
        putReference(column)
        put("><v>")
        CSVEncoder.appendDecimal(value, point: false, to: &xml)
        put("</v></c>")
        column += 1
    }

    /// The next cell: an amount in minor units, shown `#,##0.00` (bold when asked).
    mutating func appendMoney(fen: Int64, bold: Bool = false) {
        putReference(column)
        put(bold ? #" s="3"><v>"# : #" s="2"><v>"#)
        CSVEncoder.appendDecimal(fen, point: true, to: &xml)
        put("</v></c>")
        column += 1
    }

    /// The next cell: none.
    mutating func appendEmpty() throws {
        try appendCell(.empty, column: column, bold: false)
        column += 1
    }

    /// Enough XML gathered to hand on to the compressor.
    var isChunkFull: Bool { xml.count >= XLSXWriter.xmlChunkBytes }

    /// The XML gathered since the last call.
    mutating func takeChunk() -> [UInt8] {
        let chunk = xml
        xml = []
        xml.reserveCapacity(XLSXWriter.xmlChunkBytes + 4096)
        return chunk
    }

    /// Writes the part's end (then `takeChunk` for the rest).
    mutating func finish() {
        put("</sheetData>")
        if let autoFilter { put(#"<autoFilter ref="\#(autoFilter.reference)"/>"#) }
        put("</worksheet>")
    }

    private mutating func setRowNumber(_ number: Int) {
        rowNumber.removeAll(keepingCapacity: true)
        var value = number
        repeat {
            rowNumber.append(UInt8(48 + value % 10))
            value /= 10
        } while value > 0
        rowNumber.reverse()
    }

    private func reference(_ column: Int) -> String {
        String(decoding: letters[column] + rowNumber, as: UTF8.self)
    }

    private mutating func appendCell(_ cell: XLSXCell, column: Int, bold: Bool) throws {
        switch cell {
        case .empty:
            if compact { put("<c/>") }
            return
        case .number(let text):
            guard let hasFraction = SheetXML.plainDecimal(text) else {
                throw XLSXError.invalidNumber(sheet: name, cell: reference(column), text: text)
            }
            let style = (hasFraction ? 2 : 0) + (bold ? 1 : 0)
            putReference(column)
            if style != 0 {
                put(#" s=""#)
                xml.append(UInt8(48 + style))
                put(#"""#)
            }
            put("><v>")
            put(text)
            put("</v></c>")
        case .text(let text):
            try appendTextCell(text, column: column, bold: bold)
        }
    }

    /// A text cell (an inline string).
    private mutating func appendTextCell(_ text: String, column: Int, bold: Bool) throws {
        if text.utf8.count > XLSXWriter.textLengthMax, text.utf16.count > XLSXWriter.textLengthMax {
            throw XLSXError.textTooLong(sheet: name, cell: reference(column), length: text.utf16.count)
        }
        if compact && text.isEmpty {
            put("<c/>")
            return
        }
        putReference(column)
        if bold { put(#" s="1""#) }
        put(!compact || SheetXML.hasEdgeSpace(text) ? #" t="inlineStr"><is><t xml:space="preserve">"# : #" t="inlineStr"><is><t>"#)
        SheetXML.appendEscaped(text, to: &xml)
        put("</t></is></c>")
    }

    private mutating func putReference(_ column: Int) {
        guard !compact else {
            put("<c")
            return
        }
        put(#"<c r=""#)
        xml.append(contentsOf: letters[column])
        xml.append(contentsOf: rowNumber)
        put(#"""#)
    }

    /// Text a reader would trim unless told to keep its spaces.
    private static func hasEdgeSpace(_ text: String) -> Bool {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        return withUTF8Bytes(text) { bytes in
            guard let first = bytes.first, let last = bytes.last else { return false }
            return isSpace(first) || isSpace(last)
        }
    }

    /// `true`/`false` for a plain decimal with/without a fraction part; `nil` if not one.
    static func plainDecimal(_ text: String) -> Bool? {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let whole = bytes.prefix(while: isDigit)
        guard !whole.isEmpty else { return nil }
        let rest = bytes.dropFirst(whole.count)
        if rest.isEmpty { return false }
        guard rest.first == UInt8(ascii: "."), rest.count > 1, rest.dropFirst().allSatisfy(isDigit) else { return nil }
        return true
    }

    /// XML 1.0 text/attribute escaping: `& < > "` as entities, CR as `&#13;` (a parser would
    /// turn a raw CR into LF), characters XML 1.0 forbids dropped, and a literal `_xHHHH_`
    /// protected as `_x005F_xHHHH_` because spreadsheet programs decode that pattern.
    static func appendEscaped(_ text: String, to xml: inout [UInt8]) {
        withUTF8Bytes(text) { bytes in
            // Most cells (ids, dates, codes) need nothing: copied at once.
            if !bytes.contains(where: needsEscaping) {
                xml.append(contentsOf: bytes)
                return
            }
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "&"): put("&amp;", &xml)
                case UInt8(ascii: "<"): put("&lt;", &xml)
                case UInt8(ascii: ">"): put("&gt;", &xml)
                case UInt8(ascii: "\""): put("&quot;", &xml)
                case UInt8(ascii: "\r"): put("&#13;", &xml)
                case UInt8(ascii: "\t"), UInt8(ascii: "\n"): xml.append(byte)
                case 0 ..< 0x20: break  // control characters are not allowed in XML 1.0
                case UInt8(ascii: "_") where isEscapePattern(bytes, at: index): put("_x005F_", &xml)
                case 0xEF where index + 2 < bytes.count && bytes[index + 1] == 0xBF && bytes[index + 2] >= 0xBE:
                    index += 2  // U+FFFE, U+FFFF: not characters in XML 1.0
                default: xml.append(byte)
                }
                index += 1
            }
        }
    }

    /// Bytes `appendEscaped` changes or drops, or that may start a pattern it protects.
    @inline(__always)
    private static func needsEscaping(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "_") || byte == 0xEF
    }

    private static func isEscapePattern(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x") || bytes[index + 1] == UInt8(ascii: "X"),
              bytes[index + 6] == UInt8(ascii: "_") else { return false }
        return bytes[index + 2 ... index + 5].allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
        }
    }

    /// Widths in characters: as given, or from the content of the first rows.
    static func widths(_ sheet: XLSXSheet, columnCount: Int) -> [Int] {
        if let given = sheet.columnWidths { return given }
        var widths = [Int](repeating: XLSXWriter.autoWidthMin, count: columnCount)
        for row in sheet.rows.prefix(XLSXWriter.autoWidthRowsMax) {
            for (column, cell) in row.enumerated() {
                let text: String
                switch cell {
                case .empty: continue
                case .text(let value), .number(let value): text = value
                }
                widths[column] = max(widths[column], min(displayWidth(text) + 2, XLSXWriter.autoWidthMax))
            }
        }
        return widths
    }

    /// East Asian wide characters take two columns.
    private static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { width, scalar in
            let wide = (0x1100 ... 0x115F).contains(scalar.value) || (0x2E80 ... 0xA4CF).contains(scalar.value)
                || (0xAC00 ... 0xD7A3).contains(scalar.value) || (0xF900 ... 0xFAFF).contains(scalar.value)
                || (0xFE30 ... 0xFE4F).contains(scalar.value) || (0xFF00 ... 0xFF60).contains(scalar.value)
                || (0xFFE0 ... 0xFFE6).contains(scalar.value) || (0x20000 ... 0x3FFFD).contains(scalar.value)
            return width + (wide ? 2 : 1)
        }
    }

    private mutating func putColumns(_ widths: [Int]) {
        let columns = widths.enumerated().filter { $0.element > 0 }
        guard !columns.isEmpty else { return }
        put("<cols>")
        for (index, width) in columns {
            put(#"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(min(width, 255))" customWidth="1"/>"#)
        }
        put("</cols>")
    }

    /// A, B, …, Z, AA, AB, …
    static func columnName(_ index: Int) -> String {
        var name: [UInt8] = []
        var number = index + 1
        while number > 0 {
            let remainder = (number - 1) % 26
            name.insert(UInt8(ascii: "A") + UInt8(remainder), at: 0)
            number = (number - 1) / 26
        }
        return String(decoding: name, as: UTF8.self)
    }

    private mutating func put(_ text: String) {
        withUTF8Bytes(text) { xml.append(contentsOf: $0) }
    }

    private static func put(_ text: String, _ xml: inout [UInt8]) {
        xml.append(contentsOf: text.utf8)
    }
}
