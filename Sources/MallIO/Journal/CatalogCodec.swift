// Journal/CatalogCodec.swift: the catalog file (JSON, docs/journal.md) — suppliers' pricing and
// freight, SKUs, level ratios, contracts, coupons, buyers, payment channels. Reading checks
// every field and names its path; writing is canonical, one list item per line.
import MallCore

public enum CatalogCodec {
    public static func decode(_ bytes: [UInt8]) -> Result<Catalog, JSONFieldError> {
        do throws(JSONFieldError) {
            let root: JSONValue
            do throws(JSONSyntaxError) {
                root = try JSONParser.parse(bytes)
            } catch {
                throw JSONFieldError(line: error.line, column: error.column, field: "(document)", message: error.message)
            }
            var f = try JSONFieldReader(root, path: "", document: bytes)
            var catalog = Catalog()
            try readTerms(&f, into: &catalog)
            let supplierIDs = try readSuppliers(&f, into: &catalog)
            let skuIDs = try readSKUs(&f, supplierIDs: supplierIDs, into: &catalog)
            try readContracts(&f, skuIDs: skuIDs, into: &catalog)
            try readCoupons(&f, into: &catalog)
            try readBuyers(&f, into: &catalog)
            try f.finish()
            return .success(catalog)
        } catch {
            return .failure(error)
        }
    }

    /// Currency, time zone, points cap, level ratios and payment channels.
    private static func readTerms(_ f: inout JSONFieldReader, into catalog: inout Catalog) throws(JSONFieldError) {
        catalog.currency = try f.string("currency", required: false, maxCharacters: 3) ?? "CNY"
        catalog.timezone = try f.string("timezone", required: false, maxCharacters: 64) ?? "Asia/Shanghai"
        if BusinessCalendar(timezone: catalog.timezone) == nil { throw f.error("timezone", "is not a known IANA time zone") }
        catalog.pointsCap = try f.rate("points_cap_ppm", required: false) ?? Rate(ppm: 1_000_000)
        if catalog.pointsCap.ppm > 1_000_000 { throw f.error("points_cap_ppm", "must be at most 1000000 (100%)") }
        for (level, value) in try f.map("level_ratios") {
            guard case .number(let text, _) = value, let ppm = Int64(text), ppm >= 0, ppm <= 10_000_000 else {
                throw f.error("level_ratios.\(level)", "must be a rate in ppm (e.g. 950000 for 95%)", at: value)
            }
            catalog.levelRatios[level] = Rate(ppm: ppm)
        }
        for (i, item) in try f.array("channels").enumerated() {
            var c = try f.item(item, of: "channels", index: i)
            catalog.channels.append(ChannelTerms(channel: try c.requiredString("channel"),
                                                 feeRate: try c.rate("fee_ppm") ?? Rate(ppm: 0)))
            try c.finish()
        }
    }

    /// The suppliers' pricing and freight; returns their ids.
    private static func readSuppliers(_ f: inout JSONFieldReader, into catalog: inout Catalog) throws(JSONFieldError) -> Set<String> {
        var supplierIDs: Set<String> = []
        for (i, item) in try f.array("suppliers", required: true).enumerated() {
            var s = try f.item(item, of: "suppliers", index: i)
            let id = try s.requiredString("id")
            guard supplierIDs.insert(id).inserted else { throw s.error("id", "\(id) is listed twice") }
            let pricingText = try s.string("pricing", required: false) ?? "fixed"
            let pricing: PricingMode
            switch pricingText {
            case "fixed": pricing = .fixed
            case "cost_plus": pricing = .costPlus(markup: try s.rate("markup_ppm") ?? Rate(ppm: 0))
            case "market_minus":
                let d = try s.rate("discount_ppm") ?? Rate(ppm: 0)
                if d.ppm > 1_000_000 { throw s.error("discount_ppm", "must be at most 1000000") }
                pricing = .marketMinus(discount: d)
            default: throw s.error("pricing", "must be fixed, cost_plus or market_minus, found \(pricingText)")
            }
            let freight = FreightRule(flat: try s.money("freight", required: false) ?? .zero,
                                      freeOver: try s.money("free_freight_over", required: false))
            try s.finish()
            catalog.suppliers.append(CatalogSupplier(id: id, pricing: pricing, freight: freight))
        }
        return supplierIDs
    }

