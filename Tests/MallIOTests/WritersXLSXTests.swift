// XLSXWriter: determinism, package parts, cell XML, and a zip that other tools accept.
// The zip is read back twice: by a small inflate written here (independent of zlib), and by
// python3's zipfile (CRC check and XML well-formedness), skipped only without python3.
import Foundation
import MallCore
import MallIO
import XCTest

final class WritersXLSXTests: XCTestCase {
    private func sampleSheets() -> [XLSXSheet] {
        [
            XLSXSheet(name: "Summary", rows: [
                [.text("fee_code"), .text("lines"), .text("amount")],
                [.text("GOODS"), .number("2"), .number("92.50")],
                [.text("COMMISSION"), .number("2"), .number("-15.60")],
                [.text("NET"), .empty, .number("95.10")],
            ], columnWidths: [18, 8, 14]),
            XLSXSheet(name: "Lines & <notes>", rows: [
                [.text("sku"), .text("note")],
                [.text("<script>alert(1)</script>"), .text("R&D \"quoted\" 'single'")],
                [.text("=SUM(A1:A2)"), .text("-15.60")],
                [.text("ctl\u{01}\u{08}x\u{FFFE}\u{FFFF}y"), .text("tab\tnew\nline\rcr")],
                [.text("_x0041_ stays"), .text("货款 佣金 🧾")],
                [],
                [.empty, .number("-0.05"), .number("1234567890123.45")],
            ]),
        ]
    }

    func testDeterministic() throws {
        let first = try XLSXWriter.workbook(sampleSheets())
        let second = try XLSXWriter.workbook(sampleSheets())
        XCTAssertEqual(first, second)
        XCTAssertEqual(Array(first.prefix(4)), [0x50, 0x4B, 0x03, 0x04])
    }

    /// The sample workbook's bytes, as the writer made them before small entries were kept
    /// deflated (`DeflatedParts`) and zlib streams reused across entries and workbooks: a
    /// statement's SHA-256 is recorded when its sheet closes, so the same workbook must keep
    /// its bytes. Made three times, so that kept entries and reused streams are used.
    func testBytesStayTheSameWhenEntriesAndStreamsAreReused() throws {
        for _ in 0 ..< 3 {
            XCTAssertEqual(SHA256.hex(of: try XLSXWriter.workbook(sampleSheets())), Self.sampleWorkbookSHA256)
        }
        let many = (1 ... 12).map { n in
            XLSXSheet(name: "Sheet \(n)", rows: [[.text("n"), .number(String(n))], [.text("twice"), .number(String(2 * n))]])
        }
        XCTAssertEqual(SHA256.hex(of: try XLSXWriter.workbook(many)), Self.manySheetsWorkbookSHA256)
    }
    private static let sampleWorkbookSHA256 = "34b5f7c26c8d4506bb35b0aeea709440e4ac3bd85a1ffdb37b18c28d80692ac4"
    private static let manySheetsWorkbookSHA256 = "1e92d7e38aa934aca20d4b94be6a73c3ac452cfd27e4764595df55f24df0a127"

