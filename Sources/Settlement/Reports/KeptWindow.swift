// KeptWindow: the sales facts of a report window read from the kept facts (KeptFacts.swift):
// the window's dates from report_days, the buyers of the retention cohorts, the margins, the
// fee amounts posted in the window and the late lines — what SalesFacts.read makes from every
// order line of the store.

import MallCore
import MallStore

extension KeptFacts {
    /// The window's sales facts; nil when a date's bytes are damaged. The window must end on
    /// the as-of date the facts were brought up to.
    func facts(_ window: ReportWindow) throws -> SalesFacts? {
        precondition(window.to == asOf, "kept facts answer the window ending on their as-of date")
        var facts = SalesFacts(window: window)
        guard try readDays(into: &facts) else { return nil }
        for (key, sums) in zip(facts.skus.keys, facts.skus.sums) {
            facts.bySupplier[key.supplierID, default: SalesSums()].merge(sums)
            facts.byCategory[SalesFacts.topCategory(key.category), default: SalesSums()].merge(sums)
        }
        try readBuyers(into: &facts)
        try db.query("""
            SELECT category, sku, sum(units) AS units, sum(net_sales) AS net_sales, sum(net_cost) AS net_cost
            FROM report_margin_lines WHERE day >= ? AND day <= ? AND posted = 1 GROUP BY category, sku
            """, dayRange(window)) { row in
            facts.margins[MarginKey(category: row.string("category"), sku: row.string("sku"))] =
                MarginSums(units: row.int("units"), netSales: row.int("net_sales"), netCost: row.int("net_cost"))
        }
        var bySheet: [Int64: [Int64]] = [:]
        try db.query("""
            SELECT sheet_key, fee_code, sum(amount) AS amount FROM report_posted
            WHERE posting_day >= ? AND posting_day <= ? GROUP BY sheet_key, fee_code
            """, dayRange(window)) { row in
            let code = Int(row.int("fee_code"))
            guard code > 0 && code < SalesFacts.codeSlots else { return }
            bySheet[row.int("sheet_key"), default: Array(repeating: 0, count: SalesFacts.codeSlots)][code] += row.int("amount")
        }
        try facts.foldPosted(bySheet, db)
        try db.query("SELECT sheet_key, lines FROM report_late") { facts.lateLines[$0.int("sheet_key")] = $0.int("lines") }
        return facts
    }

    private func dayRange(_ window: ReportWindow) -> [SQLValue] {
        [.int(Int64(window.from.ordinal)), .int(Int64(window.to.ordinal))]
    }

    /// The window's dates: sums by day, SKU and tender, distinct orders and buyers, and the
    /// marketing sums of their months. False when a date's bytes are damaged.
    private func readDays(into facts: inout SalesFacts) throws -> Bool {
        let window = facts.window
        var sound = true
        try db.query("SELECT day, facts FROM report_days WHERE day >= ? AND day <= ? ORDER BY day", dayRange(window)) { row in
            let day = Int(row.int(0))
            sound = sound && row.withBlob(1) { bytes in
                DayFacts.read(bytes, header: { totals, points, orders, buyers in
                    facts.byDay[day - window.from.ordinal] = totals
                    facts.orderCounts[day] = orders
                    facts.buyerCounts[day] = buyers
                    let month = SalesFacts.monthNumber(Day(ordinal: day)) - facts.firstMonth
                    facts.marketingByMonth[month].platform += totals.discountPlatform
                    facts.marketingByMonth[month].supplier += totals.discountSupplier
                    facts.marketingByMonth[month].points += points
                    facts.marketingByMonth[month].goods += totals.goods
                }, product: { facts.skus.add(sku: $0, supplier: $1, category: $2, $3) },
                tender: { key, sums in facts.byTender[key, default: TenderSums()].merge(sums) })
            }
        }
        return sound
    }

    /// The buyers whose first purchase falls in the retention cohorts' months, their months of
    /// purchase placed as SalesFacts counts them (bit k: month monthsBase + k).
    private func readBuyers(into facts: inout SalesFacts) throws {
        let last = SalesFacts.monthNumber(facts.window.to)
        let firstCohort = last - SalesReports.retentionCohorts + 1
        let start = Day(year: firstCohort / 12, month: firstCohort % 12 + 1, day: 1)!
        try db.query("SELECT first_day, repeats, months FROM report_buyers WHERE first_day >= ?",
                     [.int(Int64(start.ordinal))]) { row in
            let firstDay = Int(row.int("first_day"))
            let firstMonth = SalesFacts.monthNumber(Day(ordinal: firstDay))
            let bought = UInt64(bitPattern: row.int("months"))
            var months: UInt64 = 0
            for k in 0..<64 where bought & (1 << UInt64(k)) != 0 {
                let bit = firstMonth + k - facts.monthsBase
                if bit >= 0 && bit < 64 { months |= 1 << UInt64(bit) }
            }
            facts.histories.append(BuyerHistory(firstMonth: firstMonth, firstDay: firstDay, firstOrder: TextKey(""),
                                                repeats: row.int("repeats") != 0, months: months))
        }
    }
}

extension TenderSums {
    mutating func merge(_ other: TenderSums) {
        lines += other.lines
        paid += other.paid
        refunded += other.refunded
    }
}