    /// The SKUs, each of a known supplier; returns their ids.
    private static func readSKUs(_ f: inout JSONFieldReader, supplierIDs: Set<String>,
                                 into catalog: inout Catalog) throws(JSONFieldError) -> Set<String> {
        var skuIDs: Set<String> = []
        for (i, item) in try f.array("skus", required: true).enumerated() {
            var s = try f.item(item, of: "skus", index: i)
            let sku = try s.requiredString("sku")
            guard skuIDs.insert(sku).inserted else { throw s.error("sku", "\(sku) is listed twice") }
            let supplierID = try s.requiredString("supplier_id")
            guard supplierIDs.contains(supplierID) else { throw s.error("supplier_id", "\(supplierID) is not in suppliers") }
            var entry = CatalogSKU(sku: sku, spu: try s.string("spu", required: false, maxCharacters: 64) ?? sku,
                                   supplierID: supplierID, category: try s.requiredString("category", maxCharacters: 200),
                                   marketPrice: try s.money("market_price") ?? .zero,
                                   costPrice: try s.money("cost_price", required: false) ?? .zero,
                                   salePrice: try s.money("sale_price", required: false),
                                   stock: try s.integer("stock", range: 0...1_000_000_000_000) ?? 0)
            for (level, value) in try s.map("level_prices") {
                guard case .string(let text, _) = value, case .success(let m) = Money.parse(text), m.fen >= 0 else {
                    throw s.error("level_prices.\(level)", "must be an amount in quotes, like \"12.30\"", at: value)
                }
                entry.levelPrices[level] = m
            }
            for (j, tierValue) in try s.array("tiers").enumerated() {
                var t = try s.item(tierValue, of: "tiers", index: j)
                entry.tiers.append(TierPrice(minQuantity: try t.integer("min_quantity", range: 1...1_000_000) ?? 1,
                                             unitPrice: try t.money("unit_price") ?? .zero))
                try t.finish()
            }
            try s.finish()
            catalog.skus.append(entry)
        }
        return skuIDs
    }

    /// Buyers' price contracts, each for a known SKU.
    private static func readContracts(_ f: inout JSONFieldReader, skuIDs: Set<String>,
                                      into catalog: inout Catalog) throws(JSONFieldError) {
        for (i, item) in try f.array("contracts").enumerated() {
            var c = try f.item(item, of: "contracts", index: i)
            let contract = PriceContract(buyerID: try c.requiredString("buyer_id"), sku: try c.requiredString("sku"),
                                         unitPrice: try c.money("unit_price") ?? .zero)
            guard skuIDs.contains(contract.sku) else { throw c.error("sku", "\(contract.sku) is not in skus") }
            try c.finish()
            catalog.contracts.append(contract)
        }
    }

    private static func readCoupons(_ f: inout JSONFieldReader, into catalog: inout Catalog) throws(JSONFieldError) {
        var couponIDs: Set<String> = []
        for (i, item) in try f.array("coupons").enumerated() {
            var c = try f.item(item, of: "coupons", index: i)
            catalog.coupons.append(try readCoupon(&c, ids: &couponIDs))
        }
    }

    /// One coupon, its id not seen before.
    private static func readCoupon(_ c: inout JSONFieldReader, ids couponIDs: inout Set<String>) throws(JSONFieldError) -> Coupon {
        let id = try c.requiredString("id")
        guard couponIDs.insert(id).inserted else { throw c.error("id", "\(id) is listed twice") }
        let kindText = try c.requiredString("kind")
        let kind: CouponKind
        switch kindText {
        case "amount_off": kind = .amountOff(try c.money("amount") ?? .zero)
        case "percent_off":
            let r = try c.rate("percent_ppm") ?? Rate(ppm: 0)
            if r.ppm > 1_000_000 { throw c.error("percent_ppm", "must be at most 1000000") }
            kind = .percentOff(r, cap: try c.money("max_off", required: false))
        default: throw c.error("kind", "must be amount_off or percent_off, found \(kindText)")
        }
        var skus: [String] = []
        for value in try c.array("skus") {
            guard case .string(let s, _) = value else { throw c.error("skus", "must be a list of SKU ids", at: value) }
            skus.append(s)
        }
        let funderText = try c.string("funded_by", required: false) ?? "platform"
        guard let funder = Funder(rawValue: funderText) else {
            throw c.error("funded_by", "must be platform or supplier, found \(funderText)")
        }
        let coupon = Coupon(id: id, kind: kind, threshold: try c.money("threshold", required: false) ?? .zero,
                            scope: CouponScope(supplierID: try c.string("supplier_id", required: false),
                                               category: try c.string("category", required: false, maxCharacters: 200),
                                               skus: skus),
                            validFrom: try c.instant("valid_from") ?? Instant(nanos: 0),
                            validTo: try c.instant("valid_to") ?? Instant(nanos: 0),
                            fundedBy: funder,
                            perBuyerLimit: Int(try c.integer("per_buyer_limit", required: false, range: 1...1_000_000) ?? 1))
        if coupon.validTo <= coupon.validFrom { throw c.error("valid_to", "must be later than valid_from") }
        try c.finish()
        return coupon
    }

    private static func readBuyers(_ f: inout JSONFieldReader, into catalog: inout Catalog) throws(JSONFieldError) {
        var buyerIDs: Set<String> = []
        for (i, item) in try f.array("buyers", required: true).enumerated() {
            var b = try f.item(item, of: "buyers", index: i)
            let id = try b.requiredString("id")
            guard buyerIDs.insert(id).inserted else { throw b.error("id", "\(id) is listed twice") }
            catalog.buyers.append(Buyer(id: id, level: try b.string("level", required: false, maxCharacters: 32) ?? "",
                                        paysOnCredit: try b.bool("pays_on_credit", default: false),
                                        creditLimit: try b.money("credit_limit", required: false) ?? .zero,
                                        frozen: try b.bool("frozen", default: false)))
            try b.finish()
        }
    }

