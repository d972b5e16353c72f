// FeeRules: which fee rule applies to a line on a date (SPEC §4).

import Foundation
import MallCore

/// What a rule is matched against.
public struct RuleSubject: Sendable {
    public let supplierID: String
    public let category: String
    public let sku: String
    public let channel: String?
    public init(supplierID: String, category: String, sku: String, channel: String?) {
        self.supplierID = supplierID
        self.category = category
        self.sku = sku
        self.channel = channel
    }
}

/// What pricing reads of a rule, without its texts: handing it out per order line copies no
/// String (handing out the whole rule retained and released its selectors' texts, a third of
/// looking it up).
public struct FeeTerms: Sendable {
    /// The rule's index in the configuration's `fee_rules`.
    public let index: Int
    public let ratePPM: Int64?
    public let perUnit: Money?
    public let reversible: Bool
}

/// The fee rules grouped by fee, resolving the most specific matching rule.
public struct FeeRuleBook: Sendable {
    /// The rules of each fee, at the fee's `position`: a fee is looked up four times per
    /// order line, and hashing it hashes its name.
    private let rulesByFee: [[FeeRule]]
    /// Each rule's terms, in the same places, made once (made at each look-up from the rule
    /// in place, field by field, the pricing thread ran 1% more instructions).
    private let termsByFee: [[FeeTerms]]

    public init(_ rules: [FeeRule]) {
        var byFee = Array(repeating: [FeeRule](), count: FeeKind.allCases.count)
        for rule in rules { byFee[rule.fee.position].append(rule) }
        rulesByFee = byFee
        termsByFee = byFee.map { rules in
            rules.map { FeeTerms(index: $0.index, ratePPM: $0.ratePPM, perUnit: $0.perUnit, reversible: $0.reversible) }
        }
    }

    /// The most specific rule for `fee` matching `subject` on `date`, or nil (no charge).
    /// Specificity, compared in order: names `sku`; names `supplier_id`; deeper `category`;
    /// names `channel`. Configuration checks make equal specificity impossible among matches.
    public func rule(_ fee: FeeKind, for subject: RuleSubject, on date: Day) -> FeeRule? {
        best(fee, subject, date).map { rulesByFee[fee.position][$0] }
    }

    /// The terms of the rule `rule(_:for:on:)` finds.
    public func terms(_ fee: FeeKind, for subject: RuleSubject, on date: Day) -> FeeTerms? {
        best(fee, subject, date).map { termsByFee[fee.position][$0] }
    }

    /// The position among the fee's rules of the most specific one matching.
    private func best(_ fee: FeeKind, _ subject: RuleSubject, _ date: Day) -> Int? {
        let candidates = rulesByFee[fee.position]
        var best = -1
        for index in candidates.indices where FeeRuleBook.matches(candidates[index], subject, date) {
            if best >= 0, !FeeRuleBook.isMoreSpecific(candidates[index], than: candidates[best]) { continue }
            best = index
        }
        return best >= 0 ? best : nil
    }

    static func matches(_ rule: FeeRule, _ subject: RuleSubject, _ date: Day) -> Bool {
        if let from = rule.effectiveFrom, date < from { return false }
        if let to = rule.effectiveTo, date >= to { return false }
        if let sku = rule.sku, sku != subject.sku { return false }
        if let supplier = rule.supplierID, supplier != subject.supplierID { return false }
        if let channel = rule.channel, channel != subject.channel { return false }
        if let category = rule.category, !categoryIsAtOrBelow(subject.category, category) { return false }
        return true
    }

    /// `digital/phone` is at or below `digital`; `digitalx` is not.
    static func categoryIsAtOrBelow(_ path: String, _ ancestor: String) -> Bool {
        // Byte for byte: category paths are compared exactly, as they are written. Their bytes
        // are read in place (a text whose bytes are not stored contiguously is copied first).
        var (path, ancestor) = (path, ancestor)
        return path.withUTF8 { p in
            ancestor.withUTF8 { a in
                p.count >= a.count && (a.isEmpty || memcmp(p.baseAddress!, a.baseAddress!, a.count) == 0)
                    && (p.count == a.count || p[a.count] == UInt8(ascii: "/"))
            }
        }
    }

    static func isMoreSpecific(_ a: FeeRule, than b: FeeRule) -> Bool {
        let keyA = (a.sku != nil ? 1 : 0, a.supplierID != nil ? 1 : 0, a.categoryDepth, a.channel != nil ? 1 : 0)
        let keyB = (b.sku != nil ? 1 : 0, b.supplierID != nil ? 1 : 0, b.categoryDepth, b.channel != nil ? 1 : 0)
        return keyA > keyB
    }
}

extension FeeKind {
    /// The kind's position in `allCases`.
    var position: Int {
        switch self {
        case .commission: return 0
        case .payment_fee: return 1
        case .refund_admin: return 2
        case .delivery_fee: return 3
        case .warehousing_fee: return 4
        case .return_service_fee: return 5
        }
    }
}
