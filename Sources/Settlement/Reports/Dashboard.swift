// Dashboard: `analytics/{date}/index.html` (English) and `index.zh-CN.html` (Simplified
// Chinese) — one self-contained page per language over all the reports: no script, nothing
// fetched (a Content-Security-Policy forbids it), charts as inline SVG (SVGChart), every
// value escaped, amounts grouped by thousands, print CSS for A4. Each chart has a table
// beside it with the exact figures; every table links to the CSV holding all its rows.

import MallCore
import MallIO

/// The dashboard's languages.
public enum DashboardLanguage: Sendable {
    case en, zh
}

enum Dashboard {
    /// Rows a report's table shows at most (the CSV beside the page holds them all).
    static let tableRowsMax = 40
    /// SKUs in the ranking chart and table.
    static let topSKUs = 20
    static let blue = "#2563eb"
    static let green = "#059669"

    static func html(_ tables: [ReportTable], window: ReportWindow, currency: String, language: DashboardLanguage) -> String {
        let zh = language == .zh
        let byName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
        var body = ""
        body += "<header><h1>\(zh ? "MallSettle 经营分析" : "MallSettle analytics")</h1>"
        body += "<p class=\"meta\">\(zh ? "期间" : "Period") \(HTML.escape(window.from.description)) – \(HTML.escape(window.to.description))"
        body += " · \(zh ? "币种" : "Currency") \(HTML.escape(currency))"
        body += " · <a href=\"\(zh ? "index.html" : "index.zh-CN.html")\">\(zh ? "English" : "中文")</a></p></header>"
        body += kpis(byName, zh: zh, currency: currency)
        body += "<nav>" + tables.map { "<a href=\"#\($0.name.rawValue)\">\(HTML.escape(zh ? $0.name.title.zh : $0.name.title.en))</a>" }
            .joined(separator: " · ") + "</nav>"
        for table in tables {
            body += section(table, zh: zh, currency: currency)
        }
        return """
        <!DOCTYPE html>
        <html lang="\(zh ? "zh-CN" : "en")">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(zh ? "MallSettle 经营分析" : "MallSettle analytics") \(HTML.escape(window.to.description))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    static let style = """
    body{font-family:-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;margin:24px;color:#111827;background:#fff;font-size:14px}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d1d5db;padding-bottom:4px}
    .meta{color:#4b5563;margin:0 0 12px}nav{margin:8px 0 16px;line-height:1.8}a{color:#1d4ed8}
    .kpis{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.kpi{border:1px solid #d1d5db;border-radius:6px;padding:8px 12px;min-width:150px}
    .kpi b{display:block;font-size:18px}.kpi span{color:#4b5563;font-size:12px}
    .pair{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}.pair svg{max-width:100%;height:auto}
    table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #e5e7eb;padding:3px 6px}th{background:#f3f4f6;text-align:left}
    td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.note{color:#4b5563;font-size:12px}
    .tick{font-size:11px;fill:#4b5563}.value{font-size:11px;fill:#111827}.legend{font-size:12px;fill:#111827}
    .axis{stroke:#6b7280}.grid{stroke:#e5e7eb}.axis-label{font-size:12px;fill:#374151}.chart-title{font-size:14px;font-weight:600;fill:#111827}
    .scroll{overflow-x:auto;max-width:100%}
    @page{size:A4;margin:12mm}
    @media print{body{margin:0;font-size:10px}nav{display:none}section{break-inside:avoid-page}.pair{display:block}
    .pair svg{width:100%;height:auto}table{font-size:9px}.scroll{overflow:visible}}
    """

    // MARK: Headline figures

    private static func kpis(_ byName: [ReportName: ReportTable], zh: Bool, currency: String) -> String {
        var cards: [(String, String)] = []
        if let sales = byName[.salesDaily] {
            let orders = sum(sales, "orders"), goods = sum(sales, "goods"), refunds = sum(sales, "refunds")
            cards.append((zh ? "订单" : "Orders", SVGChart.groupedCount(orders)))
            cards.append((zh ? "成交额 GMV" : "GMV", SVGChart.groupedMoney(sum(sales, "gmv"))))
            cards.append((zh ? "净销售额" : "Net sales", SVGChart.groupedMoney(sum(sales, "net_sales"))))
            cards.append((zh ? "退款率" : "Refund rate", percent(Ratio.decimal(refunds, goods) ?? "")))
        }
        if let suppliers = byName[.supplierSummary] {
            cards.append((zh ? "待付供应商货款" : "Payable due to suppliers", SVGChart.groupedMoney(sum(suppliers, "payable_due"))))
        }
        if let arrears = byName[.arrears] {
            cards.append((zh ? "实时欠款" : "Arrears", SVGChart.groupedMoney(sum(arrears, "owed"))))
        }
        return "<div class=\"kpis\">" + cards.map {
            "<div class=\"kpi\"><span>\(HTML.escape($0.0))</span><b>\(HTML.escape($0.1))</b></div>"
        }.joined() + "</div><p class=\"note\">\(zh ? "金额单位" : "Amounts in") \(HTML.escape(currency))</p>"
    }

    /// Σ of a column of plain decimals, in minor units (counts are whole numbers).
    static func sum(_ table: ReportTable, _ column: String) -> Int64 {
        guard let index = table.columns.firstIndex(of: column) else { preconditionFailure("\(table.name) has no column \(column)") }
        return table.rows.reduce(0) { total, row in
            switch row[index] {
            case .number(let text), .text(let text): return total + fen(text)
            case .empty: return total
            }
        }
    }

    /// A plain decimal as fen (`12.30` → 1230; a whole count `7` → 7 as written).
    static func fen(_ text: String) -> Int64 {
        guard !text.isEmpty else { return 0 }
        // Looked for as a byte: the headline sums read every row of their tables (tens of
        // thousands of arrears rows), and a search by Character cost most of the dashboard.
        if !text.utf8.contains(UInt8(ascii: ".")) { return Int64(text) ?? 0 }
        return (try? Money.parse(text).get().fen) ?? 0
    }

    // MARK: Sections

    private static func section(_ table: ReportTable, zh: Bool, currency: String) -> String {
        let name = table.name
        var html = "<section id=\"\(name.rawValue)\"><h2>\(HTML.escape(zh ? name.title.zh : name.title.en))"
        if !zh { html += " <span class=\"note\">\(HTML.escape(name.title.zh))</span>" }
        html += "</h2>"
        switch name {
        case .salesDaily:
            let days = table.rows.map { String(table.value($0, "date").dropFirst(5)) }
            let chart = SVGChart.line(
                SVGChart.Labels(title: zh ? "每日成交额与净销售额" : "GMV and net sales per day",
                                xAxis: zh ? "营业日（月-日）" : "Business date (MM-DD)",
                                yAxis: zh ? "金额（\(currency)）" : "Amount (\(currency))"),
                xLabels: days,
                series: [SVGChart.Series(name: "GMV", color: blue, values: table.rows.map { fen(table.value($0, "gmv")) }),
                         SVGChart.Series(name: zh ? "净销售额" : "Net sales", color: green,
                                         values: table.rows.map { fen(table.value($0, "net_sales")) })])
            html += pair(chart, grid(table, columns: ["date", "orders", "buyers", "units", "gmv", "net_sales", "refund_rate"],
                                     rows: table.rows, zh: zh))
        case .skuRanking:
            let top = Array(table.rows.prefix(topSKUs))
            let chart = SVGChart.bars(
                SVGChart.Labels(title: zh ? "净销售额前 20 的商品" : "Top 20 SKUs by net sales",
                                xAxis: zh ? "净销售额（\(currency)）" : "Net sales (\(currency))", yAxis: "SKU"),
                names: top.map { table.value($0, "sku") }, values: top.map { fen(table.value($0, "net_sales")) }, color: blue)
            html += pair(chart, grid(table, columns: ["rank", "sku", "supplier_id", "units", "net_sales", "refund_rate"],
                                     rows: top, zh: zh))
            html += more(table, shown: top.count, zh: zh)
        case .buyerRetention:
            html += cohortTable(table, zh: zh)
        default:
            let shown = Array(table.rows.prefix(tableRowsMax))
            html += "<div class=\"scroll\">" + grid(table, columns: table.columns, rows: shown, zh: zh) + "</div>"
            html += more(table, shown: shown.count, zh: zh)
        }
        return html + "</section>\n"
    }

    private static func pair(_ chart: String, _ table: String) -> String {
        "<div class=\"pair\"><div>\(chart)</div><div class=\"scroll\">\(table)</div></div>"
    }

    private static func more(_ table: ReportTable, shown: Int, zh: Bool) -> String {
        let file = HTML.escape(table.name.rawValue + ".csv")
        if table.rowCount == 0 { return "<p class=\"note\">\(zh ? "无数据" : "No rows.") <a href=\"\(file)\">\(file)</a></p>" }
        guard shown < table.rowCount else { return "<p class=\"note\"><a href=\"\(file)\">\(file)</a></p>" }
        return zh ? "<p class=\"note\">显示 \(shown) / \(SVGChart.groupedCount(Int64(table.rowCount))) 行，全部见 <a href=\"\(file)\">\(file)</a></p>"
                  : "<p class=\"note\">\(shown) of \(SVGChart.groupedCount(Int64(table.rowCount))) rows shown; all in <a href=\"\(file)\">\(file)</a></p>"
    }

    /// An HTML table of `columns` of `rows`: text escaped, amounts and counts grouped and
    /// right-aligned, rates as percentages.
    static func grid(_ table: ReportTable, columns: [String], rows: [[CSVCell]], zh: Bool) -> String {
        let indexes = columns.map { column in table.columns.firstIndex(of: column)! }
        var html = "<table><thead><tr>"
        for column in columns { html += "<th>\(HTML.escape(label(column, zh: zh)))</th>" }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for index in indexes { html += cell(row[index], column: table.columns[index]) }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    static func cell(_ value: CSVCell, column: String) -> String {
        switch value {
        case .empty: return "<td></td>"
        case .text(let text): return "<td>\(HTML.escape(text))</td>"
        case .number(let text):
            let fraction = text.firstIndex(of: ".").map { text.distance(from: $0, to: text.endIndex) - 1 } ?? 0
            let shown = fraction == Ratio.digits ? percent(text) : SVGChart.groupedDecimal(text)
            return "<td class=\"n\">\(HTML.escape(shown))</td>"
        }
    }

    /// A rate with `Ratio.digits` fraction digits as a percentage with two (`0.1250` → `12.50%`),
    /// by moving the point: exact.
    static func percent(_ rate: String) -> String {
        guard !rate.isEmpty else { return "" }
        var text = Substring(rate)
        let negative = text.hasPrefix("-")
        if negative { text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == Ratio.digits, let whole = Int64(parts[0]) else { return rate }
        let digits = parts[1]
        let wholePercent = whole * 100 + (Int64(digits.prefix(2)) ?? 0)
        return (negative ? "-" : "") + SVGChart.groupedCount(wholePercent) + "." + digits.suffix(2) + "%"
    }

    /// The cohorts as a table, each month's share shaded by its rate.
    private static func cohortTable(_ table: ReportTable, zh: Bool) -> String {
        let months = SalesReports.retentionMonths
        var html = "<p class=\"note\">\(zh ? "按首购月份分组的买家；第 N 月 = 首购后第 N 个月仍购买的买家数（占比）。复购 = 两个以上订单。" : "Buyers by the month of their first purchase; month N = buyers of the cohort who bought again N months later (share of the cohort). Repeat = a second order.")</p>"
        html += "<div class=\"scroll\"><table><thead><tr><th>\(zh ? "首购月份" : "Cohort")</th><th>\(zh ? "买家数" : "Buyers")</th><th>\(zh ? "复购买家" : "Repeat buyers")</th><th>\(zh ? "复购率" : "Repurchase rate")</th>"
        for k in 1...months { html += "<th>\(zh ? "第 \(k) 月" : "Month \(k)")</th>" }
        html += "</tr></thead><tbody>"
        for row in table.rows {
            html += "<tr><td>\(HTML.escape(table.value(row, "cohort")))</td>"
            html += cell(.number(table.value(row, "buyers")), column: "buyers")
            html += cell(.number(table.value(row, "repeat_buyers")), column: "repeat_buyers")
            html += cell(.number(table.value(row, "repurchase_rate")), column: "repurchase_rate")
            for k in 1...months {
                let count = table.value(row, "month_\(k)"), rate = table.value(row, "month_\(k)_rate")
                guard !count.isEmpty else { html += "<td></td>"; continue }
                // Shade: the rate in ten-thousandths, as an opacity of 0.00–0.60.
                let shade = min(60, Int(fen(rate.filter { $0 != "." }) * 60 / 10_000))
                let alpha = "0." + (shade < 10 ? "0" : "") + String(shade)
                html += "<td class=\"n\" style=\"background:rgba(37,99,235,\(alpha))\">\(HTML.escape(SVGChart.groupedDecimal(count))) (\(HTML.escape(percent(rate))))</td>"
            }
            html += "</tr>"
        }
        html += "</tbody></table></div>"
        return html + more(table, shown: table.rows.count, zh: zh)
    }

    /// Column headings for people.
    static func label(_ column: String, zh: Bool) -> String {
        guard let pair = labels[column] else { return column }
        return zh ? pair.1 : pair.0
    }

    static let labels: [String: (String, String)] = [
        "date": ("Date", "日期"), "orders": ("Orders", "订单数"), "buyers": ("Buyers", "买家数"), "lines": ("Lines", "行数"),
        "units": ("Units", "件数"), "gmv": ("GMV", "成交额"), "discount_platform": ("Platform discounts", "平台优惠"),
        "discount_supplier": ("Supplier discounts", "商家优惠"), "goods": ("Goods", "货款"), "freight": ("Freight", "运费"),
        "refunds": ("Refunds", "退款"), "refunded_units": ("Refunded units", "退货件数"), "net_sales": ("Net sales", "净销售额"),
        "refund_rate": ("Refund rate", "退款率"), "rank": ("Rank", "排名"), "sku": ("SKU", "商品"),
        "supplier_id": ("Supplier", "供应商"), "category": ("Category", "品类"),
        "share_of_net_sales": ("Share of net sales", "净销售额占比"), "tender": ("Tender", "支付方式"),
        "channel": ("Channel", "渠道"), "paid": ("Paid", "支付金额"), "refunded": ("Refunded", "退回金额"), "net": ("Net", "净额"),
        "share_of_paid": ("Share of paid", "支付占比"), "month": ("Month", "月份"), "points_used": ("Points used", "积分抵扣"),
        "rebates_platform": ("Rebates (platform)", "返利（平台）"), "rebates_supplier": ("Rebates (supplier)", "返利（商家）"),
        "platform_cost": ("Platform cost", "平台营销成本"), "platform_cost_rate": ("Platform cost rate", "平台营销费率"),
        "level": ("Level", "层级"), "net_cost": ("Net cost", "净成本"), "margin": ("Margin", "毛利"),
        "margin_rate": ("Margin rate", "毛利率"), "mode": ("Mode", "模式"), "commission": ("Commission", "佣金"),
        "payment_fee": ("Payment fee", "支付手续费"), "logistics_fees": ("Delivery and warehousing", "配送费与仓储费"),
        "refund_fees": ("Refund fees", "退款相关费用"), "cost": ("Cost", "成本"), "adjustments": ("Adjustments", "调整"),
        "rebate_funding": ("Rebate funding", "返利分摊"), "settled_net": ("Settled net", "结算净额"),
        "payable_due": ("Payable due", "应付未付"), "status": ("Status", "状态"), "sheets": ("Sheets", "结算单数"),
        "first_period": ("First period", "最早期间"), "last_period": ("Last period", "最近期间"),
        "late_lines": ("Late lines", "迟到明细"), "matched": ("Matched", "已匹配"), "pending": ("Pending", "待定"),
        "breaks": ("Breaks", "差异"), "amount_mismatch": ("Amount mismatch", "金额不符"),
        "duplicate_in_channel": ("Duplicate in channel", "渠道重复"), "missing_in_channel": ("Missing in channel", "渠道缺失"),
        "unexpected_in_channel": ("Unexpected in channel", "渠道多出"), "channel_fee": ("Channel fee", "渠道手续费"),
        "payment_fee_charged": ("Payment fee charged", "已收支付手续费"), "fee_difference": ("Fee difference", "手续费差额"),
        "period_id": ("Period", "期间"), "policy_id": ("Policy", "政策"), "kind": ("Kind", "类型"),
        "funded_by": ("Funded by", "出资方"), "base": ("Base", "返利基数"), "amount": ("Amount", "金额"),
        "clawbacks": ("Clawbacks", "追回"), "rebate_rate": ("Rebate rate", "返利率"), "buyer_id": ("Buyer", "买家"),
        "limit": ("Limit", "授信额度"), "unbilled": ("Unbilled", "未出账"), "unpaid_principal": ("Unpaid principal", "未还本金"),
        "used": ("Used", "已用额度"), "available": ("Available", "可用额度"), "utilization": ("Utilization", "使用率"),
        "prepaid": ("Prepaid", "预付余额"), "overdue_principal": ("Overdue principal", "逾期本金"),
        "late_fees_unpaid": ("Late fees unpaid", "未付滞纳金"), "frozen": ("Frozen", "冻结"), "bill_date": ("Bill date", "账单日"),
        "due_date": ("Due date", "到期日"), "days_past_due": ("Days past due", "逾期天数"),
        "principal_unpaid": ("Principal unpaid", "未还本金"), "unpaid": ("Unpaid", "未结金额"),
        "billed_unpaid": ("Billed unpaid", "已出账未还"), "owed": ("Owed", "欠款合计"), "overdue": ("Overdue", "逾期"),
        "oldest_due_date": ("Oldest due date", "最早到期日"), "cohort": ("Cohort", "首购月份"),
        "repeat_buyers": ("Repeat buyers", "复购买家"), "repurchase_rate": ("Repurchase rate", "复购率"),
    ]
}