    /// Canonical text: fixed key order, maps sorted by key, one list item per line.
    public static func encode(_ catalog: Catalog) -> String {
        func q(_ s: String) -> String { JSONText.quoted(s) }
        func m(_ v: Money) -> String { "\"\(v)\"" }
        func t(_ i: Instant) -> String { q(i.description) }
        func list(_ name: String, _ items: [String]) -> String {
            items.isEmpty ? "  \(q(name)): []" : "  \(q(name)): [\n    " + items.joined(separator: ",\n    ") + "\n  ]"
        }
        var parts: [String] = [
            "  \"currency\": \(q(catalog.currency))",
            "  \"timezone\": \(q(catalog.timezone))",
            "  \"points_cap_ppm\": \(catalog.pointsCap.ppm)",
            "  \"level_ratios\": {" + catalog.levelRatios.sorted { $0.key < $1.key }
                .map { "\(q($0.key)): \($0.value.ppm)" }.joined(separator: ", ") + "}",
        ]
        parts.append(list("channels", catalog.channels.map { "{\"channel\": \(q($0.channel)), \"fee_ppm\": \($0.feeRate.ppm)}" }))
        parts.append(list("suppliers", catalog.suppliers.map { s in
            var o = "{\"id\": \(q(s.id))"
            switch s.pricing {
            case .fixed: o += ", \"pricing\": \"fixed\""
            case .costPlus(let r): o += ", \"pricing\": \"cost_plus\", \"markup_ppm\": \(r.ppm)"
            case .marketMinus(let r): o += ", \"pricing\": \"market_minus\", \"discount_ppm\": \(r.ppm)"
            }
            o += ", \"freight\": \(m(s.freight.flat))"
            if let free = s.freight.freeOver { o += ", \"free_freight_over\": \(m(free))" }
            return o + "}"
        }))
        parts.append(list("skus", catalog.skus.map { s in
            var o = "{\"sku\": \(q(s.sku)), \"spu\": \(q(s.spu)), \"supplier_id\": \(q(s.supplierID)), \"category\": \(q(s.category))"
            o += ", \"market_price\": \(m(s.marketPrice)), \"cost_price\": \(m(s.costPrice))"
            if let sale = s.salePrice { o += ", \"sale_price\": \(m(sale))" }
            o += ", \"stock\": \(s.stock)"
            if !s.levelPrices.isEmpty {
                o += ", \"level_prices\": {" + s.levelPrices.sorted { $0.key < $1.key }
                    .map { "\(q($0.key)): \(m($0.value))" }.joined(separator: ", ") + "}"
            }
            if !s.tiers.isEmpty {
                o += ", \"tiers\": [" + s.tiers.map { "{\"min_quantity\": \($0.minQuantity), \"unit_price\": \(m($0.unitPrice))}" }
                    .joined(separator: ", ") + "]"
            }
            return o + "}"
        }))
        parts.append(list("contracts", catalog.contracts.map {
            "{\"buyer_id\": \(q($0.buyerID)), \"sku\": \(q($0.sku)), \"unit_price\": \(m($0.unitPrice))}"
        }))
        parts.append(list("coupons", catalog.coupons.map { c in
            var o = "{\"id\": \(q(c.id))"
            switch c.kind {
            case .amountOff(let a): o += ", \"kind\": \"amount_off\", \"amount\": \(m(a))"
            case .percentOff(let r, let cap):
                o += ", \"kind\": \"percent_off\", \"percent_ppm\": \(r.ppm)"
                if let cap { o += ", \"max_off\": \(m(cap))" }
            }
            o += ", \"threshold\": \(m(c.threshold))"
            if let s = c.scope.supplierID { o += ", \"supplier_id\": \(q(s))" }
            if let s = c.scope.category { o += ", \"category\": \(q(s))" }
            if !c.scope.skus.isEmpty { o += ", \"skus\": [" + c.scope.skus.map(q).joined(separator: ", ") + "]" }
            o += ", \"valid_from\": \(t(c.validFrom)), \"valid_to\": \(t(c.validTo)), \"funded_by\": \"\(c.fundedBy.rawValue)\""
            if c.perBuyerLimit != 1 { o += ", \"per_buyer_limit\": \(c.perBuyerLimit)" }
            return o + "}"
        }))
        parts.append(list("buyers", catalog.buyers.map { b in
            var o = "{\"id\": \(q(b.id)), \"level\": \(q(b.level))"
            if b.paysOnCredit { o += ", \"pays_on_credit\": true" }
            // A limit is kept even without credit: the file says what was read.
            if b.paysOnCredit || b.creditLimit != .zero { o += ", \"credit_limit\": \(m(b.creditLimit))" }
            if b.frozen { o += ", \"frozen\": true" }
            return o + "}"
        }))
        return "{\n" + parts.joined(separator: ",\n") + "\n}\n"
    }
}
