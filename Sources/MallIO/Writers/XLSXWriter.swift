// XLSX workbooks (SPEC §10, `statement.xlsx`): Office Open XML SpreadsheetML written by hand
// into our own zip container (XLSXZip.swift). Text goes in as inline strings, numbers as
// numeric cells carrying the exact decimal text we were given — no binary floating point
// ever sees an amount on our side. The same sheets always give the same bytes.

/// One spreadsheet cell.
public enum XLSXCell: Sendable, Equatable {
    /// Text, stored as an inline string. Never a formula: a text starting with `=` stays text,
    /// so XLSX needs no `'` neutralisation (unlike CSV).
    case text(String)
    /// A plain decimal (`-15.60`, `3`): `-`? digits, optionally `.` and digits. Written as a
    /// numeric cell with exactly this text. With a fraction part it is shown with two
    /// decimals (money); without one, as an integer.
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

    public init(name: String, rows: [[XLSXCell]], columnWidths: [Int]? = nil, boldFirstRow: Bool = true) {
        self.name = name
        self.rows = rows
        self.columnWidths = columnWidths
        self.boldFirstRow = boldFirstRow
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
        var zip = ZipArchive()
        try zip.add(name: "[Content_Types].xml", data: Array(contentTypes(sheetCount: sheets.count).utf8))
        try zip.add(name: "_rels/.rels", data: Array(rootRelationships.utf8))
        try zip.add(name: "docProps/core.xml", data: Array(coreProperties.utf8))
        try zip.add(name: "docProps/app.xml", data: Array(appProperties.utf8))
        try zip.add(name: "xl/workbook.xml", data: Array(workbookXML(sheets).utf8))
        try zip.add(name: "xl/_rels/workbook.xml.rels", data: Array(workbookRelationships(sheetCount: sheets.count).utf8))
        try zip.add(name: "xl/styles.xml", data: Array(styles.utf8))
        for (index, sheet) in sheets.enumerated() {
            try zip.beginEntry(name: "xl/worksheets/sheet\(index + 1).xml")
            try SheetXML.write(sheet, selected: index == 0, into: &zip)
            try zip.endEntry()
        }
        return try zip.finish()
    }

    /// Writes the workbook to `path` atomically.
    public static func write(_ sheets: [XLSXSheet], to path: String) throws {
        try AtomicFile.write(workbook(sheets), to: path)
    }

    // MARK: Validation

