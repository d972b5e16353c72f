// BuyerStatementHTML: the printable page of a buyer statement, in English or Simplified
// Chinese (SPEC §10): the statement's facts, the SHA-256 of its lines.csv, its totals and its
// first `BuyerStatementDocument.htmlLinesMax` lines. Every value passes through `HTML.escape`;
// the page fetches nothing (its style is inline).

import MallCore
import MallIO

enum BuyerStatementHTML {
    enum Locale { case en, zhCN }

    static func render(_ document: BuyerStatementDocument, locale: Locale) -> [UInt8] {
        let t = { (key: String) in label(key, locale) }
        var html = "<!DOCTYPE html>\n<html lang=\"\(locale == .en ? "en" : "zh-CN")\">\n<head>\n<meta charset=\"utf-8\">\n"
        let title = document.kind == .rebate ? t("rebate_title") : t("bill_title")
        html += "<title>\(HTML.escape(title)) \(HTML.escape(document.buyerID)) \(HTML.escape(document.period))</title>\n"
        html += "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}"
            + "th,td{border:1px solid #999;padding:2px 6px;text-align:left}td.n{text-align:right}"
            + "code{word-break:break-all}@media print{body{margin:0}}</style>\n</head>\n<body>\n"
        html += "<h1>\(HTML.escape(title))</h1>\n<table class=\"facts\">\n"
        for fact in document.facts {
            html += "<tr><th>\(HTML.escape(t(fact.key)))</th><td>\(HTML.escape(fact.value))</td></tr>\n"
        }
        html += "<tr><th>\(HTML.escape(t("sha")))</th><td><code>\(HTML.escape(document.linesSHA256))</code></td></tr>\n"
        html += "</table>\n<h2>\(HTML.escape(t("totals")))</h2>\n<table class=\"totals\">\n"
        html += "<tr><th>\(HTML.escape(t("item")))</th><th>\(HTML.escape(t("lines")))</th><th>\(HTML.escape(t("amount")))</th></tr>\n"
        for total in document.totals {
            html += "<tr><td>\(HTML.escape(t(total.item)))</td><td class=\"n\">\(total.lines.map(String.init) ?? "")</td>"
                + "<td class=\"n\">\(HTML.escape(Money(fen: total.amount).description))</td></tr>\n"
        }
        html += "</table>\n<h2>\(HTML.escape(t("lines_title")))</h2>\n<table class=\"lines\">\n<tr>"
        for column in document.columns { html += "<th>\(HTML.escape(t("col." + column)))</th>" }
        html += "</tr>\n"
        for row in document.rows.prefix(BuyerStatementDocument.htmlLinesMax) {
            html += "<tr>"
            for (index, value) in row.enumerated() {
                let numeric = document.amountColumns.contains(index) || document.integerColumns.contains(index)
                html += numeric ? "<td class=\"n\">\(HTML.escape(value))</td>" : "<td>\(HTML.escape(value))</td>"
            }
            html += "</tr>\n"
        }
        html += "</table>\n"
        let more = document.rows.count - BuyerStatementDocument.htmlLinesMax
        if more > 0 {
            html += "<p>" + HTML.escape(locale == .en ? "\(more) more lines are in lines.csv."
                                                      : "另有 \(more) 行见 lines.csv。") + "</p>\n"
        }
        html += "</body>\n</html>\n"
        return Array(html.utf8)
    }

    /// A label in `locale`; keys without one show as themselves.
    static func label(_ key: String, _ locale: Locale) -> String {
        (locale == .en ? english[key] : chinese[key]) ?? key
    }

    static let english: [String: String] = [
        "rebate_title": "Rebate statement", "bill_title": "Credit bill statement", "buyer": "Buyer",
        "cycle": "Cycle", "period": "Rebate period", "settled_on": "Settled on", "bill_date": "Bill date",
        "window": "Usage window", "due_date": "Due date", "sha": "lines.csv SHA-256", "totals": "Totals",
        "item": "Item", "lines": "Lines", "amount": "Amount", "lines_title": "Lines",
        "REBATE": "Rebates", "CLAWBACK": "Clawbacks", "NET": "Net for the period", "BALANCE": "Rebate account after the period",
        "USAGE": "Usage on credit", "GIVE_BACK": "Given back (refunds)", "BILL": "Bill amount",
        "PREPAID_APPLIED": "Prepaid applied", "DUE": "Amount due",
        "col.buyer_id": "buyer", "col.policy_id": "policy", "col.kind": "kind", "col.period_id": "period",
        "col.base": "base", "col.amount": "amount", "col.funded_by": "funded by", "col.bill_date": "bill date",
        "col.date": "date", "col.source_id": "source id", "col.order_id": "order", "col.line_no": "line",
    ]

    static let chinese: [String: String] = [
        "rebate_title": "返利对账单", "bill_title": "授信账单对账单", "buyer": "买家",
        "cycle": "周期", "period": "返利周期", "settled_on": "结算日期", "bill_date": "账单日",
        "window": "用信区间", "due_date": "到期还款日", "sha": "lines.csv SHA-256", "totals": "合计",
        "item": "项目", "lines": "笔数", "amount": "金额", "lines_title": "明细",
        "REBATE": "返利", "CLAWBACK": "返利冲回", "NET": "本期净额", "BALANCE": "本期后返利账户余额",
        "USAGE": "授信用款", "GIVE_BACK": "退款返还额度", "BILL": "账单金额",
        "PREPAID_APPLIED": "预付款抵扣", "DUE": "应还金额",
        "col.buyer_id": "买家", "col.policy_id": "返利政策", "col.kind": "类型", "col.period_id": "周期",
        "col.base": "基数", "col.amount": "金额", "col.funded_by": "出资方", "col.bill_date": "账单日",
        "col.date": "日期", "col.source_id": "来源单号", "col.order_id": "订单号", "col.line_no": "行号",
    ]
}
