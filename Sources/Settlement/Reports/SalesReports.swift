// SalesReports: the reports made from the sales facts alone — sales_daily, sku_ranking,
// category_mix, tender_mix, marketing_cost (with the rebates settled), buyer_retention and
// gross_margin. Columns and definitions: Reports/README.md.

import Dispatch
import MallCore
import MallIO
import MallStore

enum SalesReports {
    static let salesDailyColumns = ["date", "orders", "buyers", "lines", "units", "gmv", "discount_platform",
                                    "discount_supplier", "goods", "freight", "refunds", "refunded_units", "net_sales",
                                    "refund_rate"]

    /// One row per business date of the window, days without sales included (all zero).
    static func salesDaily(_ facts: SalesFacts) -> ReportTable {
        var table = ReportTable(name: .salesDaily, columns: salesDailyColumns)
        let orders = facts.orderCounts, buyers = facts.buyerCounts
        for ordinal in facts.window.from.ordinal...facts.window.to.ordinal {
            let sums = facts.byDay[ordinal - facts.window.from.ordinal]
            table.rows.append([ReportCell.day(Day(ordinal: ordinal)), ReportCell.count(orders[ordinal] ?? 0),
                               ReportCell.count(buyers[ordinal] ?? 0), ReportCell.count(sums.lines),
                               ReportCell.count(sums.units), ReportCell.money(sums.gmv), ReportCell.money(sums.discountPlatform),
                               ReportCell.money(sums.discountSupplier), ReportCell.money(sums.goods), ReportCell.money(sums.freight),
                               ReportCell.money(sums.refundGoods), ReportCell.count(sums.refundUnits), ReportCell.money(sums.netSales),
                               ReportCell.rate(sums.refundGoods, sums.goods)])
        }
        return table
    }

    static let skuRankingColumns = ["rank", "sku", "supplier_id", "category", "lines", "units", "goods", "refunds",
                                    "refunded_units", "net_sales", "refund_rate"]

    /// Every SKU sold in the window, ranked by net sales (highest first), then units, then
    /// SKU, supplier and category in byte order; ranks run 1, 2, 3, … without ties.
    static func skuRanking(_ skus: ProductSums) -> ReportTable {
        let keys = skus.keys, allSums = skus.sums
        // Sorted as (net sales, units, slot) side by side, not slots looked up at each
        // comparison: the texts are compared only where both figures tie.
        var order = allSums.indices.map { RankKey(net: allSums[$0].netSales, units: allSums[$0].units, slot: Int32($0)) }
        order.sort { x, y in
            if x.net != y.net { return x.net > y.net }
            if x.units != y.units { return x.units > y.units }
            let a = keys[Int(x.slot)], b = keys[Int(y.slot)]
            if a.sku != b.sku { return bytesBefore(a.sku, b.sku) }
            if a.supplierID != b.supplierID { return bytesBefore(a.supplierID, b.supplierID) }
            return bytesBefore(a.category, b.category)
        }
        var table = ReportTable(name: .skuRanking, columns: skuRankingColumns)
        for (index, key) in order.prefix(ReportTable.cellRowsMax).enumerated() {
            let sku = keys[Int(key.slot)], sums = allSums[Int(key.slot)]
            table.rows.append([ReportCell.count(index + 1), ReportCell.text(sku.sku),
                               ReportCell.text(sku.supplierID), ReportCell.text(sku.category),
                               ReportCell.count(sums.lines), ReportCell.count(sums.units), ReportCell.money(sums.goods),
                               ReportCell.money(sums.refundGoods), ReportCell.count(sums.refundUnits),
                               ReportCell.money(sums.netSales), ReportCell.rate(sums.refundGoods, sums.goods)])
        }
        // Encoded straight to bytes (a month can sell half a million SKUs, and a row of cells
        // each would be that many rows of strings held at once), the two halves at once.
        let ranked = order
        let parts = TwoHalves.run(ranked.count) { rows in encodedRankingRows(rows, ranked, keys, allSums) }
        table.encodedRows = parts[0] + parts[1]
        table.encodedRowCount = ranked.count
        return table
    }

    /// A ranked SKU as sorted: its net sales and units, and where its texts and sums are.
    private struct RankKey {
        let net: Int64
        let units: Int64
        let slot: Int32
    }

