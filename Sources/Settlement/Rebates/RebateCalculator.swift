// RebateCalculator: the rebates one rebate period earns (SPEC §7), as pure code: which
// policies take each row of the base, each (buyer, policy) amount rounded once, and the
// supplier-funded amounts split over the suppliers by largest remainder. No store here.

import MallCore

/// One row of a buyer's base: + goods of a line posted forward in the period, or
/// − refund_goods of a refund posted in reverse in it.
public struct RebateRow: Sendable, Hashable {
    public let buyerID: String
    public let memberLevel: String?
    public let category: String
    public let sku: String
    public let supplierID: String
    /// Fen: goods (forward) or −refund_goods (reverse).
    public let amount: Int64

    public init(buyerID: String, memberLevel: String?, category: String, sku: String, supplierID: String, amount: Int64) {
        self.buyerID = buyerID
        self.memberLevel = memberLevel
        self.category = category
        self.sku = sku
        self.supplierID = supplierID
        self.amount = amount
    }
}

/// One movement on a buyer's rebate account: what one policy earned (or clawed back) in one
/// period, and, when suppliers fund it, each supplier's part.
public struct RebateMovement: Sendable, Hashable {
    public let buyerID: String
    public let policyID: String
    public let kind: RebateKind
    public let period: Period
    /// The part of the buyer's base the policy applied to (before max(base, 0) for tiered).
    public let base: Int64
    public let amount: Int64
    public let fundedBy: RebateFunder
    /// Supplier-funded only: the parts, summing to `amount`, by supplier id in byte order;
    /// suppliers whose part is 0 are left out. Each is charged as a REBATE_FUNDING line of −part.
    public let parts: [SupplierPart]

    /// `{policy id}/{buyer_id}/{period id}`, the REBATE_FUNDING lines' source_id.
    public var sourceID: String { "\(policyID)/\(buyerID)/\(period.id)" }
}

/// One supplier's share of a supplier-funded rebate.
public struct SupplierPart: Sendable, Hashable {
    public let supplierID: String
    public let amount: Int64
}

