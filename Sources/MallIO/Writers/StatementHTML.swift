// Supplier statements as printable HTML (SPEC §6, §10: `statement.html`, in English or
// Simplified Chinese). Self-contained — inline CSS, system fonts, no scripts, nothing
// fetched — and laid out for A4: header rows repeat on every page, amounts are right-aligned
// in tabular figures, negative amounts are red and keep their minus sign (readable in black
// and white), amounts and counts are grouped by thousands (`239,945.38`, `(3,153,120)`).
// The lines table explains itself: an adjustment line shows its reason and approver, a
// carry-forward line the sheet it came from or goes to (`note`); SKUs wrap only after their
// separators, never mid-token. Every value from the data passes through `HTML.escape`.

/// One row of a statement's totals: a fee code, how many lines it has, what they sum to.
public struct StatementTotal: Sendable, Equatable {
    public var feeCode: String
    public var lines: Int
    /// Already formatted, e.g. `-15.60`.
    public var amount: String

    public init(feeCode: String, lines: Int, amount: String) {
        self.feeCode = feeCode
        self.lines = lines
        self.amount = amount
    }
}

/// The rows of a statement's lines table, made as bytes once per language: text cells
/// escaped and breakable after underscores, as `breakable` makes them; amount cells grouped
/// by thousands, right-aligned, negatives marked, as `amountCell` makes them; SKU cells
/// breakable only after their separators (`sku`); a line's explanation spanning the
/// columns it leaves empty (`note`).
public struct StatementLineRows: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Rows made.
    public private(set) var count = 0

    public init() {}

    /// Rows from formatted values, `amountColumnIndexes` being the money columns and
    /// `skuColumnIndexes` those holding SKUs.
    public init(_ lines: [[String]], amountColumnIndexes: Set<Int>, skuColumnIndexes: Set<Int> = []) {
        for line in lines {
            beginRow()
            for (index, value) in line.enumerated() {
                if amountColumnIndexes.contains(index) {
                    amount(value)
                } else if skuColumnIndexes.contains(index) {
                    sku(value)
                } else {
                    text(value)
                }
            }
            endRow()
        }
    }

    public mutating func beginRow() {
        bytes.append(contentsOf: "<tr>".utf8)
        count += 1
    }

    public mutating func endRow() {
        bytes.append(contentsOf: "</tr>\n".utf8)
    }

    /// A text cell.
    public mutating func text(_ value: String) {
        bytes.append(contentsOf: "<td>".utf8)
        append(value, breakingAfter: Self.underscoreBreaks)
        bytes.append(contentsOf: "</td>".utf8)
    }

    /// An amount cell: `-1234.00` is shown as `-1,234.00`.
    public mutating func amount(_ value: String) {
        bytes.append(contentsOf: (value.utf8.first == UInt8(ascii: "-") ? "<td class=\"num neg\">" : "<td class=\"num\">").utf8)
        append(StatementHTML.groupedAmount(value), breakingAfter: Self.noBreaks)
        bytes.append(contentsOf: "</td>".utf8)
    }

    /// A SKU cell. A SKU of up to `skuUnbrokenLengthMax` bytes never wraps (its column
    /// grows); a longer one (class `sku long`) may wrap only after a `-`, `_`, `/`, `.` or
    /// `:` inside it, and at spaces, never mid-token.
    public mutating func sku(_ value: String) {
        if value.utf8.count <= Self.skuUnbrokenLengthMax {
            bytes.append(contentsOf: "<td class=\"sku\">".utf8)
            append(value, breakingAfter: Self.noBreaks)
        } else {
            bytes.append(contentsOf: "<td class=\"sku long\">".utf8)
            append(value, breakingAfter: Self.skuBreaks)
        }
        bytes.append(contentsOf: "</td>".utf8)
    }

    /// SKUs up to this long (`SKU-0001-001` is 12) stay on one line.
    public static let skuUnbrokenLengthMax = 20

    /// A cell spanning `columns` columns that explains the line (an adjustment's reason and
    /// approver, where a carry-forward comes from or goes to): each `label` (ending in its own
    /// space or colon, `StatementHTML.noteLabel`) is shown muted before its value; a value
    /// without spaces (a sheet id) never wraps. Put in place of cells the line leaves empty.
    public mutating func note(_ parts: [(label: String, value: String)], columns: Int) {
        bytes.append(contentsOf: "<td colspan=\"\(columns)\" class=\"why\">".utf8)
        for (index, part) in parts.enumerated() {
            if index > 0 { bytes.append(contentsOf: " · ".utf8) }
            bytes.append(contentsOf: "<span class=\"label\">".utf8)
            append(part.label, breakingAfter: Self.noBreaks)
            bytes.append(contentsOf: "</span>".utf8)
            // A value without spaces (a sheet id, a name) is a token: kept on one line.
            let isToken = !part.value.utf8.contains(UInt8(ascii: " "))
            if isToken { bytes.append(contentsOf: "<span class=\"token\">".utf8) }
            append(part.value, breakingAfter: Self.noBreaks)
            if isToken { bytes.append(contentsOf: "</span>".utf8) }
        }
        bytes.append(contentsOf: "</td>".utf8)
    }

    private static let noBreaks: [Bool] = Array(repeating: false, count: 128)
    private static let underscoreBreaks: [Bool] = (0 ..< 128).map { $0 == Int(UInt8(ascii: "_")) }
    private static let skuBreaks: [Bool] = (0 ..< 128).map { "-_/.:".utf8.contains(UInt8($0)) }

    /// `HTML.escape(text)` as bytes, with a `<wbr>` after each ASCII byte `breakingAfter`
    /// marks, so that long codes wrap there and nowhere else.
    private mutating func append(_ text: String, breakingAfter breaks: [Bool]) {
        withUTF8Bytes(text) { source in
            // Most values (dates, ids, amounts) need nothing: copied at once.
            if !source.contains(where: { ($0 < 128 && breaks[Int($0)]) || Self.needsEscaping($0) }) {
                bytes.append(contentsOf: source)
                return
            }
            for byte in source {
                switch byte {
                case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
                case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
                case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
                case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
                case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
                default:
                    bytes.append(byte)
                    if byte < 128 && breaks[Int(byte)] { bytes.append(contentsOf: "<wbr>".utf8) }
                }
            }
        }
    }
}

