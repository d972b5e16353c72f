// RebatePolicy: one buyer rebate policy as configured (`rebates`, SPEC §7), read and checked
// with the rest of the configuration: a bad value, or two policies of a kind equal on both
// selectors, stops the run (exit 2) naming its JSON path.

import MallCore
import MallIO

/// The four kinds of rebate (SPEC §7).
public enum RebateKind: String, Sendable, CaseIterable {
    case order_total, category, special_sku, tiered
}

/// Who pays a rebate: the platform, or the suppliers whose lines earned it.
public enum RebateFunder: String, Sendable {
    case platform, supplier
}

/// The rebate periods: calendar months, or calendar years (yearly tiered policies only).
public enum RebateCycle: String, Sendable, CaseIterable {
    case monthly, yearly

    /// Stored in `rebate_cycles` and `rebate_counted`; never renumber.
    public var storeCode: Int64 { self == .monthly ? 1 : 2 }

    /// The calendar month or year containing `day`.
    public func period(containing day: Day) -> Period {
        let start = Day(year: day.year, month: self == .monthly ? day.month : 1, day: 1)!
        return period(startingOn: start)
    }

    public func period(startingOn start: Day) -> Period {
        let next = self == .monthly ? start.adding(months: 1) : start.adding(months: 12)
        return Period(start: start, end: next.adding(days: -1))
    }
}

/// How a tiered policy applies its tiers (SPEC §7).
public enum TierMode: String, Sendable {
    /// The highest tier reached applies to the whole base.
    case whole
    /// Each tier's rate applies to the part of the base between its threshold and the next.
    case marginal
}

/// One tier: reached when the base ≥ `threshold`.
public struct RebateTier: Sendable, Hashable {
    public let threshold: Money
    public let ratePPM: Int64
    public init(threshold: Money, ratePPM: Int64) {
        self.threshold = threshold
        self.ratePPM = ratePPM
    }
}

/// A configured rebate policy.
public struct RebatePolicy: Sendable {
    /// Position in `rebates`, for messages.
    public let index: Int
    public let id: String
    public let kind: RebateKind
    /// The rate of the linear kinds (`order_total`, `category`, `special_sku`); 0 for tiered.
    public let ratePPM: Int64
    public let memberLevel: String?
    public let buyerID: String?
    /// `category` policies: the path, normalised (`digital/phone`).
    public let category: String?
    /// `special_sku` policies: the SKU.
    public let sku: String?
    public let fundedBy: RebateFunder
    /// Monthly for every linear kind; as configured for tiered.
    public let cycle: RebateCycle
    /// Tiered policies: ascending by threshold, at least one.
    public let tiers: [RebateTier]
    public let mode: TierMode

    public init(index: Int, id: String, kind: RebateKind, ratePPM: Int64 = 0, memberLevel: String? = nil,
                buyerID: String? = nil, category: String? = nil, sku: String? = nil, fundedBy: RebateFunder = .platform,
                cycle: RebateCycle = .monthly, tiers: [RebateTier] = [], mode: TierMode = .whole) {
        precondition(memberLevel == nil || buyerID == nil, "a policy names at most one buyer selector")
        precondition(kind != .tiered || !tiers.isEmpty, "a tiered policy has tiers")
        self.index = index
        self.id = id
        self.kind = kind
        self.ratePPM = ratePPM
        self.memberLevel = memberLevel
        self.buyerID = buyerID
        self.category = category
        self.sku = sku
        self.fundedBy = fundedBy
        self.cycle = cycle
        self.tiers = tiers
        self.mode = mode
        categoryDepth = category.map { $0.split(separator: "/").count } ?? 0
    }

    /// Depth of the category path (none = 0).
    public let categoryDepth: Int

    /// Precedence of the buyer selector: `buyer_id` 2, `member_level` 1, none 0.
    public var buyerRank: Int { buyerID != nil ? 2 : (memberLevel != nil ? 1 : 0) }

    /// Whether the buyer selector takes a line of `buyer` at `level`.
    public func takesBuyer(_ buyer: String, level: String?) -> Bool {
        if let buyerID { return buyerID == buyer }
        if let memberLevel { return memberLevel == level }
        return true
    }

    /// Limits of what is read.
    static let idBytesMax = 64
    static let tiersMax = 100

    /// Reads `rebates`: each field checked, ids unique, no two policies of a kind equal on both
    /// selectors (tiered policies exempt).
    static func parseAll(_ value: JSONValue?, reader: JSONFields) throws -> [RebatePolicy] {
        var policies: [RebatePolicy] = []
        var ids: [String: Int] = [:]
        for (index, element) in try reader.array(value, at: "$.rebates").enumerated() {
            let at = "$.rebates[\(index)]"
            let policy = try parse(element, index: index, at: at, reader: reader)
            if let first = ids[policy.id] {
                throw reader.error("\(at).id", "policy id '\(policy.id)' is already used by rebates[\(first)]")
            }
            ids[policy.id] = index
            if policy.kind != .tiered, let other = policies.first(where: { $0.kind == policy.kind && $0.sameSelectors(policy) }) {
                throw reader.error(at, "conflicts with rebates[\(other.index)]: two \(policy.kind.rawValue) policies with the same selectors")
            }
            policies.append(policy)
        }
        return policies
    }

    private func sameSelectors(_ other: RebatePolicy) -> Bool {
        memberLevel == other.memberLevel && buyerID == other.buyerID && category == other.category && sku == other.sku
    }

