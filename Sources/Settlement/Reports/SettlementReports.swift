// SettlementReports: the supplier-side and treasury reports — supplier_summary (sales of the
// window beside the fee lines posted in it), settlement_status (the sheets by supplier and
// status) and reconciliation (channel items and fees per channel and day). Columns and
// definitions: Reports/README.md.

import MallCore
import MallIO
import MallStore

enum SettlementReports {
    static let supplierSummaryColumns = ["supplier_id", "mode", "lines", "units", "gmv", "goods", "refunds", "net_sales",
                                         "refund_rate", "commission", "payment_fee", "logistics_fees", "refund_fees",
                                         "cost", "adjustments", "rebate_funding", "settled_net", "payable_due"]

    /// Every configured supplier (and any other with lines), by supplier_id: the lines paid in
    /// the window, the fee lines posted in the window by code (signed as fee lines are: a
    /// negative amount is charged to the supplier), and what closed unpaid sheets owe it now.
    static func supplierSummary(_ facts: SalesFacts, db: Database, config: MallConfig) throws -> ReportTable {
        let posted = facts.postedBySupplier
        var payableDue: [String: Int64] = [:]
        try db.query("SELECT supplier_id, sum(net) AS payable_due FROM sheets WHERE status = 'closed' GROUP BY supplier_id") { row in
            payableDue[row.string("supplier_id")] = row.int("payable_due")
        }
        let suppliers = Set(config.suppliers.map(\.id)).union(facts.bySupplier.keys).union(posted.keys)
            .union(payableDue.keys).sorted(by: bytesBefore)
        var table = ReportTable(name: .supplierSummary, columns: supplierSummaryColumns)
        for id in suppliers {
            let sales = facts.bySupplier[id] ?? SalesSums()
            let codes = posted[id] ?? Array(repeating: 0, count: SalesFacts.codeSlots)
            func code(_ fee: FeeCode) -> Int64 { codes[Int(fee.storeCode)] }
            let settled = codes.dropFirst().reduce(0, +)
            table.rows.append([
                ReportCell.text(id), ReportCell.text(config.supplierByID[id]?.mode.rawValue ?? ""), ReportCell.count(sales.lines),
                ReportCell.count(sales.units), ReportCell.money(sales.gmv), ReportCell.money(sales.goods), ReportCell.money(sales.refundGoods),
                ReportCell.money(sales.netSales), ReportCell.rate(sales.refundGoods, sales.goods), ReportCell.money(code(.commission)),
                ReportCell.money(code(.paymentFee)), ReportCell.money(code(.deliveryFee) + code(.warehousingFee)),
                ReportCell.money(code(.refundAdminFee) + code(.returnServiceFee)), ReportCell.money(code(.cost)),
                ReportCell.money(code(.adjustment)), ReportCell.money(code(.rebateFunding)), ReportCell.money(settled),
                ReportCell.money(payableDue[id] ?? 0),
            ])
        }
        return table
    }

    static let settlementStatusColumns = ["supplier_id", "status", "sheets", "first_period", "last_period", "lines",
                                          "net", "payable_due", "late_lines"]