extension StatementLineRows {
    @inline(__always)
    static func needsEscaping(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }
}

/// Everything a statement page shows, already formatted as text.
public struct StatementView: Sendable {
    /// The language of the page's labels; data is shown as given.
    public enum Locale: String, Sendable { case en, zhCN = "zh-CN" }

    public var locale: Locale
    /// A draft (an open sheet's run-time statement) carries a DRAFT / 草稿 banner and
    /// watermark and says that the fee lines come with the closing statement.
    public var isDraft: Bool
    public var sheetID: String
    public var supplierID: String
    public var supplierName: String
    public var entity: String
    public var currency: String
    /// Both inclusive, `YYYY-MM-DD`.
    public var periodStart: String
    public var periodEnd: String
    /// `open`, `closed` or `paid`.
    public var status: String
    public var closedAt: String?
    /// In the order of SPEC §10 (`summary.csv`).
    public var totals: [StatementTotal]
    public var net: String
    /// `nil` while the sheet is open.
    public var payable: String?
    /// The header of the lines table.
    public var lineColumns: [String]
    /// The fee lines shown (empty for drafts), one array of formatted values per line: all
    /// of them, or the first ones when `linesTotal` says there are more.
    public var lines: [[String]]
    /// How many fee lines the sheet has, when `lines` shows only the first of them: the page
    /// then says how many more there are and where they all are (lines.csv, statement.xlsx).
    public var linesTotal: Int?
    /// The lines table's rows already made (in place of `lines`).
    public var lineRows: StatementLineRows?
    /// Which columns of `lines` are money: right-aligned, grouped by thousands, negatives marked.
    public var amountColumnIndexes: Set<Int>
    /// Which columns of `lines` hold SKUs: wrapped only after their separators.
    public var skuColumnIndexes: Set<Int>
    /// SHA-256 (hex) of the sheet's `lines.csv`.
    public var linesSHA256: String?
    /// Free text, e.g. the run id and time, shown in the footer.
    public var generatedAt: String?