    /// The CSV rows of the ranks in `rows` (rank = position + 1).
    private static func encodedRankingRows(_ rows: Range<Int>, _ order: [RankKey], _ keys: [SKUKey],
                                           _ allSums: [SalesSums]) -> [UInt8] {
        var encoded: [UInt8] = []
        encoded.reserveCapacity(rows.count * 96)
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        for index in rows {
            let slot = Int(order[index].slot)
            let key = keys[slot], sums = allSums[slot]
            CSVEncoder.appendInteger(Int64(index + 1), to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendText(key.sku, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendText(key.supplierID, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendText(key.category, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendInteger(sums.lines, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendInteger(sums.units, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendMoney(Money(fen: sums.goods), to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendMoney(Money(fen: sums.refundGoods), to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendInteger(sums.refundUnits, to: &encoded)
            encoded.append(comma)
            CSVEncoder.appendMoney(Money(fen: sums.netSales), to: &encoded)
            encoded.append(comma)
            Ratio.append(sums.refundGoods, sums.goods, to: &encoded)
            encoded.append(newline)
        }
        return encoded
    }

    static let categoryMixColumns = ["category", "lines", "units", "gmv", "goods", "refunds", "net_sales",
                                     "share_of_net_sales", "refund_rate"]

    /// Per top-level category (the first segment of the path), in byte order.
    static func categoryMix(_ facts: SalesFacts) -> ReportTable {
        let total = facts.byCategory.values.reduce(Int64(0)) { $0 + $1.netSales }
        var table = ReportTable(name: .categoryMix, columns: categoryMixColumns)
        for (category, sums) in facts.byCategory.sorted(by: { bytesBefore($0.key, $1.key) }) {
            table.rows.append([ReportCell.text(category), ReportCell.count(sums.lines), ReportCell.count(sums.units), ReportCell.money(sums.gmv),
                               ReportCell.money(sums.goods), ReportCell.money(sums.refundGoods), ReportCell.money(sums.netSales),
                               ReportCell.rate(sums.netSales, total), ReportCell.rate(sums.refundGoods, sums.goods)])
        }
        return table
    }

    static let tenderMixColumns = ["tender", "channel", "lines", "paid", "refunded", "net", "share_of_paid"]

    /// Points, then credit, then cash per payment channel (byte order).
    static func tenderMix(_ facts: SalesFacts) -> ReportTable {
        let total = facts.byTender.values.reduce(Int64(0)) { $0 + $1.paid }
        let order = ["points": 0, "credit": 1, "cash": 2]
        let sorted = facts.byTender.sorted { a, b in
            let (ra, rb) = (order[a.key.tender] ?? 3, order[b.key.tender] ?? 3)
            return ra != rb ? ra < rb : bytesBefore(a.key.channel, b.key.channel)
        }
        var table = ReportTable(name: .tenderMix, columns: tenderMixColumns)
        for (key, sums) in sorted {
            table.rows.append([ReportCell.text(key.tender), key.channel.isEmpty ? .empty : ReportCell.text(key.channel),
                               ReportCell.count(sums.lines), ReportCell.money(sums.paid), ReportCell.money(sums.refunded),
                               ReportCell.money(sums.paid - sums.refunded), ReportCell.rate(sums.paid, total)])
        }
        return table
    }

    static let marketingCostColumns = ["month", "goods", "discount_platform", "discount_supplier", "points_used",
                                       "rebates_platform", "rebates_supplier", "platform_cost", "platform_cost_rate"]

    /// One row per calendar month the window touches: the discounts and points of the lines
    /// paid in the window in that month, and the rebates settled for that month's rebate
    /// period (yearly ones under their year's first month).
    static func marketingCost(_ facts: SalesFacts, db: Database) throws -> ReportTable {
        let first = SalesFacts.monthNumber(facts.window.from), last = SalesFacts.monthNumber(facts.window.to)
        var rebates: [Int: (platform: Int64, supplier: Int64)] = [:]
        try db.query("""
            SELECT period_start, funded_by, sum(amount) AS amount FROM rebate_movements
            WHERE period_start >= ? AND period_start <= ? GROUP BY period_start, funded_by
            """, [.text(facts.window.from.firstOfMonth.description), .text(facts.window.to.description)]) { row in
            guard let start = Day(parsing: row.string("period_start")) else { return }
            let month = SalesFacts.monthNumber(start)
            var entry = rebates[month] ?? (0, 0)
            let amount = row.int("amount")
            if row.string("funded_by") == "supplier" { entry.supplier += amount } else { entry.platform += amount }
            rebates[month] = entry
        }
        var table = ReportTable(name: .marketingCost, columns: marketingCostColumns)
        for month in first...last {
            let sales = facts.marketingByMonth[month - first]
            let rebate = rebates[month] ?? (0, 0)
            let platformCost = sales.platform + rebate.platform
            table.rows.append([ReportCell.text(SalesFacts.monthText(month)), ReportCell.money(sales.goods), ReportCell.money(sales.platform),
                               ReportCell.money(sales.supplier), ReportCell.money(sales.points), ReportCell.money(rebate.platform),
                               ReportCell.money(rebate.supplier), ReportCell.money(platformCost), ReportCell.rate(platformCost, sales.goods)])
        }
        return table
    }

    /// Months after the cohort's that the retention columns follow.
    static let retentionMonths = 6
    /// Cohorts shown: the months through the window's end.
    static let retentionCohorts = 12
    static let buyerRetentionColumns = ["cohort", "buyers", "repeat_buyers", "repurchase_rate"]
        + (1...retentionMonths).map { "month_\($0)" } + (1...retentionMonths).map { "month_\($0)_rate" }

    /// Buyers (guests excluded) by the month of their first purchase, for the 12 months
    /// through the window's end: how many bought again in another order, and how many bought
    /// in each of the 6 months after; a month after the window's end is empty.
    static func buyerRetention(_ facts: SalesFacts) -> ReportTable {
        let last = SalesFacts.monthNumber(facts.window.to)
        var cohorts: [Int: (buyers: Int64, repeats: Int64, after: [Int64])] = [:]
        for history in facts.histories where history.firstMonth > last - retentionCohorts {
            var entry = cohorts[history.firstMonth] ?? (0, 0, Array(repeating: 0, count: retentionMonths))
            entry.buyers += 1
            if history.repeats { entry.repeats += 1 }
            for k in 1...retentionMonths where history.bought(inMonth: history.firstMonth + k, base: facts.monthsBase) { entry.after[k - 1] += 1 }
            cohorts[history.firstMonth] = entry
        }
        var table = ReportTable(name: .buyerRetention, columns: buyerRetentionColumns)
        for month in cohorts.keys.sorted() {
            let entry = cohorts[month]!
            let counts = (1...retentionMonths).map { month + $0 <= last ? ReportCell.count(entry.after[$0 - 1]) : .empty }
            let rates = (1...retentionMonths).map { month + $0 <= last ? ReportCell.rate(entry.after[$0 - 1], entry.buyers) : .empty }
            table.rows.append([ReportCell.text(SalesFacts.monthText(month)), ReportCell.count(entry.buyers), ReportCell.count(entry.repeats),
                               ReportCell.rate(entry.repeats, entry.buyers)] + counts + rates)
        }
        return table
    }

    static let grossMarginColumns = ["level", "category", "sku", "units", "net_sales", "net_cost", "margin", "margin_rate"]

    /// Purchase-mode lines paid in the window and posted by its end: net sales (goods less
    /// refunded goods) minus net COST (the forward COST line and its reversals), per category
    /// path (a `category` row) and per SKU under it (`sku` rows), categories in byte order.
    static func grossMargin(_ facts: SalesFacts) -> ReportTable {
        var byCategory: [String: MarginSums] = [:]
        for (key, sums) in facts.margins {
            var total = byCategory[key.category] ?? MarginSums()
            total.units += sums.units
            total.netSales += sums.netSales
            total.netCost += sums.netCost
            byCategory[key.category] = total
        }
        func row(_ level: String, _ category: String, _ sku: String?, _ sums: MarginSums) -> [CSVCell] {
            let margin = sums.netSales - sums.netCost
            return [ReportCell.text(level), ReportCell.text(category), sku.map(ReportCell.text) ?? .empty, ReportCell.count(sums.units),
                    ReportCell.money(sums.netSales), ReportCell.money(sums.netCost), ReportCell.money(margin), ReportCell.rate(margin, sums.netSales)]
        }
        var table = ReportTable(name: .grossMargin, columns: grossMarginColumns)
        // Category, then SKU, in byte order; compared by their first sixteen bytes
        // (TextOrder) before their texts, which was most of sorting a window's SKUs.
        let keys = Array(facts.margins.keys)
        let orders = keys.map { (category: TextOrder($0.category), sku: TextOrder($0.sku)) }
        let skus = TextOrder.sortedPositions(keys.count) { i, j in
            let (a, b) = (keys[i], keys[j])
            return a.category != b.category ? TextOrder.precedes(a.category, orders[i].category, b.category, orders[j].category)
                : TextOrder.precedes(a.sku, orders[i].sku, b.sku, orders[j].sku)
        }.map { keys[$0] }
        var previous: String?
        for key in skus {
            if key.category != previous {
                table.rows.append(row("category", key.category, nil, byCategory[key.category]!))
                previous = key.category
            }
            table.rows.append(row("sku", key.category, key.sku, facts.margins[key]!))
        }
        return table
    }
}