    private static func validate(_ sheets: [XLSXSheet]) throws {
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

    private static func validateName(_ name: String) throws {
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

    private static func workbookXML(_ sheets: [XLSXSheet]) -> String {
        var xml = xmlDeclaration
        xml += #"<workbook xmlns="\#(mainNamespace)" xmlns:r="\#(relationshipNamespace)">"#
        xml += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, sheet) in sheets.enumerated() {
            xml += #"<sheet name="\#(xmlEscaped(sheet.name))" sheetId="\#(index + 1)" r:id="rId\#(index + 1)"/>"#
        }
        xml += "</sheets></workbook>"
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

    /// Cell formats, by index into `cellXfs` (see `SheetXML.style`): 0 general, 1 bold,
    /// 2 `0.00`, 3 bold `0.00`. Number format 2 is the built-in `0.00`.
    private static let styles = xmlDeclaration
        + #"<styleSheet xmlns="\#(mainNamespace)">"#
        + #"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#
        + #"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="4">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
        + #"<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="2" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>"#
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

/// Writes one worksheet part, streaming into the zip entry in chunks.
private enum SheetXML {
    static func write(_ sheet: XLSXSheet, selected: Bool, into zip: inout XLSXWriter.ZipArchive) throws {
        let columnCount = sheet.rows.reduce(0) { max($0, $1.count) }
        let letters = (0 ..< max(columnCount, 1)).map(columnName)
        let header = sheet.boldFirstRow && !sheet.rows.isEmpty

        var xml: [UInt8] = []
        xml.reserveCapacity(XLSXWriter.xmlChunkBytes + 4096)
        put(XLSXWriter.xmlDeclaration, &xml)
        put(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" "#, &xml)
        put(#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#, &xml)
        let lastCell = sheet.rows.isEmpty || columnCount == 0 ? "A1" : "A1:\(letters[columnCount - 1])\(sheet.rows.count)"
        put(#"<dimension ref="\#(lastCell)"/>"#, &xml)
        put(#"<sheetViews><sheetView workbookViewId="0"\#(selected ? #" tabSelected="1""# : "")>"#, &xml)
        if header {
            put(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#, &xml)
            put(#"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>"#, &xml)
        }
        put(#"</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>"#, &xml)
        putColumns(widths(sheet, columnCount: columnCount), &xml)
        put("<sheetData>", &xml)

        for (rowIndex, row) in sheet.rows.enumerated() where row.contains(where: { $0 != .empty }) {
            let rowNumber = String(rowIndex + 1)
            let bold = header && rowIndex == 0
            put(#"<row r="\#(rowNumber)">"#, &xml)
            for (columnIndex, cell) in row.enumerated() {
                try appendCell(cell, reference: letters[columnIndex] + rowNumber, bold: bold, sheet: sheet.name, to: &xml)
            }
            put("</row>", &xml)
            if xml.count >= XLSXWriter.xmlChunkBytes {
                try xml.withUnsafeBytes { try zip.append($0) }
                xml.removeAll(keepingCapacity: true)
            }
        }
        put("</sheetData></worksheet>", &xml)
        try xml.withUnsafeBytes { try zip.append($0) }
    }

    private static func appendCell(_ cell: XLSXCell, reference: String, bold: Bool, sheet: String,
                                   to xml: inout [UInt8]) throws {
        switch cell {
        case .empty:
            return
        case .number(let text):
            guard let hasFraction = plainDecimal(text) else {
                throw XLSXError.invalidNumber(sheet: sheet, cell: reference, text: text)
            }
            let style = (hasFraction ? 2 : 0) + (bold ? 1 : 0)
            put(#"<c r="\#(reference)""#, &xml)
            if style != 0 { put(#" s="\#(style)""#, &xml) }
            put("><v>", &xml)
            put(text, &xml)
            put("</v></c>", &xml)
        case .text(let text):
            if text.utf8.count > XLSXWriter.textLengthMax, text.utf16.count > XLSXWriter.textLengthMax {
                throw XLSXError.textTooLong(sheet: sheet, cell: reference, length: text.utf16.count)
            }
            put(#"<c r="\#(reference)""#, &xml)
            if bold { put(#" s="1""#, &xml) }
            put(#" t="inlineStr"><is><t xml:space="preserve">"#, &xml)
            appendEscaped(text, to: &xml)
            put("</t></is></c>", &xml)
        }
    }

    /// `true`/`false` for a plain decimal with/without a fraction part; `nil` if not one.
    private static func plainDecimal(_ text: String) -> Bool? {
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
        var text = text
        text.withUTF8 { bytes in
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

    private static func isEscapePattern(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index + 6 < bytes.count, bytes[index + 1] == UInt8(ascii: "x") || bytes[index + 1] == UInt8(ascii: "X"),
              bytes[index + 6] == UInt8(ascii: "_") else { return false }
        return bytes[index + 2 ... index + 5].allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
        }
    }

    /// Widths in characters: as given, or from the content of the first rows.
    private static func widths(_ sheet: XLSXSheet, columnCount: Int) -> [Int] {
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

    private static func putColumns(_ widths: [Int], _ xml: inout [UInt8]) {
        let columns = widths.enumerated().filter { $0.element > 0 }
        guard !columns.isEmpty else { return }
        put("<cols>", &xml)
        for (index, width) in columns {
            put(#"<col min="\#(index + 1)" max="\#(index + 1)" width="\#(min(width, 255))" customWidth="1"/>"#, &xml)
        }
        put("</cols>", &xml)
    }

    /// A, B, …, Z, AA, AB, …
    private static func columnName(_ index: Int) -> String {
        var name: [UInt8] = []
        var number = index + 1
        while number > 0 {
            let remainder = (number - 1) % 26
            name.insert(UInt8(ascii: "A") + UInt8(remainder), at: 0)
            number = (number - 1) / 26
        }
        return String(decoding: name, as: UTF8.self)
    }

    private static func put(_ text: String, _ xml: inout [UInt8]) {
        xml.append(contentsOf: text.utf8)
    }
}