    public init(locale: Locale, isDraft: Bool, sheetID: String, supplierID: String, supplierName: String,
                entity: String, currency: String, periodStart: String, periodEnd: String, status: String,
                closedAt: String? = nil, totals: [StatementTotal], net: String, payable: String? = nil,
                lineColumns: [String] = [], lines: [[String]] = [], amountColumnIndexes: Set<Int> = [],
                linesSHA256: String? = nil, generatedAt: String? = nil, linesTotal: Int? = nil,
                skuColumnIndexes: Set<Int> = []) {
        self.locale = locale
        self.isDraft = isDraft
        self.sheetID = sheetID
        self.supplierID = supplierID
        self.supplierName = supplierName
        self.entity = entity
        self.currency = currency
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.status = status
        self.closedAt = closedAt
        self.totals = totals
        self.net = net
        self.payable = payable
        self.lineColumns = lineColumns
        self.lines = lines
        self.linesTotal = linesTotal
        self.amountColumnIndexes = amountColumnIndexes
        self.skuColumnIndexes = skuColumnIndexes
        self.linesSHA256 = linesSHA256
        self.generatedAt = generatedAt
    }
}

/// Renders `StatementView`s.
public enum StatementHTML {
    /// The whole page, UTF-8 text.
    public static func render(_ view: StatementView) -> String {
        String(decoding: renderBytes(view), as: UTF8.self)
    }

    /// The whole page as UTF-8 bytes: the lines table's rows (thousands of them) go in as
    /// the bytes they were made as.
    public static func renderBytes(_ view: StatementView) -> [UInt8] {
        let words = Words.of(view.locale)
        let rows = view.lineRows ?? StatementLineRows(view.lines, amountColumnIndexes: view.amountColumnIndexes,
                                                      skuColumnIndexes: view.skuColumnIndexes)
        var page = ""
        page.reserveCapacity(8_192)
        page += "<!DOCTYPE html>\n<html lang=\"\(view.locale.rawValue)\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>\(e(words.statement)) \(e(view.sheetID))\(view.isDraft ? " (\(e(words.draft)))" : "")</title>\n"
        page += "<style>\n\(stylesheet)</style>\n</head>\n"
        page += "<body class=\"\(view.isDraft ? "draft" : "final")\">\n"
        if view.isDraft { page += "<div class=\"watermark\" aria-hidden=\"true\">\(e(words.draftWatermark))</div>\n" }
        page += "<main>\n"
        appendHeader(view, words, to: &page)
        appendTotals(view, words, to: &page)
        appendLinesHead(view, words, rows, to: &page)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(page.utf8.count + rows.bytes.count + 4_096)
        bytes.append(contentsOf: page.utf8)
        bytes.append(contentsOf: rows.bytes)
        page = ""
        appendLinesTail(view, words, rows, to: &page)
        appendFooter(view, words, to: &page)
        page += "</main>\n</body>\n</html>\n"
        bytes.append(contentsOf: page.utf8)
        return bytes
    }

    /// The localized label of a fee code; the code itself when it has none.
    public static func feeLabel(_ feeCode: String, locale: StatementView.Locale) -> String {
        Words.of(locale).fees[feeCode] ?? feeCode
    }

    /// A line's source type (`order`, `refund`, `adjustment`, `carry`, `rebate`) as the
    /// lines table shows it; the name itself when it has no label.
    public static func sourceLabel(_ sourceType: String, locale: StatementView.Locale) -> String {
        Words.of(locale).sources[sourceType] ?? sourceType
    }