    /// The sheets whose period starts on or before the window's end, per supplier and status
    /// (open, closed, paid): how many, their periods, lines and net; payable_due is the net
    /// of the closed sheets not yet paid; late_lines the late fee lines they hold.
    static func settlementStatus(_ facts: SalesFacts, db: Database) throws -> ReportTable {
        let lateBySheet = facts.lateLines
        struct Group { var sheets: Int64 = 0; var first = ""; var last = ""; var lines: Int64 = 0; var net: Int64 = 0; var late: Int64 = 0 }
        var groups: [String: [String: Group]] = [:]
        try db.query("""
            SELECT sheet_key, supplier_id, status, period_start, lines, net FROM sheets WHERE period_start <= ?
            """, [.text(facts.window.to.description)]) { row in
            let supplier = row.string("supplier_id"), status = row.string("status")
            var group = groups[supplier, default: [:]][status] ?? Group()
            let start = row.string("period_start")
            group.sheets += 1
            if group.first.isEmpty || start < group.first { group.first = start }
            if start > group.last { group.last = start }
            group.lines += row.int("lines")
            group.net += row.int("net")
            group.late += lateBySheet[row.int("sheet_key")] ?? 0
            groups[supplier, default: [:]][status] = group
        }
        let statusOrder = ["open": 0, "closed": 1, "paid": 2]
        var table = ReportTable(name: .settlementStatus, columns: settlementStatusColumns)
        for supplier in groups.keys.sorted(by: bytesBefore) {
            let byStatus = groups[supplier]!.sorted { (statusOrder[$0.key] ?? 3, $0.key) < (statusOrder[$1.key] ?? 3, $1.key) }
            for (status, group) in byStatus {
                table.rows.append([ReportCell.text(supplier), ReportCell.text(status), ReportCell.count(group.sheets), ReportCell.text(group.first),
                                   ReportCell.text(group.last), ReportCell.count(group.lines), ReportCell.money(group.net),
                                   ReportCell.money(status == "closed" ? group.net : 0), ReportCell.count(group.late)])
            }
        }
        return table
    }

    static let reconciliationColumns = ["date", "channel", "matched", "pending", "breaks"]
        + ChannelOutcome.breakKinds.map(\.rawValue) + ["channel_fee", "payment_fee_charged", "fee_difference"]

    /// Per business date of the window and reconciled channel: the items by outcome as the
    /// latest run left them (reconciliation/{date}/summary.csv's counts), all breaks together,
    /// and the channel's fees beside the PAYMENT_FEE charged on lines paid through it.
    static func reconciliation(_ window: ReportWindow, db: Database) throws -> ReportTable {
        struct Key: Hashable { let day: String; let channel: String }
        let outcomes: [ChannelOutcome] = [.matched, .pending] + ChannelOutcome.breakKinds
        var counts: [Key: [Int64]] = [:]
        var fees: [Key: (channel: Int64, charged: Int64)] = [:]
        let range: [SQLValue] = [.text(window.from.description), .text(window.to.description)]
        try db.query("""
            SELECT day, channel, outcome, items FROM recon_day_counts WHERE day >= ? AND day <= ? AND items != 0
            """, range) { row in
            let outcome = row.string("outcome")
            guard let index = outcomes.firstIndex(where: { $0.rawValue == outcome }) else { return }
            counts[Key(day: row.string("day"), channel: row.string("channel")), default: Array(repeating: 0, count: outcomes.count)][index]
                += row.int("items")
        }
        try db.query("""
            SELECT day, channel, channel_fee, payment_fee FROM recon_channel_fees
            WHERE day >= ? AND day <= ? AND channel IN (SELECT channel FROM recon_channels)
            """, range) { row in
            fees[Key(day: row.string("day"), channel: row.string("channel"))] = (row.int("channel_fee"), row.int("payment_fee"))
        }
        let keys = Set(counts.keys).union(fees.keys).sorted {
            $0.day != $1.day ? $0.day < $1.day : bytesBefore($0.channel, $1.channel)
        }
        var table = ReportTable(name: .reconciliation, columns: reconciliationColumns)
        for key in keys {
            let items = counts[key] ?? Array(repeating: 0, count: outcomes.count)
            let fee = fees[key] ?? (0, 0)
            table.rows.append([ReportCell.text(key.day), ReportCell.text(key.channel), ReportCell.count(items[0]), ReportCell.count(items[1]),
                               ReportCell.count(items.dropFirst(2).reduce(0, +))]
                              + items.dropFirst(2).map { ReportCell.count($0) }
                              + [ReportCell.money(fee.channel), ReportCell.money(fee.charged), ReportCell.money(fee.charged - fee.channel)])
        }
        return table
    }
}
