// Generator: a realistic, deterministic mall for the sample data, the replay tests and the
// benchmarks (SPEC §13 `generate`). From a few settings and a seed it builds a catalog, the
// settlement configuration for its suppliers (SPEC §4) and a journal of mall events in time
// order, produced lazily so a million orders need memory for the orders in flight only.
//
// The shaping numbers live in GeneratorKnobs.swift, the catalog in GeneratorCatalog.swift, the
// journal in GeneratorJournal.swift.

/// What to generate: how long, how busy, how big, from which seed, starting when and where.
public struct GeneratorSettings: Hashable, Sendable {
    /// Business days of orders, starting at `start`.
    public var days: Int
    /// Orders placed per day on average (the run places exactly `days × ordersPerDay`, spread
    /// by weekday, month start and campaigns).
    public var ordersPerDay: Int
    public var suppliers: Int
    /// Welfare employees and B2B dealers together (one in twenty is a dealer).
    public var buyers: Int
    public var seed: UInt64
    /// The first business day.
    public var start: Day
    /// IANA name of the business time zone.
    public var timezone: String

    /// Limits the generator accepts (named so a command line can say them).
    public static let daysMax = 3660
    public static let ordersPerDayMax = 10_000_000
    public static let suppliersMax = 9999
    public static let buyersMax = 10_000_000

    public init(days: Int = 30, ordersPerDay: Int = 200, suppliers: Int = 12, buyers: Int = 2000, seed: UInt64 = 1,
                start: Day = Day(year: 2026, month: 10, day: 1)!, timezone: String = "Asia/Shanghai") {
        self.days = days; self.ordersPerDay = ordersPerDay; self.suppliers = suppliers; self.buyers = buyers
        self.seed = seed; self.start = start; self.timezone = timezone
    }

    /// Why these settings cannot be generated, for a person; nil when they can.
    public var problem: String? {
        if !(1...GeneratorSettings.daysMax).contains(days) { return "days must be 1 to \(GeneratorSettings.daysMax)" }
        if !(0...GeneratorSettings.ordersPerDayMax).contains(ordersPerDay) {
            return "orders per day must be 0 to \(GeneratorSettings.ordersPerDayMax)"
        }
        if !(1...GeneratorSettings.suppliersMax).contains(suppliers) { return "suppliers must be 1 to \(GeneratorSettings.suppliersMax)" }
        if !(1...GeneratorSettings.buyersMax).contains(buyers) { return "buyers must be 1 to \(GeneratorSettings.buyersMax)" }
        if BusinessCalendar(timezone: timezone) == nil { return "'\(timezone)' is not a known IANA time zone" }
        return nil
    }
}

/// A generated mall: its catalog, its settlement configuration and its journal. The same
/// settings (seed included) always give the same catalog, configuration and events.
public struct MallGenerator: Sendable {
    /// The refusals the generator writes on purpose (GeneratorJournal.swift), as `event
    /// reason`: a frozen dealer trying to pay, and a buyer losing the race for the last units
    /// of a limited SKU. `generate` counts only the others as findings.
    public static let refusalsOnPurpose: Set<String> = ["pay credit_frozen", "pay out_of_stock"]

    public let settings: GeneratorSettings
    public let catalog: Catalog
    let tables: GeneratorTables
    let clock: GenZoneClock

    /// Builds the catalog. The settings must be valid (`settings.problem == nil`).
    public init(settings: GeneratorSettings) {
        precondition(settings.problem == nil, "invalid generator settings: \(settings.problem ?? "")")
        let calendar = BusinessCalendar(timezone: settings.timezone)!
        // Offsets are cached from a little before the run to well after it (coupons, expiries).
        let clock = GenZoneClock(calendar: calendar)
        var builder = GeneratorCatalogBuilder(settings: settings, clock: clock)
        let (catalog, tables) = builder.build()
        self.settings = settings
        self.catalog = catalog
        self.tables = tables
        self.clock = builder.clock
    }

    /// The journal, in time order, produced lazily: memory holds the orders in flight, not the
    /// journal.
    public func events() -> MallJournal {
        MallJournal(settings: settings, tables: tables, clock: clock)
    }