    /// A line's direction (`forward`, `reverse`) as the lines table shows it.
    public static func directionLabel(_ direction: String, locale: StatementView.Locale) -> String {
        Words.of(locale).directions[direction] ?? direction
    }

    /// A line's `late` flag as the lines table shows it: `yes` / `是` for 1, nothing for 0.
    public static func lateLabel(_ late: Int64, locale: StatementView.Locale) -> String {
        late == 0 ? "" : Words.of(locale).lateYes
    }

    /// A sheet's status (`open`, `closed`, `paid`) in words.
    public static func statusLabel(_ status: String, locale: StatementView.Locale) -> String {
        Words.of(locale).statusName(status)
    }

    /// The labels of a line's explanation (`StatementLineRows.note`).
    public enum NoteLabel: Sendable { case reason, approvedBy, carriedFrom, carriedTo }

    public static func noteLabel(_ label: NoteLabel, locale: StatementView.Locale) -> String {
        let words = Words.of(locale)
        switch label {
        case .reason: return words.reason
        case .approvedBy: return words.approvedBy
        case .carriedFrom: return words.carriedFrom
        case .carriedTo: return words.carriedTo
        }
    }

    // MARK: Sections

    private static func appendHeader(_ view: StatementView, _ words: Words, to page: inout String) {
        page += "<header class=\"head\">\n<div class=\"title\">\n"
        page += "<div class=\"kicker\">\(e(words.settlementSheet))</div>\n"
        page += "<h1>\(e(words.statement))</h1>\n"
        page += "<div class=\"sheet-id\">\(e(view.sheetID))</div>\n</div>\n"
        page += "<div class=\"status status-\(e(view.status))\">\(e(words.statusName(view.status)))</div>\n"
        page += "</header>\n"
        if view.isDraft {
            page += "<div class=\"draft-banner\" role=\"note\"><strong>\(e(words.draft))</strong> "
            page += "\(e(words.draftExplanation))</div>\n"
        }
        page += "<dl class=\"meta\">\n"
        let period = "\(view.periodStart)\(words.periodSeparator)\(view.periodEnd)"
        var facts: [(String, String, String)] = [
            (words.supplier, "<span class=\"code\">\(e(view.supplierID))</span> — \(e(view.supplierName))", "wide"),
            (words.entity, e(view.entity), ""),
            (words.currency, e(view.currency), ""),
            (words.period, e(period), ""),
            (words.status, e(words.statusName(view.status)), ""),
        ]
        if let closedAt = view.closedAt { facts.append((words.closedAt, e(closedAt), "")) }
        if let hash = view.linesSHA256 { facts.append((words.linesHash, "<span class=\"hash\">\(e(hash))</span>", "wide")) }
        for (term, value, width) in facts {
            page += "<div class=\"fact \(width)\"><dt>\(e(term))</dt><dd>\(value)</dd></div>\n"
        }
        page += "</dl>\n"
    }

    private static func appendTotals(_ view: StatementView, _ words: Words, to page: inout String) {
        page += "<section class=\"totals\">\n<h2>\(e(words.summary))</h2>\n"
        page += "<p class=\"note\">\(e(words.signConvention(view.currency)))</p>\n"
        page += "<table class=\"totals-table\">\n<thead><tr><th>\(e(words.fee))</th><th>\(e(words.code))</th>"
        page += "<th class=\"num\">\(e(words.lineCount))</th>"
        page += "<th class=\"num\">\(e(words.amount)) (\(e(view.currency)))</th></tr></thead>\n<tbody>\n"
        for total in view.totals {
            page += "<tr><td>\(e(words.fees[total.feeCode] ?? total.feeCode))</td>"
            page += "<td class=\"code\">\(e(total.feeCode))</td><td class=\"num\">\(grouped(total.lines))</td>"
            page += "\(amountCell(total.amount))</tr>\n"
        }
        if view.totals.isEmpty {
            page += "<tr><td colspan=\"4\" class=\"empty\">\(e(words.noTotals))</td></tr>\n"
        }
        let lineSum = view.totals.reduce(0) { $0 + $1.lines }
        page += "<tr class=\"net\"><th>\(e(words.net))</th><td class=\"code\">NET</td>"
        page += "<td class=\"num\">\(grouped(lineSum))</td>\(amountCell(view.net))</tr>\n"
        page += "<tr class=\"payable\"><th>\(e(words.payable))</th><td class=\"code\">PAYABLE</td><td></td>"
        if let payable = view.payable {
            page += amountCell(payable)
        } else {
            page += "<td class=\"num pending\">— <span class=\"small\">\(e(words.payableWhileOpen))</span></td>"
        }
        page += "</tr>\n</tbody>\n</table>\n</section>\n"
    }

