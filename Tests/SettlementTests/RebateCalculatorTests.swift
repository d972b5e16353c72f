// RebateCalculatorTests: `rebates` as configured — each bad value named by its JSON path —
// and the worked examples of docs/rebates.md, one per kind and tier mode, to the fen.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class RebateCalculatorTests: XCTestCase {
    private func config(_ policies: String) throws -> MallConfig {
        try Fixture.config(Fixture.configJSON.replacingOccurrences(of: #""rebates": []"#,
                                                                  with: #""rebates": [\#(policies)]"#))
    }

    /// The configuration error for `policies`, without its line and column (the JSON is one
    /// long line here; the path says where).
    private func error(_ policies: String) -> String {
        do { _ = try config(policies); return "no error" } catch {
            return "\(error)".replacingOccurrences(of: #"^test\.json:\d+:\d+:"#, with: "test.json:", options: .regularExpression)
        }
    }

    func testPoliciesOfEveryKindAreRead() throws {
        let policies = try config("""
            {"id": "OT", "kind": "order_total", "rate_ppm": 10000, "funded_by": "platform"},
            {"id": "OT-G", "kind": "order_total", "rate_ppm": 20000, "member_level": "gold", "funded_by": "supplier"},
            {"id": "CAT", "kind": "category", "category": "digital/phone", "rate_ppm": 30000, "buyer_id": "B1", "funded_by": "platform"},
            {"id": "SKU", "kind": "special_sku", "sku": "SKU-X", "rate_ppm": 5000, "funded_by": "supplier"},
            {"id": "T", "kind": "tiered", "cycle": "yearly", "mode": "marginal", "funded_by": "platform",
             "tiers": [{"threshold": "1000", "rate_ppm": 10000}, {"threshold": "5000.00", "rate_ppm": 20000}]}
            """).rebatePolicies
        XCTAssertEqual(policies.map(\.id), ["OT", "OT-G", "CAT", "SKU", "T"])
        XCTAssertEqual(policies[1].memberLevel, "gold")
        XCTAssertEqual(policies[1].fundedBy, .supplier)
        XCTAssertEqual(policies[2].category, "digital/phone")
        XCTAssertEqual(policies[2].buyerRank, 2)
        XCTAssertEqual(policies[4].cycle, .yearly)
        XCTAssertEqual(policies[4].mode, .marginal)
        XCTAssertEqual(policies[4].tiers, [RebateTier(threshold: Money(fen: 100_000), ratePPM: 10000),
                                           RebateTier(threshold: Money(fen: 500_000), ratePPM: 20000)])
        XCTAssertEqual(policies[0].cycle, .monthly)
    }

    func testBadPoliciesNameTheirJSONPath() {
        let ot = #""kind": "order_total", "rate_ppm": 10000, "funded_by": "platform""#
        XCTAssertEqual(error(#"{"id": "A", \#(ot)}"#), "no error")
        XCTAssertEqual(error(#"{"id": "A", \#(ot)}, {"id": "B", \#(ot)}"#),
                       "test.json: $.rebates[1]: conflicts with rebates[0]: two order_total policies with the same selectors")
        XCTAssertEqual(error(#"{"id": "A", \#(ot), "member_level": "gold"}, {"id": "B", \#(ot)}, {"id": "C", \#(ot), "member_level": "gold"}"#),
                       "test.json: $.rebates[2]: conflicts with rebates[0]: two order_total policies with the same selectors")
        XCTAssertEqual(error(#"{"id": "A", \#(ot), "member_level": "gold"}, {"id": "B", \#(ot), "buyer_id": "gold"}"#), "no error")
        let sku = #""kind": "special_sku", "sku": "S1", "rate_ppm": 1, "funded_by": "supplier""#
        XCTAssertEqual(error(#"{"id": "A", \#(sku)}, {"id": "B", \#(sku)}"#),
                       "test.json: $.rebates[1]: conflicts with rebates[0]: two special_sku policies with the same selectors")
        let cat = #""kind": "category", "category": "digital", "rate_ppm": 1, "funded_by": "platform""#
        XCTAssertEqual(error(#"{"id": "A", \#(cat)}, {"id": "B", \#(cat), "buyer_id": "B1"}, {"id": "C", \#(cat)}"#),
                       "test.json: $.rebates[2]: conflicts with rebates[0]: two category policies with the same selectors")
        let tiered = #""kind": "tiered", "cycle": "monthly", "mode": "whole", "funded_by": "platform", "tiers": [{"threshold": "0", "rate_ppm": 1}]"#
        XCTAssertEqual(error(#"{"id": "A", \#(tiered)}, {"id": "B", \#(tiered)}"#), "no error", "tiered policies are exempt")
        XCTAssertEqual(error(#"{"id": "A", \#(ot)}, {"id": "A", \#(sku)}"#),
                       "test.json: $.rebates[1].id: policy id 'A' is already used by rebates[0]")
        XCTAssertEqual(error(#"{"id": "A", \#(ot), "member_level": "g", "buyer_id": "B"}"#),
                       "test.json: $.rebates[0].buyer_id: a policy names member_level or buyer_id, not both")
        XCTAssertEqual(error(#"{"id": "A", \#(sku), "member_level": "g"}"#),
                       "test.json: $.rebates[0].member_level: special_sku policies are global: no buyer selector")
        XCTAssertEqual(error(#"{"id": "A", "kind": "category", "rate_ppm": 1, "funded_by": "platform"}"#),
                       "test.json: $.rebates[0].category: a category policy needs a category path")
        XCTAssertEqual(error(#"{"id": "A", "kind": "special_sku", "rate_ppm": 1, "funded_by": "platform"}"#),
                       "test.json: $.rebates[0].sku: a special_sku policy needs a sku")
        XCTAssertEqual(error(#"{"id": "A", "kind": "order_total", "funded_by": "platform"}"#),
                       "test.json: $.rebates[0].rate_ppm: a order_total policy needs rate_ppm (parts per million, 1% = 10000)")
        XCTAssertEqual(error(#"{"id": "A", \#(ot.replacingOccurrences(of: "platform", with: "buyer"))}"#),
                       "test.json: $.rebates[0].funded_by: 'buyer' is not allowed here")
        XCTAssertEqual(error(#"{"id": "A", "kind": "cashback", "rate_ppm": 1, "funded_by": "platform"}"#),
                       "test.json: $.rebates[0].kind: 'cashback' is not allowed here")
        XCTAssertEqual(error(#"{"id": "A", \#(tiered.replacingOccurrences(of: "monthly", with: "weekly"))}"#),
                       "test.json: $.rebates[0].cycle: 'weekly' is not allowed here")
        XCTAssertEqual(error(#"{"id": "A", \#(tiered.replacingOccurrences(of: #""whole""#, with: #""flat""#))}"#),
                       "test.json: $.rebates[0].mode: 'flat' is not allowed here")
        let unordered = tiered.replacingOccurrences(of: #"[{"threshold": "0", "rate_ppm": 1}]"#,
                                                    with: #"[{"threshold": "10.00", "rate_ppm": 1}, {"threshold": "10", "rate_ppm": 2}]"#)
        XCTAssertEqual(error(#"{"id": "A", \#(unordered)}"#),
                       "test.json: $.rebates[0].tiers[1].threshold: tiers must be in ascending order of threshold (10.00 after 10.00)")
        XCTAssertEqual(error(#"{"id": "A", \#(tiered.replacingOccurrences(of: #"[{"threshold": "0", "rate_ppm": 1}]"#, with: "[]"))}"#),
                       "test.json: $.rebates[0].tiers: a tiered policy needs at least one tier")
        XCTAssertEqual(error(#"{"id": "A", \#(ot), "cycle": "monthly"}"#),
                       "test.json: $.rebates[0].cycle: only tiered policies have cycle")
        XCTAssertEqual(error(#"{"id": "A/B", \#(ot)}"#),
                       "test.json: $.rebates[0].id: may not contain '/' (it separates the parts of a REBATE_FUNDING source_id)")
        XCTAssertTrue(error(#"{"id": "A", \#(ot), "stack": true}"#).hasPrefix("test.json: $.rebates[0].stack: unknown field"))
    }

    // MARK: - The worked examples of docs/rebates.md

    private let november = RebateCycle.monthly.period(containing: Day(parsing: "2026-11-15")!)

    private func row(_ buyer: String, _ level: String?, _ category: String, _ sku: String, _ supplier: String,
                     _ fen: Int64) -> RebateRow {
        RebateRow(buyerID: buyer, memberLevel: level, category: category, sku: sku, supplierID: supplier, amount: fen)
    }

    private func summary(_ movements: [RebateMovement]) -> [String] {
        movements.map { "\($0.buyerID) \($0.policyID) \($0.kind.rawValue) \($0.period.id) base \(Money(fen: $0.base)) amount \(Money(fen: $0.amount))" }
    }

    /// Example 1: order_total and category, with the buyer selector deciding first.
    func testExampleOrderTotalAndCategoryPrecedence() throws {
        let policies = try config("""
            {"id": "OT-ALL", "kind": "order_total", "rate_ppm": 10000, "funded_by": "platform"},
            {"id": "OT-GOLD", "kind": "order_total", "member_level": "gold", "rate_ppm": 20000, "funded_by": "platform"},
            {"id": "CAT-DIG", "kind": "category", "category": "digital", "rate_ppm": 30000, "funded_by": "platform"},
            {"id": "CAT-PHONE", "kind": "category", "category": "digital/phone", "rate_ppm": 50000, "funded_by": "platform"},
            {"id": "CAT-B1", "kind": "category", "category": "digital", "buyer_id": "B1", "rate_ppm": 40000, "funded_by": "platform"}
            """).rebatePolicies
        let rows = [
            row("B1", "gold", "digital/phone", "P1", "SUP-A", 33_333),   // CAT-B1 beats the longer CAT-PHONE
            row("B1", "gold", "food", "F1", "SUP-B", 10_000),            // no category policy: OT-GOLD beats OT-ALL
            row("B2", nil, "digital/phone", "P1", "SUP-A", 20_000),      // CAT-PHONE: the longest path
            row("B2", nil, "digital/tv", "T1", "SUP-A", 15_055),         // CAT-DIG
            row("B2", nil, "digitalx", "X1", "SUP-A", 1_000),            // not below digital: OT-ALL
            row("B2", nil, "food", "F1", "SUP-B", -3_000),               // a refund of an October line
            row("", nil, "food", "F1", "SUP-B", 99_999),                 // a guest earns nothing
        ]
        XCTAssertEqual(summary(RebateCalculator.movements(policies: policies, cycle: .monthly, period: november, rows: rows)), [
            "B1 CAT-B1 category 2026-11-01 base 333.33 amount 13.33",     // 13.3332
            "B1 OT-GOLD order_total 2026-11-01 base 100.00 amount 2.00",
            "B2 CAT-DIG category 2026-11-01 base 150.55 amount 4.52",     // 4.5165
            "B2 CAT-PHONE category 2026-11-01 base 200.00 amount 10.00",
            "B2 OT-ALL order_total 2026-11-01 base -20.00 amount -0.20",  // a clawback
        ])
    }

    /// Example 2: special_sku stacks on top, rounded once per (buyer, policy, period), half
    /// away from zero.
    func testExampleSpecialSKUStacksAndRoundsOnce() throws {
        let policies = try config("""
            {"id": "OT-ALL", "kind": "order_total", "rate_ppm": 10000, "funded_by": "platform"},
            {"id": "SKU-X", "kind": "special_sku", "sku": "X", "rate_ppm": 10000, "funded_by": "platform"}
            """).rebatePolicies
        let rows = [
            row("B1", nil, "food", "X", "SUP-A", 625),
            row("B1", nil, "food", "X", "SUP-A", 625),     // per row 0.0625 → 0.06 twice; once: 0.125 → 0.13
            row("B2", nil, "food", "X", "SUP-A", -1_250),  // −0.125 → −0.13
        ]
        XCTAssertEqual(summary(RebateCalculator.movements(policies: policies, cycle: .monthly, period: november, rows: rows)), [
            "B1 OT-ALL order_total 2026-11-01 base 12.50 amount 0.13",
            "B1 SKU-X special_sku 2026-11-01 base 12.50 amount 0.13",
            "B2 OT-ALL order_total 2026-11-01 base -12.50 amount -0.13",
            "B2 SKU-X special_sku 2026-11-01 base -12.50 amount -0.13",
        ])
    }

    /// Examples 3 and 4: tiered, whole and marginal, on one base of 6,543.21; a base below
    /// the first tier and a negative base earn nothing.
    func testExampleTieredWholeAndMarginal() throws {
        let tiers = #"[{"threshold": "1000.00", "rate_ppm": 10000}, {"threshold": "5000.00", "rate_ppm": 20000}, {"threshold": "10000.00", "rate_ppm": 30000}]"#
        let policies = try config("""
            {"id": "T-WHOLE", "kind": "tiered", "cycle": "monthly", "mode": "whole", "tiers": \(tiers), "funded_by": "platform"},
            {"id": "T-MARG", "kind": "tiered", "cycle": "monthly", "mode": "marginal", "tiers": \(tiers), "funded_by": "platform"},
            {"id": "T-YEAR", "kind": "tiered", "cycle": "yearly", "mode": "whole", "tiers": \(tiers), "funded_by": "platform"}
            """).rebatePolicies
        let rows = [
            row("B1", nil, "food", "F1", "SUP-A", 600_000),
            row("B1", nil, "digital", "P1", "SUP-B", 54_321),
            row("B2", nil, "food", "F1", "SUP-A", 99_999),     // below 1,000.00: no tier reached
            row("B3", nil, "food", "F1", "SUP-A", -50_000),    // max(base, 0) = 0
        ]
        XCTAssertEqual(summary(RebateCalculator.movements(policies: policies, cycle: .monthly, period: november, rows: rows)), [
            "B1 T-MARG tiered 2026-11-01 base 6543.21 amount 70.86",   // 4000 × 1% + 1543.21 × 2% = 70.8642
            "B1 T-WHOLE tiered 2026-11-01 base 6543.21 amount 130.86", // 6543.21 × 2% = 130.8642
        ])
        let year = RebateCycle.yearly.period(containing: Day(parsing: "2026-11-15")!)
        XCTAssertEqual(year, Period(start: Day(parsing: "2026-01-01")!, end: Day(parsing: "2026-12-31")!))
        XCTAssertEqual(summary(RebateCalculator.movements(policies: policies, cycle: .yearly, period: year, rows: rows)), [
            "B1 T-YEAR tiered 2026-01-01 base 6543.21 amount 130.86",
        ])
        // Marginal across every tier: 4000 × 1% + 5000 × 2% + 2000.01 × 3% = 200.0003.
        XCTAssertEqual(RebateCalculator.amount(of: policies[1], base: 1_200_001), 20_000)
        XCTAssertEqual(RebateCalculator.amount(of: policies[0], base: 1_000_000), 30_000, "a tier is reached at its threshold")
    }

    /// Example 5: a supplier-funded amount split by largest remainder over the suppliers whose
    /// part has the sign of the base; ties to the lower supplier id.
    func testExampleSupplierFundedSplit() throws {
        let policies = try config("""
            {"id": "OT-S", "kind": "order_total", "rate_ppm": 10000, "funded_by": "supplier"}
            """).rebatePolicies
        let rows = [
            row("B1", nil, "food", "F1", "SUP-A", 10_000),
            row("B1", nil, "food", "F1", "SUP-B", 20_000),
            row("B1", nil, "food", "F1", "SUP-C", -5_000),   // its part has the other sign: not charged
        ]
        let movements = RebateCalculator.movements(policies: policies, cycle: .monthly, period: november, rows: rows)
        XCTAssertEqual(summary(movements), ["B1 OT-S order_total 2026-11-01 base 250.00 amount 2.50"])
        XCTAssertEqual(movements[0].parts, [SupplierPart(supplierID: "SUP-A", amount: 83), SupplierPart(supplierID: "SUP-B", amount: 167)])
        XCTAssertEqual(movements[0].sourceID, "OT-S/B1/2026-11-01")
        XCTAssertEqual(RebateCalculator.split(3, base: 200, suppliers: ["SUP-B": 100, "SUP-A": 100]),
                       [SupplierPart(supplierID: "SUP-A", amount: 2), SupplierPart(supplierID: "SUP-B", amount: 1)])
        XCTAssertEqual(RebateCalculator.split(-3, base: -200, suppliers: ["SUP-B": -100, "SUP-A": -100, "SUP-C": 50]),
                       [SupplierPart(supplierID: "SUP-A", amount: -2), SupplierPart(supplierID: "SUP-B", amount: -1)])
    }
}