    private static func parse(_ element: JSONValue, index: Int, at: String, reader: JSONFields) throws -> RebatePolicy {
        let fields = try reader.object(element, at: at)
        try reader.allow(fields, ["id", "kind", "rate_ppm", "member_level", "buyer_id", "category", "sku", "funded_by",
                                  "cycle", "tiers", "mode"], at: at)
        let id = try reader.requiredString(fields["id"], at: "\(at).id")
        guard id.utf8.count <= idBytesMax else { throw reader.error("\(at).id", "must be at most \(idBytesMax) bytes") }
        guard !id.utf8.contains(UInt8(ascii: "/")) else {
            throw reader.error("\(at).id", "may not contain '/' (it separates the parts of a REBATE_FUNDING source_id)")
        }
        let kind = try reader.choice(fields["kind"], at: "\(at).kind", RebateKind.self)
        let fundedBy = try reader.choice(fields["funded_by"], at: "\(at).funded_by", RebateFunder.self)
        let memberLevel = try nonEmpty(fields["member_level"], at: "\(at).member_level", reader: reader)
        let buyerID = try nonEmpty(fields["buyer_id"], at: "\(at).buyer_id", reader: reader)
        if memberLevel != nil && buyerID != nil {
            throw reader.error("\(at).buyer_id", "a policy names member_level or buyer_id, not both")
        }
        if kind == .special_sku && (memberLevel != nil || buyerID != nil) {
            throw reader.error("\(at).\(memberLevel != nil ? "member_level" : "buyer_id")", "special_sku policies are global: no buyer selector")
        }
        let category = try categoryPath(fields["category"], at: "\(at).category", reader: reader)
        if (category != nil) != (kind == .category) {
            throw reader.error("\(at).category", kind == .category ? "a category policy needs a category path" : "only category policies name a category")
        }
        let sku = try nonEmpty(fields["sku"], at: "\(at).sku", reader: reader)
        if (sku != nil) != (kind == .special_sku) {
            throw reader.error("\(at).sku", kind == .special_sku ? "a special_sku policy needs a sku" : "only special_sku policies name a sku")
        }
        guard kind == .tiered else {
            for key in ["cycle", "tiers", "mode"] where fields[key] != nil {
                throw reader.error("\(at).\(key)", "only tiered policies have \(key)")
            }
            guard let rate = try reader.integer(fields["rate_ppm"], at: "\(at).rate_ppm", range: 0...1_000_000) else {
                throw reader.error("\(at).rate_ppm", "a \(kind.rawValue) policy needs rate_ppm (parts per million, 1% = 10000)")
            }
            return RebatePolicy(index: index, id: id, kind: kind, ratePPM: Int64(rate), memberLevel: memberLevel,
                                buyerID: buyerID, category: category, sku: sku, fundedBy: fundedBy)
        }
        if fields["rate_ppm"] != nil { throw reader.error("\(at).rate_ppm", "a tiered policy's rates are in its tiers") }
        let cycle = try reader.choice(fields["cycle"], at: "\(at).cycle", RebateCycle.self)
        let mode = try reader.choice(fields["mode"], at: "\(at).mode", TierMode.self)
        let tierValues = try reader.array(fields["tiers"], at: "\(at).tiers")
        guard !tierValues.isEmpty else { throw reader.error("\(at).tiers", "a tiered policy needs at least one tier") }
        guard tierValues.count <= tiersMax else { throw reader.error("\(at).tiers", "at most \(tiersMax) tiers") }
        var tiers: [RebateTier] = []
        for (tierIndex, value) in tierValues.enumerated() {
            let tierAt = "\(at).tiers[\(tierIndex)]"
            let object = try reader.object(value, at: tierAt)
            try reader.allow(object, ["threshold", "rate_ppm"], at: tierAt)
            let text = try reader.requiredString(object["threshold"], at: "\(tierAt).threshold")
            let threshold: Money
            switch Money.parse(text) {
            case .success(let money) where money.fen >= 0: threshold = money
            case .success: throw reader.error("\(tierAt).threshold", "must not be negative")
            case .failure(let failure): throw reader.error("\(tierAt).threshold", failure.message)
            }
            if let last = tiers.last, threshold <= last.threshold {
                throw reader.error("\(tierAt).threshold", "tiers must be in ascending order of threshold (\(threshold) after \(last.threshold))")
            }
            guard let rate = try reader.integer(object["rate_ppm"], at: "\(tierAt).rate_ppm", range: 0...1_000_000) else {
                throw reader.error("\(tierAt).rate_ppm", "is required (parts per million, 1% = 10000)")
            }
            tiers.append(RebateTier(threshold: threshold, ratePPM: Int64(rate)))
        }
        return RebatePolicy(index: index, id: id, kind: kind, memberLevel: memberLevel, buyerID: buyerID,
                            fundedBy: fundedBy, cycle: cycle, tiers: tiers, mode: mode)
    }

    private static func nonEmpty(_ value: JSONValue?, at path: String, reader: JSONFields) throws -> String? {
        guard let text = try reader.string(value, at: path) else { return nil }
        guard !text.isEmpty else { throw reader.error(path, "must not be empty (leave the field out instead)") }
        return text
    }

    private static func categoryPath(_ value: JSONValue?, at path: String, reader: JSONFields) throws -> String? {
        guard let text = try reader.string(value, at: path) else { return nil }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw reader.error(path, "'\(text)' is not a category path like digital/phone")
        }
        return parts.joined(separator: "/")
    }
}