    /// The lines section up to its rows (`rows` follow it).
    private static func appendLinesHead(_ view: StatementView, _ words: Words, _ rows: StatementLineRows,
                                        to page: inout String) {
        page += "<section class=\"lines\">\n<h2>\(e(words.feeLines))"
        if rows.count > 0 { page += " <span class=\"count\">(\(grouped(linesTotal(view, rows))))</span>" }
        page += "</h2>\n"
        if view.isDraft {
            page += "<p class=\"note\">\(e(words.linesComeWithClose))</p>\n"
        } else if rows.count == 0 {
            page += "<p class=\"note\">\(e(words.noLines))</p>\n"
        }
        guard rows.count > 0 else { return }
        page += "<table class=\"lines-table\">\n<thead><tr>"
        for (index, column) in view.lineColumns.enumerated() {
            page += view.amountColumnIndexes.contains(index) ? "<th class=\"num\">" : "<th>"
            page += "\(breakable(column))</th>"
        }
        page += "</tr></thead>\n<tbody>\n"
    }

    /// The lines section after its rows: the end of the table and, when the rows are only the
    /// first of the sheet's lines, how many more there are and where they all are.
    private static func appendLinesTail(_ view: StatementView, _ words: Words, _ rows: StatementLineRows,
                                        to page: inout String) {
        if rows.count > 0 {
            page += "</tbody>\n</table>\n"
            let total = linesTotal(view, rows)
            if total > rows.count {
                page += "<p class=\"note more-lines\">\(e(words.moreLines(rows.count, total)))</p>\n"
            }
        }
        page += "</section>\n"
    }

    private static func linesTotal(_ view: StatementView, _ rows: StatementLineRows) -> Int {
        max(view.linesTotal ?? 0, rows.count)
    }

    /// `3153120` as `3,153,120`.
    public static func grouped(_ count: Int) -> String {
        let digits = Array(String(count))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return text
    }

    private static func appendFooter(_ view: StatementView, _ words: Words, to page: inout String) {
        page += "<footer>\n"
        if let hash = view.linesSHA256 {
            page += "<div>\(e(words.linesHash)): <span class=\"hash\">\(e(hash))</span></div>\n"
        }
        page += "<div>\(e(words.statement)) \(e(view.sheetID))"
        if let generatedAt = view.generatedAt { page += " · \(e(words.generated)) \(e(generatedAt))" }
        page += " · MallSettle</div>\n</footer>\n"
    }

    /// A right-aligned money cell, grouped by thousands; a negative amount gets the `neg` class.
    private static func amountCell(_ amount: String) -> String {
        let shown = e(groupedAmount(amount))
        return amount.hasPrefix("-") ? "<td class=\"num neg\">\(shown)</td>" : "<td class=\"num\">\(shown)</td>"
    }

    /// A plain decimal grouped by thousands: `239945.38` as `239,945.38`, `-1234.00` as
    /// `-1,234.00`. Text that is not a plain decimal is returned unchanged.
    public static func groupedAmount(_ amount: String) -> String {
        var utf8 = Substring(amount).utf8[...]
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { utf8 = utf8.dropFirst() }
        let whole = utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let rest = utf8.dropFirst(whole.count)
        guard whole.count > 3, rest.isEmpty || rest.first == UInt8(ascii: ".") else { return amount }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        out.reserveCapacity(amount.utf8.count + whole.count / 3)
        for (index, digit) in whole.enumerated() {
            if index > 0 && (whole.count - index) % 3 == 0 { out.append(UInt8(ascii: ",")) }
            out.append(digit)
        }
        out.append(contentsOf: rest)
        return String(decoding: out, as: UTF8.self)
    }