    /// The settlement configuration (SPEC §4, the Pipelines/mall.json format) for the generated
    /// suppliers: every mode, cycle and trigger once there are eight suppliers, rate and
    /// per-unit fee rules with every kind of selector, and a credit account (SPEC §8) per dealer.
    public func configJSON() -> String {
        var lines: [String] = []
        lines.append("{")
        lines.append("  \"timezone\": \(JSONText.quoted(settings.timezone)),")
        lines.append("  \"currency\": \"CNY\",")
        lines.append("  \"orphan_window_days\": 3,")
        lines.append("  \"reconcile_window_days\": 2,")
        lines.append("  \"suppliers\": [")
        lines.append(tables.suppliers.map(supplierJSON).joined(separator: ",\n"))
        lines.append("  ],")
        lines.append("  \"fee_rules\": [")
        lines.append(feeRules().map { "    {" + $0 + "}" }.joined(separator: ",\n"))
        lines.append("  ],")
        lines.append("  \"rebates\": [],")
        let accounts = tables.dealers.map(creditAccountJSON)
        if accounts.isEmpty {
            lines.append("  \"credit_accounts\": []")
        } else {
            lines.append("  \"credit_accounts\": [")
            lines.append(accounts.joined(separator: ",\n"))
            lines.append("  ]")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private func supplierJSON(_ supplier: GenSupplier) -> String {
        var fields = [
            "\"id\": \(JSONText.quoted(supplier.id))",
            "\"name\": \(JSONText.quoted(supplier.name))",
            "\"mode\": \"\(supplier.commissionMode ? "commission" : "purchase")\"",
            "\"ships\": \"\(supplier.platformShips ? "platform" : "supplier")\"",
            "\"cycle\": \"\(supplier.cycle)\"",
        ]
        if let day = supplier.cycleDay { fields.append("\"cycle_day\": \(day)") }
        fields.append("\"settle_on\": \"\(supplier.settleOnCompleted ? "completed" : "paid")\"")
        fields.append("\"entity\": \(JSONText.quoted(supplier.entity))")
        return "    {" + fields.joined(separator: ", ") + "}"
    }

    private func creditAccountJSON(_ dealer: GenDealer) -> String {
        "    {\"buyer_id\": \(JSONText.quoted(dealer.id)), \"limit\": \"\(Money(fen: dealer.limitFen))\", "
            + "\"bill_day\": \(dealer.billDay), \"repay_day\": \(dealer.repayDay), "
            + "\"late_fee_ppm_per_day\": \(GeneratorKnobs.lateFeePPMPerDay), "
            + "\"freeze_after_days\": \(GeneratorKnobs.freezeAfterDays), "
            + "\"on_time_discounts\": [{\"min_bill\": \"50000.00\", \"discount\": \"100.00\"}, "
            + "{\"min_bill\": \"200000.00\", \"discount\": \"500.00\"}]}"
    }

    /// The fee rules, as the inside of JSON objects. No two share fee, selectors and an
    /// overlapping window (SPEC §4), so the configuration always loads.
    private func feeRules() -> [String] {
        func rate(_ fee: String, _ ppm: Int64, _ selectors: [(String, String)] = []) -> String {
            ([("fee", JSONText.quoted(fee)), ("rate_ppm", String(ppm))] + selectors.map { ($0.0, JSONText.quoted($0.1)) })
                .map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
        }
        func perUnit(_ fee: String, _ fen: Int64, _ selectors: [(String, String)] = []) -> String {
            ([("fee", JSONText.quoted(fee)), ("per_unit", JSONText.quoted(Money(fen: fen).description))]
                + selectors.map { ($0.0, JSONText.quoted($0.1)) })
                .map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
        }
        let suppliers = tables.suppliers
        let trades = GenTrade.allCases.filter { trade in suppliers.contains { $0.trade == trade } }
        // One trade's commission changes mid-run: a rule until the change, another from it.
        let windowed = [GenTrade.home, .beauty, .sports, .food].first { trades.contains($0) }
        let change = settings.start.adding(days: max(1, settings.days / 2)).description
        var rules: [String] = [rate("commission", 50_000)]
        for trade in trades where trade != windowed {
            rules.append(rate("commission", trade.commissionPPM, [("category", trade.top)]))
        }
        if let windowed {
            rules.append(rate("commission", windowed.commissionPPM, [("category", windowed.top), ("effective_to", change)]))
            rules.append(rate("commission", windowed.commissionPPM + 10_000, [("category", windowed.top), ("effective_from", change)]))
        }
        let leavesSold = Set(tables.skus.map(\.leaf))
        if leavesSold.contains(where: { GenCategoryLeaf.tree[$0].path.hasPrefix("digital/phone/") }) {
            rules.append(rate("commission", 30_000, [("category", "digital/phone")]))
        }
        let commission = suppliers.indices.filter { suppliers[$0].commissionMode }
        if let first = commission.first {
            rules.append(rate("commission", 60_000, [("supplier_id", suppliers[first].id)]))
        }
        if commission.count > 1 {
            let second = suppliers[commission[1]]
            rules.append(rate("commission", 45_000, [("supplier_id", second.id),
                                                     ("category", GenCategoryLeaf.tree[second.leaves[0]].prefix(levels: 2))]))
        }
        // A SKU-specific rate: the first SKU employees can buy from a commission-mode supplier.
        if let sku = tables.welfareSKUs.skus.first(where: { suppliers[tables.skus[Int($0)].supplier].commissionMode }) {
            rules.append(rate("commission", 12_000, [("sku", tables.skus[Int(sku)].id)]))
        }
        rules.append(rate("payment_fee", 6000, [("channel", "wechat")]) + ", \"reversible\": false")
        rules.append(rate("payment_fee", 5500, [("channel", "alipay")]) + ", \"reversible\": true")
        rules.append(rate("payment_fee", 3800, [("channel", "unionpay")]) + ", \"reversible\": true")
        rules.append(rate("refund_admin", 200_000))
        if suppliers.count > 1 { rules.append(rate("refund_admin", 0, [("supplier_id", suppliers[1].id)])) }
        rules.append(perUnit("delivery_fee", 600))
        if trades.contains(.office) { rules.append(perUnit("delivery_fee", 450, [("category", "office")])) }
        for (index, supplier) in suppliers.enumerated() where supplier.platformShips {
            rules.append(perUnit("warehousing_fee", [80, 120, 150][index % 3], [("supplier_id", supplier.id)]))
        }
        rules.append(perUnit("return_service_fee", 300, [("effective_from", settings.start.adding(days: 14).description)]))
        return rules
    }
}