    func testPartsAndCRCs() throws {
        let parts = try unzip(XLSXWriter.workbook(sampleSheets()))
        XCTAssertEqual(parts.map(\.name), [
            "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
        ])
        let text = Dictionary(uniqueKeysWithValues: parts.map { ($0.name, String(decoding: $0.data, as: UTF8.self)) })
        let types = try XCTUnwrap(text["[Content_Types].xml"])
        XCTAssertTrue(types.contains(#"<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#))
        let workbook = try XCTUnwrap(text["xl/workbook.xml"])
        XCTAssertTrue(workbook.contains(#"<sheet name="Summary" sheetId="1" r:id="rId1"/>"#))
        XCTAssertTrue(workbook.contains(#"<sheet name="Lines &amp; &lt;notes&gt;" sheetId="2" r:id="rId2"/>"#))
        let relationships = try XCTUnwrap(text["xl/_rels/workbook.xml.rels"])
        XCTAssertTrue(relationships.contains(#"Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml""#))
        XCTAssertFalse(workbook.contains("definedName"), "no autofilter asked for")
        // Money as #,##0.00 (built-in 4), plain and bold; dates as yyyy-mm-dd (ours, 164).
        let styles = try XCTUnwrap(text["xl/styles.xml"])
        XCTAssertTrue(styles.contains(#"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>"#))
        XCTAssertTrue(styles.contains(#"<cellXfs count="5">"#
            + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
            + #"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>"#
            + #"<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
            + #"<xf numFmtId="4" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyNumberFormat="1"/>"#
            + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
            + "</cellXfs>"), styles)
    }

    /// A streamed sheet with an autofilter over its header and lines, dates as day serials
    /// with the date style, a bold totals row below the filter, and bold rows of a whole sheet.
    func testStreamedSheetWithAutofilterDatesAndBoldTotals() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/writers-xlsx-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/book.xlsx"
        let book = try XLSXFileWriter(path: path, sheetNames: ["Summary", "Lines (2)"], fast: true,
                                      autoFilters: ["Lines (2)": XLSXRange(columnCount: 3, rowCount: 3)])
        try book.beginSheet(name: "Lines (2)", columnCount: 3, rowCount: 5, columnWidths: [12, 12, 12])
        try book.appendRow([.text("posting_date"), .text("sku"), .text("amount")])
        try book.appendRow { cells in
            cells.date(ordinal: Day(year: 2026, month: 11, day: 10)!.ordinal)
            try cells.text("SKU-1")
            cells.money(fen: 123_456)
        }
        try book.appendRow { cells in
            cells.date(ordinal: 0)
            try cells.empty()
            cells.money(fen: -5)
        }
        try book.appendRow([])
        try book.appendRow { cells in
            try cells.boldText("Total")
            try cells.empty()
            cells.boldMoney(fen: 123_451)
        }
        try book.endSheet()
        try book.add(XLSXSheet(name: "Summary", rows: [[.text("a")], [.text("b"), .number("1.00")]], boldFirstRow: false,
                               boldRows: [1]))
        try book.finish().commit()
        let parts = try unzip(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        func part(_ name: String) throws -> String {
            String(decoding: try XCTUnwrap(parts.first { $0.name == name }).data, as: UTF8.self)
        }
        XCTAssertTrue(try part("xl/workbook.xml").hasSuffix("</sheets><definedNames>"
            + #"<definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'Lines (2)'!$A$1:$C$3</definedName>"#
            + "</definedNames></workbook>"))
        let lines = try part("xl/worksheets/sheet2.xml")
        XCTAssertTrue(lines.hasSuffix("<sheetData>"
            + #"<row r="1"><c s="1" t="inlineStr"><is><t>posting_date</t></is></c><c s="1" t="inlineStr"><is><t>sku</t></is></c>"#
            + #"<c s="1" t="inlineStr"><is><t>amount</t></is></c></row>"#
            + #"<row r="2"><c s="4"><v>46336</v></c><c t="inlineStr"><is><t>SKU-1</t></is></c><c s="2"><v>1234.56</v></c></row>"#
            + #"<row r="3"><c s="4"><v>25569</v></c><c/><c s="2"><v>-0.05</v></c></row>"#
            + #"<row r="5"><c s="1" t="inlineStr"><is><t>Total</t></is></c><c/><c s="3"><v>1234.51</v></c></row>"#
            + #"</sheetData><autoFilter ref="A1:C3"/></worksheet>"#), lines)
        XCTAssertTrue(lines.contains(#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        let summary = try part("xl/worksheets/sheet1.xml")
        XCTAssertTrue(summary.contains(#"<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">a</t></is></c></row>"#
            + #"<row r="2"><c r="A2" s="1" t="inlineStr"><is><t xml:space="preserve">b</t></is></c><c r="B2" s="3"><v>1.00</v></c></row>"#),
            summary)
        XCTAssertFalse(summary.contains("autoFilter"))
    }

    func testSummarySheetCells() throws {
        let parts = try unzip(XLSXWriter.workbook(sampleSheets()))
        let sheet = String(decoding: try XCTUnwrap(parts.first { $0.name == "xl/worksheets/sheet1.xml" }).data, as: UTF8.self)
        let expectedData = "<sheetData>"
            + #"<row r="1"><c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">fee_code</t></is></c>"#
            + #"<c r="B1" s="1" t="inlineStr"><is><t xml:space="preserve">lines</t></is></c>"#
            + #"<c r="C1" s="1" t="inlineStr"><is><t xml:space="preserve">amount</t></is></c></row>"#
            + #"<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">GOODS</t></is></c>"#
            + #"<c r="B2"><v>2</v></c><c r="C2" s="2"><v>92.50</v></c></row>"#
            + #"<row r="3"><c r="A3" t="inlineStr"><is><t xml:space="preserve">COMMISSION</t></is></c>"#
            + #"<c r="B3"><v>2</v></c><c r="C3" s="2"><v>-15.60</v></c></row>"#
            + #"<row r="4"><c r="A4" t="inlineStr"><is><t xml:space="preserve">NET</t></is></c>"#
            + #"<c r="C4" s="2"><v>95.10</v></c></row>"#
            + "</sheetData>"
        XCTAssertTrue(sheet.contains(expectedData), sheet)
        XCTAssertTrue(sheet.contains(#"<dimension ref="A1:C4"/>"#))
        XCTAssertTrue(sheet.contains(#"<sheetView workbookViewId="0" tabSelected="1"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#))
        XCTAssertTrue(sheet.contains(#"<cols><col min="1" max="1" width="18" customWidth="1"/><col min="2" max="2" width="8" customWidth="1"/><col min="3" max="3" width="14" customWidth="1"/></cols>"#))
    }

    func testTextIsEscapedAndNeverAFormula() throws {
        let parts = try unzip(XLSXWriter.workbook(sampleSheets()))
        let sheet = String(decoding: try XCTUnwrap(parts.first { $0.name == "xl/worksheets/sheet2.xml" }).data, as: UTF8.self)
        func cell(_ reference: String, _ body: String) -> String {
            #"<c r="\#(reference)" t="inlineStr"><is><t xml:space="preserve">\#(body)</t></is></c>"#
        }
        XCTAssertTrue(sheet.contains(cell("A2", "&lt;script&gt;alert(1)&lt;/script&gt;")))
        XCTAssertTrue(sheet.contains(cell("B2", "R&amp;D &quot;quoted&quot; 'single'")))
        XCTAssertTrue(sheet.contains(cell("A3", "=SUM(A1:A2)")))
        XCTAssertTrue(sheet.contains(cell("B3", "-15.60")), "text stays text")
        XCTAssertTrue(sheet.contains(cell("A4", "ctlxy")), "characters illegal in XML 1.0 are dropped")
        XCTAssertTrue(sheet.contains(cell("B4", "tab\tnew\nline&#13;cr")))
        XCTAssertTrue(sheet.contains(cell("A5", "_x005F_x0041_ stays")))
        XCTAssertTrue(sheet.contains(cell("B5", "货款 佣金 🧾")))
        XCTAssertTrue(sheet.contains(#"<row r="7"><c r="B7" s="2"><v>-0.05</v></c><c r="C7" s="2"><v>1234567890123.45</v></c></row>"#))
        XCTAssertFalse(sheet.contains(#"<row r="6""#), "empty rows are left out")
        XCTAssertFalse(sheet.contains("<f>"))
        XCTAssertFalse(sheet.contains("tabSelected"))
        // Auto widths: sized from content, CJK counted double.
        XCTAssertTrue(sheet.contains(#"<col min="1" max="1" width="27" customWidth="1"/>"#), sheet)
    }

    func testRefusals() {
        func error(_ sheets: [XLSXSheet]) -> XLSXError? {
            do { _ = try XLSXWriter.workbook(sheets); return nil } catch { return error as? XLSXError }
        }
        XCTAssertEqual(error([]), .noSheets)
        for bad in ["", "a/b", "a[1]", "q?", "x:y", "s*", "back\\slash", "'quoted'", "History",
                    String(repeating: "x", count: 32)] {
            guard case .invalidSheetName(bad, _)? = error([XLSXSheet(name: bad, rows: [])]) else {
                return XCTFail("accepted sheet name \(bad)")
            }
        }
        XCTAssertNil(error([XLSXSheet(name: String(repeating: "x", count: 31), rows: [])]))
        XCTAssertEqual(error([XLSXSheet(name: "A", rows: []), XLSXSheet(name: "a", rows: [])]), .duplicateSheetName("a"))
        for bad in ["1e5", "12,30", " 1", "1.", ".5", "--1", "", "NaN", "1.2.3"] {
            XCTAssertEqual(error([XLSXSheet(name: "S", rows: [[.text("h")], [.empty, .number(bad)]])]),
                           .invalidNumber(sheet: "S", cell: "B2", text: bad))
        }
        let long = String(repeating: "字", count: XLSXWriter.textLengthMax + 1)
        XCTAssertEqual(error([XLSXSheet(name: "S", rows: [[.text(long)]])]),
                       .textTooLong(sheet: "S", cell: "A1", length: XLSXWriter.textLengthMax + 1))
        XCTAssertEqual(error([XLSXSheet(name: "S", rows: [Array(repeating: .empty, count: XLSXWriter.columnsMax + 1)])]),
                       .tooManyColumns(sheet: "S", columns: XLSXWriter.columnsMax + 1))
    }

    func testSafeName() {
        XCTAssertEqual(XLSXSheet.safeName("SUP-A/ENT1:CNY [2026]?"), "SUP-A_ENT1_CNY _2026__")
        XCTAssertEqual(XLSXSheet.safeName("'quoted'"), "quoted")
        XCTAssertEqual(XLSXSheet.safeName(""), "Sheet")
        XCTAssertEqual(XLSXSheet.safeName(String(repeating: "结", count: 40)), String(repeating: "结", count: 31))
        XCTAssertEqual(XLSXSheet.safeName(String(repeating: "🧾", count: 20)).utf16.count, 30)
    }

    func testManyRowsStreamThroughSeveralChunks() throws {
        var rows: [[XLSXCell]] = [[.text("n"), .text("amount")]]
        for index in 1 ... 30_000 { rows.append([.number(String(index)), .number("-\(index).05")]) }
        let bytes = try XLSXWriter.workbook([XLSXSheet(name: "Big", rows: rows)])
        let sheet = try XCTUnwrap(try unzip(bytes).first { $0.name == "xl/worksheets/sheet1.xml" })
        XCTAssertGreaterThan(sheet.data.count, 1 << 20)
        let xml = String(decoding: sheet.data, as: UTF8.self)
        XCTAssertTrue(xml.hasSuffix(#"<row r="30001"><c r="A30001"><v>30000</v></c><c r="B30001" s="2"><v>-30000.05</v></c></row></sheetData></worksheet>"#))
    }

    func testPythonZipfileAcceptsIt() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3", "/root/.pyenv/shims/python3"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("python3 not installed")
        }
        let directory = FileManager.default.temporaryDirectory.path + "/writers-xlsx-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/statement.xlsx"
        try XLSXWriter.write(sampleSheets(), to: path)
        let script = """
        import sys, zipfile, xml.etree.ElementTree as ET
        z = zipfile.ZipFile(sys.argv[1])
        bad = z.testzip()
        assert bad is None, "bad CRC: %s" % bad
        for name in z.namelist():
            ET.fromstring(z.read(name))
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        root = ET.fromstring(z.read("xl/worksheets/sheet2.xml"))
        texts = [t.text for t in root.iter("{%s}t" % ns["m"])]
        print("|".join(texts[:3]))
        print(len(z.namelist()))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let printed = String(decoding: data, as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, printed)
        XCTAssertEqual(printed, "sku|note|<script>alert(1)</script>\n9\n")
    }

    /// A streamed workbook (`XLSXFileWriter`: compact cells, sheets written in any order,
    /// rows given as cells or cell by cell) holds exactly the cells `XLSXWriter.workbook`
    /// writes for the same sheets, in the declared tab order.
    func testAStreamedWorkbookHoldsTheSameCells() throws {
        let sheets = sampleSheets()
        let directory = FileManager.default.temporaryDirectory.path + "/writers-xlsx-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/statement.xlsx"
        let book = try XLSXFileWriter(path: path, sheetNames: sheets.map(\.name), fast: true)
        for sheet in sheets.dropFirst() {
            let columns = sheet.rows.reduce(0) { max($0, $1.count) }
            try book.beginSheet(name: sheet.name, columnCount: columns, rowCount: sheet.rows.count, columnWidths: [12])
            for (index, row) in sheet.rows.enumerated() {
                if index % 2 == 0 { try book.appendRow(row); continue }
                try book.appendRow { cells in
                    for cell in row {
                        switch cell {
                        case .text(let text): try cells.text(text)
                        case .empty: try cells.empty()
                        case .number(let text):
                            if text.contains("."), case .success(let money) = Money.parse(text) {
                                cells.money(fen: money.fen)
                            } else {
                                cells.integer(Int64(text)!)
                            }
                        }
                    }
                }
            }
            try book.endSheet()
        }
        try book.add(sheets[0])
        try book.finish().commit()
        let streamed = try unzip(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let whole = try unzip(XLSXWriter.workbook(sheets))
        XCTAssertEqual(Set(streamed.map(\.name)), Set(whole.map(\.name)))
        for part in whole {
            let other = try XCTUnwrap(streamed.first { $0.name == part.name })
            if part.name.hasPrefix("xl/worksheets/") {
                XCTAssertEqual(cells(other.data), cells(part.data), part.name)
                XCTAssertFalse(cells(part.data).isEmpty)
            } else {
                XCTAssertEqual(other.data, part.data, part.name)
            }
        }
        let lines = String(decoding: try XCTUnwrap(streamed.first { $0.name == "xl/worksheets/sheet2.xml" }).data, as: UTF8.self)
        XCTAssertFalse(lines.contains("<c r="), "compact cells carry no references")
    }

    /// A worksheet's cells, row by row, each `value` or `""` for an empty cell, read from
    /// either form (with or without cell references).
    private func cells(_ xml: [UInt8]) -> [[String]] {
        let text = String(decoding: xml, as: UTF8.self)
        var rows: [[String]] = []
        for rowXML in text.components(separatedBy: "<row ").dropFirst() {
            let number = Int(rowXML.dropFirst(3).prefix(while: { $0.isNumber })) ?? 0
            while rows.count < number - 1 { rows.append([]) }
            var row: [String] = []
            for cellXML in rowXML.components(separatedBy: "<c").dropFirst() where cellXML.first == " " || cellXML.first == ">" || cellXML.first == "/" {
                if let reference = cellXML.range(of: #"^ r="[A-Z]+"#, options: .regularExpression) {
                    let letters = cellXML[reference].dropFirst(4)
                    let column = letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
                    while row.count < column { row.append("") }
                }
                let value = cellXML.range(of: #"<(v|t)[^>]*>[^<]*"#, options: .regularExpression).map {
                    String(cellXML[$0].drop(while: { $0 != ">" }).dropFirst())
                } ?? ""
                row.append(value)
            }
            while row.last == "" { row.removeLast() }
            rows.append(row)
        }
        return rows
    }

    /// Writes the sample workbook to a file and reads it back: the file holds exactly the bytes
    /// `workbook` makes, and the package opens. It goes to WRITERS_SAMPLE_DIR when set (to look at
    /// in a spreadsheet program), else to a fresh temporary folder.
    func testWritesSampleWhenAsked() throws {
        let directory = ProcessInfo.processInfo.environment["WRITERS_SAMPLE_DIR"]
            ?? NSTemporaryDirectory() + "writers-xlsx-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if ProcessInfo.processInfo.environment["WRITERS_SAMPLE_DIR"] == nil { try? FileManager.default.removeItem(atPath: directory) }
        }
        let path = directory + "/sample.xlsx"
        try XLSXWriter.write(sampleSheets(), to: path)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written, try XLSXWriter.workbook(sampleSheets()))
        let parts = try unzip(written)
        XCTAssertEqual(parts.count, 9)
        let summary = String(decoding: try XCTUnwrap(parts.first { $0.name == "xl/worksheets/sheet1.xml" }).data, as: UTF8.self)
        XCTAssertTrue(summary.contains(#"<c r="C4" s="2"><v>95.10</v></c>"#), summary)
    }

    // MARK: - A reader for the test: zip central directory, inflate, CRC-32

    private struct Part { var name: String; var data: [UInt8] }

    private struct ZipFormatError: Error, CustomStringConvertible { var description: String }

    private func unzip(_ zip: [UInt8]) throws -> [Part] {
        func u16(_ at: Int) -> Int { Int(zip[at]) | Int(zip[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        let end = zip.count - 22
        guard end >= 0, u32(end) == 0x0605_4B50 else { throw ZipFormatError(description: "no end record") }
        let count = u16(end + 10)
        var at = u32(end + 16)
        XCTAssertEqual(at + u32(end + 12), end, "central directory ends at the end record")
        var parts: [Part] = []
        for _ in 0 ..< count {
            guard u32(at) == 0x0201_4B50 else { throw ZipFormatError(description: "bad central header") }
            let (method, crc, compressed, size) = (u16(at + 10), u32(at + 16), u32(at + 20), u32(at + 24))
            XCTAssertEqual(u16(at + 12), 0, "DOS time 00:00")
            XCTAssertEqual(u16(at + 14), 0x21, "DOS date 1980-01-01")
            let nameLength = u16(at + 28)
            let name = String(decoding: zip[at + 46 ..< at + 46 + nameLength], as: UTF8.self)
            let local = u32(at + 42)
            guard u32(local) == 0x0403_4B50, u32(local + 14) == crc, u32(local + 18) == compressed, u32(local + 22) == size
            else { throw ZipFormatError(description: "local header of \(name) disagrees") }
            let start = local + 30 + u16(local + 26) + u16(local + 28)
            let raw = Array(zip[start ..< start + compressed])
            XCTAssertEqual(method, 8)
            var inflater = Inflater(input: raw)
            let data = try inflater.inflate()
            XCTAssertEqual(data.count, size, name)
            XCTAssertEqual(crc32(data), UInt32(crc), "CRC of \(name)")
            parts.append(Part(name: name, data: data))
            at += 46 + nameLength + u16(at + 30) + u16(at + 32)
        }
        return parts
    }

    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// RFC 1951 inflate after zlib's `puff.c`: slow, short, and independent of the writer.
    private struct Inflater {
        let input: [UInt8]
        var position = 0
        var bitBuffer = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: [UInt8]) { self.input = input }

        struct Huffman { var counts: [Int]; var symbols: [Int] }

        static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                                 131, 163, 195, 227, 258]
        static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
                                   1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
                                    12, 13, 13]

        mutating func bits(_ need: Int) throws -> Int {
            var value = bitBuffer
            while bitCount < need {
                guard position < input.count else { throw ZipFormatError(description: "inflate: out of input") }
                value |= Int(input[position]) << bitCount
                position += 1
                bitCount += 8
            }
            bitBuffer = value >> need
            bitCount -= need
            return value & ((1 << need) - 1)
        }

        static func huffman(_ lengths: [Int]) -> Huffman {
            var counts = [Int](repeating: 0, count: 16)
            for length in lengths { counts[length] += 1 }
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1 ..< 15 { offsets[length + 1] = offsets[length] + counts[length] }
            var symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
            return Huffman(counts: counts, symbols: symbols)
        }

        mutating func decode(_ table: Huffman) throws -> Int {
            var code = 0, first = 0, index = 0
            for length in 1 ... 15 {
                code |= try bits(1)
                let count = table.counts[length]
                if code - count < first { return table.symbols[index + (code - first)] }
                index += count
                first = (first + count) << 1
                code <<= 1
            }
            throw ZipFormatError(description: "inflate: bad code")
        }

        mutating func inflate() throws -> [UInt8] {
            var last = 0
            repeat {
                last = try bits(1)
                switch try bits(2) {
                case 0: try stored()
                case 1:
                    let lengths = Array(repeating: 8, count: 144) + Array(repeating: 9, count: 112)
                        + Array(repeating: 7, count: 24) + Array(repeating: 8, count: 8)
                    try codes(Self.huffman(lengths), Self.huffman(Array(repeating: 5, count: 30)))
                case 2: try dynamic()
                default: throw ZipFormatError(description: "inflate: bad block type")
                }
            } while last == 0
            return output
        }

        mutating func stored() throws {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw ZipFormatError(description: "inflate: short stored block") }
            let length = Int(input[position]) | Int(input[position + 1]) << 8
            position += 4
            output += input[position ..< position + length]
            position += length
        }

        mutating func dynamic() throws {
            let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeCount = try bits(4) + 4
            let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
            var codeLengths = [Int](repeating: 0, count: 19)
            for index in 0 ..< codeCount { codeLengths[order[index]] = try bits(3) }
            let lengthCode = Self.huffman(codeLengths)
            var lengths: [Int] = []
            while lengths.count < literalCount + distanceCount {
                let symbol = try decode(lengthCode)
                switch symbol {
                case 0 ..< 16: lengths.append(symbol)
                case 16: lengths += Array(repeating: lengths.last ?? 0, count: 3 + (try bits(2)))
                case 17: lengths += Array(repeating: 0, count: 3 + (try bits(3)))
                default: lengths += Array(repeating: 0, count: 11 + (try bits(7)))
                }
            }
            try codes(Self.huffman(Array(lengths[..<literalCount])), Self.huffman(Array(lengths[literalCount...])))
        }

        mutating func codes(_ literals: Huffman, _ distances: Huffman) throws {
            while true {
                let symbol = try decode(literals)
                if symbol < 256 { output.append(UInt8(symbol)); continue }
                if symbol == 256 { return }
                let lengthIndex = symbol - 257
                let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtra[lengthIndex]))
                let distanceIndex = try decode(distances)
                let distance = Self.distanceBase[distanceIndex] + (try bits(Self.distanceExtra[distanceIndex]))
                guard distance <= output.count else { throw ZipFormatError(description: "inflate: distance too far") }
                for _ in 0 ..< length { output.append(output[output.count - distance]) }
            }
        }
    }
}