    private static func e(_ text: String) -> String { HTML.escape(text) }

    /// Escaped, with a line-break opportunity after each `_`, so that narrow columns wrap
    /// `REFUND_ADMIN_FEE` or `original_period` between words rather than mid-word.
    private static func breakable(_ text: String) -> String {
        let escaped = e(text)
        return escaped.utf8.contains(UInt8(ascii: "_"))
            ? escaped.split(separator: "_", omittingEmptySubsequences: false).joined(separator: "_<wbr>") : escaped
    }

    // MARK: Style

    private static let stylesheet = """
    @page { size: A4; margin: 14mm 12mm 16mm 12mm;
      @bottom-right { content: counter(page) " / " counter(pages); font: 8pt sans-serif; color: #666; } }
    :root { --ink: #1b1f24; --muted: #5b6470; --rule: #d5d9de; --band: #f3f5f7; --neg: #b3261e; --accent: #1f4e79; }
    * { box-sizing: border-box; }
    html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    body { margin: 0; color: var(--ink); background: #fff; font-size: 10pt; line-height: 1.4;
      font-family: "Helvetica Neue", Arial, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
    main { max-width: 186mm; margin: 0 auto; padding: 10mm 0; position: relative; z-index: 1; }
    @media print { main { max-width: none; padding: 0; } }
    .head { display: flex; justify-content: space-between; align-items: flex-end;
      border-bottom: 2px solid var(--accent); padding-bottom: 3mm; margin-bottom: 4mm; }
    .kicker { color: var(--muted); font-size: 8.5pt; letter-spacing: .04em; text-transform: uppercase; }
    h1 { margin: 1mm 0 0; font-size: 18pt; font-weight: 600; color: var(--accent); }
    .sheet-id { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 10pt; margin-top: 1mm; }
    .status { border: 1.5px solid currentColor; border-radius: 3px; padding: 1mm 3mm; font-weight: 600;
      font-size: 10pt; white-space: nowrap; }
    .status-open { color: #8a5a00; } .status-closed { color: var(--accent); } .status-paid { color: #1e6b34; }
    .draft-banner { border: 2px dashed var(--neg); color: var(--neg); background: #fdf1f0; padding: 2.5mm 4mm;
      margin-bottom: 4mm; font-size: 10pt; }
    .draft-banner strong { letter-spacing: .08em; margin-right: 2mm; }
    .watermark { position: fixed; top: 38%; left: 0; right: 0; text-align: center; z-index: 0;
      font-size: 96pt; font-weight: 700; letter-spacing: .1em; color: rgba(179, 38, 30, .09);
      transform: rotate(-28deg); pointer-events: none; user-select: none; white-space: nowrap; }
    .meta { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm 6mm; margin: 0 0 5mm;
      padding: 3mm 4mm; background: var(--band); border-radius: 2px; }
    .fact.wide { grid-column: 1 / -1; }
    dt { color: var(--muted); font-size: 8pt; }
    dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
    .code, .hash { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .92em; }
    .hash { font-size: 8.5pt; overflow-wrap: anywhere; font-weight: 400; }
    h2 { font-size: 11.5pt; margin: 6mm 0 1.5mm; color: var(--accent); break-after: avoid; }
    h2 .count { color: var(--muted); font-weight: 400; font-size: 9.5pt; }
    .note { color: var(--muted); font-size: 8.5pt; margin: 0 0 2mm; }
    table { width: 100%; border-collapse: collapse; }
    thead { display: table-header-group; }
    tr { break-inside: avoid; page-break-inside: avoid; }
    th, td { padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
    thead th { font-size: 8.5pt; font-weight: 600; color: var(--muted); border-bottom: 1.5px solid var(--ink); }
    tbody td, tbody th { border-bottom: .5px solid var(--rule); }
    .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    .neg { color: var(--neg); }
    .totals-table { max-width: 150mm; }
    .totals-table td.code { color: var(--muted); }
    .totals-table tr.net th, .totals-table tr.net td { border-top: 1.5px solid var(--ink); font-weight: 700; }
    .totals-table tr.payable th, .totals-table tr.payable td { font-weight: 700; font-size: 11pt;
      border-bottom: 3px double var(--ink); background: var(--band); }
    .totals-table tbody th { text-align: left; }
    .pending { color: var(--muted); font-weight: 400 !important; }
    .small { font-size: 8pt; font-weight: 400; white-space: normal; }
    .empty { color: var(--muted); font-style: italic; }
    .lines-table { font-size: 7.5pt; }
    .lines-table th, .lines-table td { padding: .8mm 1.2mm; white-space: nowrap; }
    /* Ids, codes, dates, amounts and SKUs never break mid-token. A long SKU wraps only at
       the <wbr> after its separators; one without any widens its column. */
    .lines-table td.sku.long { white-space: normal; overflow-wrap: normal; word-break: keep-all; min-width: 16ch; }
    .lines-table td.why { white-space: normal; color: var(--ink); font-style: italic; }
    .lines-table td.why .label { color: var(--muted); font-style: normal; }
    .lines-table td.why .token { white-space: nowrap; }
    .lines-table th { white-space: normal; word-break: keep-all; }
    .lines-table tbody tr:nth-child(even) td { background: var(--band); }
    footer { margin-top: 8mm; padding-top: 2mm; border-top: 1px solid var(--rule); color: var(--muted);
      font-size: 8pt; display: grid; gap: 1mm; }

    """
}