public enum RebateCalculator {
    /// The movements of one period of `cycle`: the policies of that cycle applied to `rows`
    /// (the rows counted in the period). Guests (empty buyer id) earn nothing. Sorted by buyer,
    /// then policy id, both in byte order.
    public static func movements(policies: [RebatePolicy], cycle: RebateCycle, period: Period,
                                 rows: [RebateRow]) -> [RebateMovement] {
        let active = policies.filter { $0.cycle == cycle }
        guard !active.isEmpty else { return [] }
        var chooser = PolicyChooser(active)
        let byIndex = Dictionary(active.map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        var result: [RebateMovement] = []
        var bases: [(policy: Int, suppliers: [String: Int64])] = []
        for buyerRows in rowsByBuyer(rows) {
            bases.removeAll(keepingCapacity: true)
            for index in buyerRows {
                let row = rows[index]
                for policy in chooser.policies(taking: row) {
                    if let at = bases.firstIndex(where: { $0.policy == policy.index }) {
                        bases[at].suppliers[row.supplierID, default: 0] += row.amount
                    } else {
                        bases.append((policy.index, [row.supplierID: row.amount]))
                    }
                }
            }
            guard let first = buyerRows.first else { continue }
            for (index, suppliers) in bases {
                let policy = byIndex[index]!
                let base = suppliers.values.reduce(0, +)
                let amount = amount(of: policy, base: base)
                guard amount != 0 else { continue }
                let parts = policy.fundedBy == .supplier ? split(amount, base: base, suppliers: suppliers) : []
                result.append(RebateMovement(buyerID: rows[first].buyerID, policyID: policy.id, kind: policy.kind,
                                             period: period, base: base, amount: amount, fundedBy: policy.fundedBy,
                                             parts: parts))
            }
        }
        return result.sorted {
            $0.buyerID != $1.buyerID ? $0.buyerID.utf8.lexicographicallyPrecedes($1.buyerID.utf8)
                : $0.policyID.utf8.lexicographicallyPrecedes($1.policyID.utf8)
        }
    }

    /// The indexes of `rows` of each buyer (guests left out), buyers in the order first seen:
    /// numbered, then placed by counting, so that each buyer's base is added up in a few small
    /// arrays that stay in cache (one dictionary over every (buyer, policy, supplier) of a
    /// million rows spent most of its time missing the cache).
    static func rowsByBuyer(_ rows: [RebateRow]) -> [ArraySlice<Int>] {
        var buyerNumber: [String: Int] = [:]
        var buyerOfRow = [Int](repeating: -1, count: rows.count)
        var rowsOfBuyer: [Int] = []
        for (index, row) in rows.enumerated() where !row.buyerID.isEmpty {
            let number = buyerNumber[row.buyerID] ?? buyerNumber.count
            if number == buyerNumber.count {
                buyerNumber[row.buyerID] = number
                rowsOfBuyer.append(0)
            }
            buyerOfRow[index] = number
            rowsOfBuyer[number] += 1
        }
        var start = [Int](repeating: 0, count: rowsOfBuyer.count + 1)
        for number in rowsOfBuyer.indices { start[number + 1] = start[number] + rowsOfBuyer[number] }
        var next = start
        var byBuyer = [Int](repeating: 0, count: start.last ?? 0)
        for (index, number) in buyerOfRow.enumerated() where number >= 0 {
            byBuyer[next[number]] = index
            next[number] += 1
        }
        return rowsOfBuyer.indices.map { byBuyer[start[$0]..<start[$0 + 1]] }
    }

    /// Which policies take a row. They depend on its buyer only through the buyer selectors:
    /// a buyer no policy names is one of many, so the choice is made once per (named buyer or
    /// none, level, category) and reused (a night's million rows have a few hundred such
    /// combinations); a special_sku policy of the row's SKU is added on top.
    struct PolicyChooser {
        private let categories, totals, tiered: [RebatePolicy]
        private let skus: [String: RebatePolicy]
        private let namedBuyers: Set<String>
        private struct Choice: Hashable { let buyer: String; let level: String?; let category: String }
        private var chosen: [Choice: [RebatePolicy]] = [:]

        init(_ active: [RebatePolicy]) {
            categories = active.filter { $0.kind == .category }
            totals = active.filter { $0.kind == .order_total }
            tiered = active.filter { $0.kind == .tiered }
            skus = Dictionary(active.filter { $0.kind == .special_sku }.map { ($0.sku!, $0) }, uniquingKeysWith: { a, _ in a })
            namedBuyers = Set(active.compactMap(\.buyerID))
        }

        mutating func policies(taking row: RebateRow) -> [RebatePolicy] {
            let choice = Choice(buyer: namedBuyers.contains(row.buyerID) ? row.buyerID : "", level: row.memberLevel,
                                category: row.category)
            var taken: [RebatePolicy]
            if let known = chosen[choice] {
                taken = known
            } else {
                taken = []
                if let policy = categoryPolicy(for: row, among: categories) ?? mostSpecific(totals, for: row) { taken.append(policy) }
                taken += tiered.filter { $0.takesBuyer(row.buyerID, level: row.memberLevel) }
                chosen[choice] = taken
            }
            if let policy = skus[row.sku] { taken.append(policy) }
            return taken
        }
    }

    /// The category policy of a row: among those whose buyer selector takes it and whose
    /// path is the row's category or above it, the strongest buyer selector, then the longest
    /// path (SPEC §7).
    static func categoryPolicy(for row: RebateRow, among policies: [RebatePolicy]) -> RebatePolicy? {
        var best: RebatePolicy?
        for policy in policies where policy.takesBuyer(row.buyerID, level: row.memberLevel) && covers(policy.category!, row.category) {
            if let current = best, (current.buyerRank, current.categoryDepth) >= (policy.buyerRank, policy.categoryDepth) { continue }
            best = policy
        }
        return best
    }

    /// The order-total policy of a row: `buyer_id` beats `member_level` beats none.
    static func mostSpecific(_ policies: [RebatePolicy], for row: RebateRow) -> RebatePolicy? {
        var best: RebatePolicy?
        for policy in policies where policy.takesBuyer(row.buyerID, level: row.memberLevel) {
            if let current = best, current.buyerRank >= policy.buyerRank { continue }
            best = policy
        }
        return best
    }

    /// Whether `path` is `category` or above it (`digital` covers `digital/phone`, not `digitalx`).
    static func covers(_ path: String, _ category: String) -> Bool {
        guard category.hasPrefix(path) else { return false }
        return category.utf8.count == path.utf8.count || category.utf8.dropFirst(path.utf8.count).first == UInt8(ascii: "/")
    }

    /// The amount a policy earns on `base`, computed exactly and rounded once, half away from
    /// zero: the rate times the base for the linear kinds (negative base: a clawback);
    /// for tiered, the tiers applied to max(base, 0).
    public static func amount(of policy: RebatePolicy, base: Int64) -> Int64 {
        guard policy.kind == .tiered else {
            return Money(fen: base).applying(Rate(ppm: policy.ratePPM)).fen
        }
        let reached = max(base, 0)
        switch policy.mode {
        case .whole:
            guard let tier = policy.tiers.last(where: { $0.threshold.fen <= reached }) else { return 0 }
            return Money(fen: reached).applying(Rate(ppm: tier.ratePPM)).fen
        case .marginal:
            var numerator: Int128 = 0
            for (index, tier) in policy.tiers.enumerated() where tier.threshold.fen <= reached {
                let top = index + 1 < policy.tiers.count ? min(reached, policy.tiers[index + 1].threshold.fen) : reached
                numerator += Int128(top - tier.threshold.fen) * Int128(tier.ratePPM)
            }
            return Exact.roundedQuotient(numerator, Int128(Rate.ppmPerUnit))
        }
    }

    /// Splits a supplier-funded `amount` over the suppliers whose part of `base` is non-zero
    /// and has the sign of `base`, in proportion to those parts, by largest remainder with
    /// ties to the lower supplier id (SPEC §7). Parts of 0 are left out.
    public static func split(_ amount: Int64, base: Int64, suppliers: [String: Int64]) -> [SupplierPart] {
        let eligible = suppliers.filter { $0.value != 0 && ($0.value > 0) == (base > 0) && base != 0 }
            .sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        precondition(!eligible.isEmpty, "a non-zero amount comes from a non-zero base")
        let parts = allocateLargestRemainder(amount, weights: eligible.map { abs($0.value) })
        return zip(eligible, parts).filter { $0.1 != 0 }.map { SupplierPart(supplierID: $0.0.key, amount: $0.1) }
    }
}