// MARK: - Labels

/// The words of one locale (glossary in SPEC.md).
private struct Words: Sendable {
    var statement, settlementSheet, draft, draftWatermark, draftExplanation: String
    var supplier, entity, currency, period, periodSeparator, status, closedAt, linesHash: String
    var summary, fee, code, lineCount, amount, net, payable, payableWhileOpen, noTotals: String
    var feeLines, linesComeWithClose, noLines, generated: String
    /// A line's explanation: an adjustment's reason and approver, a carry-forward's sheets.
    var reason, approvedBy, carriedFrom, carriedTo: String
    /// The lines table's `late` cell of a late line.
    var lateYes: String
    /// Said under a lines table that shows only the first lines: (shown, total).
    var moreLines: @Sendable (Int, Int) -> String
    var statuses: [String: String]
    var fees: [String: String]
    /// Source types and directions as the lines table shows them.
    var sources: [String: String]
    var directions: [String: String]
    var signConvention: @Sendable (String) -> String

    func statusName(_ status: String) -> String { statuses[status] ?? status }

    static func of(_ locale: StatementView.Locale) -> Words {
        switch locale {
        case .en: return english
        case .zhCN: return chinese
        }
    }

    static let english = Words(
        statement: "Supplier statement", settlementSheet: "Settlement sheet",
        draft: "DRAFT", draftWatermark: "DRAFT",
        draftExplanation: "This statement is a draft: the period is still open and the amounts may change. "
            + "The fee lines come with the closing statement.",
        supplier: "Supplier", entity: "Entity", currency: "Currency", period: "Period",
        periodSeparator: " – ", status: "Status", closedAt: "Closed on", linesHash: "SHA-256 of lines.csv",
        summary: "Summary by fee", fee: "Fee", code: "Code", lineCount: "Lines", amount: "Amount",
        net: "Net", payable: "Payable", payableWhileOpen: "set when the period closes",
        noTotals: "No fee lines.",
        feeLines: "Fee lines", linesComeWithClose: "The fee lines come with the closing statement.",
        noLines: "No fee lines in this period.", generated: "Generated",
        reason: "Reason: ", approvedBy: "Approved by ", carriedFrom: "Carried from sheet ", carriedTo: "Carried to sheet ",
        lateYes: "yes",
        moreLines: { shown, total in
            "This page shows the first \(StatementHTML.grouped(shown)) of \(StatementHTML.grouped(total)) fee lines; "
                + "\(StatementHTML.grouped(total - shown)) more are not shown here. "
                + "lines.csv and statement.xlsx hold all \(StatementHTML.grouped(total))."
        },
        statuses: ["open": "Open", "closed": "Closed", "paid": "Paid"],
        fees: [
            "GOODS": "Goods payment", "PLATFORM_SUBSIDY": "Platform subsidy", "FREIGHT": "Freight",
            "COMMISSION": "Commission", "PAYMENT_FEE": "Payment fee", "DELIVERY_FEE": "Delivery fee",
            "WAREHOUSING_FEE": "Warehousing fee", "COST": "Purchase cost", "REFUND_ADMIN_FEE": "Refund admin fee",
            "RETURN_SERVICE_FEE": "Return service fee", "ADJUSTMENT": "Adjustment",
            "REBATE_FUNDING": "Rebate funding", "CARRY_FORWARD": "Carry-forward",
        ],
        sources: ["order": "order", "refund": "refund", "adjustment": "adjustment", "carry": "carry-forward",
                  "rebate": "rebate"],
        directions: ["forward": "forward", "reverse": "reverse"],
        signConvention: { currency in
            "Amounts in \(currency). Positive amounts are owed to the supplier; negative amounts are charged to it."
        })

    static let chinese = Words(
        statement: "供应商对账单", settlementSheet: "结算单",
        draft: "草稿", draftWatermark: "草稿 DRAFT",
        draftExplanation: "本对账单为草稿：结算周期尚未关账，金额可能变动。计费明细将随关账对账单提供。",
        supplier: "供应商", entity: "结算主体", currency: "币种", period: "结算周期",
        periodSeparator: " 至 ", status: "状态", closedAt: "关账日期", linesHash: "计费明细 lines.csv 的 SHA-256",
        summary: "费用汇总", fee: "费用项目", code: "代码", lineCount: "笔数", amount: "金额",
        net: "净额", payable: "应付金额", payableWhileOpen: "关账后确定",
        noTotals: "无计费明细。",
        feeLines: "计费明细", linesComeWithClose: "计费明细将随关账对账单提供。",
        noLines: "本结算周期无计费明细。", generated: "生成于",
        reason: "调整原因：", approvedBy: "审批人：", carriedFrom: "结转自结算单 ", carriedTo: "结转至结算单 ",
        lateYes: "是",
        moreLines: { shown, total in
            "本页仅列出前 \(StatementHTML.grouped(shown)) 笔计费明细（共 \(StatementHTML.grouped(total)) 笔），"
                + "其余 \(StatementHTML.grouped(total - shown)) 笔未在此列出。全部明细见 lines.csv 与 statement.xlsx。"
        },
        statuses: ["open": "未关账", "closed": "已关账", "paid": "已付款"],
        fees: [
            "GOODS": "货款", "PLATFORM_SUBSIDY": "平台补贴", "FREIGHT": "运费", "COMMISSION": "佣金",
            "PAYMENT_FEE": "支付手续费", "DELIVERY_FEE": "配送费", "WAREHOUSING_FEE": "仓储费",
            "COST": "采购货款(销转采)", "REFUND_ADMIN_FEE": "退款手续费", "RETURN_SERVICE_FEE": "退货服务费",
            "ADJUSTMENT": "调整", "REBATE_FUNDING": "返利分摊", "CARRY_FORWARD": "结转",
        ],
        sources: ["order": "订单", "refund": "退款", "adjustment": "调整", "carry": "结转", "rebate": "返利"],
        directions: ["forward": "正向", "reverse": "逆向"],
        signConvention: { currency in "金额单位：\(currency)。正数为应付供应商的金额，负数为向供应商收取的金额。" })
}
