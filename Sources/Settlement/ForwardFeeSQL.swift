// ForwardFeeSQL: the one SQL that unfolds a `forward_fees` row into its fee lines, one per
// forward code, generated from `FeeCode`. The `fee_lines` view (store migration 3, below),
// `FeeLineExport.sheetFeeLines` and `StatementLines.forwardRows` all take it from here, so a
// forward code is added in `FeeCode.forwardColumns` and nowhere else in SQL.

import MallStore

extension FeeCode {
    /// The forward codes, GOODS through COST, in store-code order.
    static let forwardCodes = Array(allCases.prefix(forwardCodeCount))

    /// Where a forward code lives in a `forward_fees` row: its amount column, and its rule as
    /// an SQL term over that row — the rule column when a fee rule prices the code, else the
    /// feed column's `RuleRef` store code. Nil for codes that are not forward codes.
    func forwardColumns(row f: String) -> (amount: String, rule: String)? {
        switch self {
        case .goods: return ("\(f).goods", "\(RuleRef.goods.storeCode)")
        case .platformSubsidy: return ("\(f).platform_subsidy", "\(RuleRef.discountPlatform.storeCode)")
        case .freight: return ("\(f).freight", "\(RuleRef.freight.storeCode)")
        case .commission: return ("\(f).commission", "\(f).commission_rule")
        case .paymentFee: return ("\(f).payment_fee", "\(f).payment_fee_rule")
        case .deliveryFee: return ("\(f).delivery_fee", "\(f).delivery_fee_rule")
        case .warehousingFee: return ("\(f).warehousing_fee", "\(f).warehousing_fee_rule")
        case .cost: return ("\(f).cost", "\(RuleRef.costPrice.storeCode)")
        case .refundAdminFee, .returnServiceFee, .adjustment, .rebateFunding, .carryForward: return nil
        }
    }
}

enum ForwardFeeSQL {
    /// The amount columns of a `forward_fees` row `f` in store-code order, each named by its
    /// code (`f.goods AS GOODS, …, f.cost AS COST`), for reading them by name
    /// (`StatementLines.ForwardRowColumns`).
    static func namedAmountColumns(row f: String) -> String {
        FeeCode.forwardCodes.map { "\($0.forwardColumns(row: f)!.amount) AS \($0.rawValue)" }.joined(separator: ", ")
    }

    /// `(SELECT 1 AS fee_code UNION ALL … SELECT 8)`: one row per forward code.
    static let codes = "(" + FeeCode.forwardCodes.map { "SELECT \($0.storeCode) AS fee_code" }
        .joined(separator: " UNION ALL ") + ")"

    /// `CASE c.fee_code WHEN 1 THEN … END` choosing, per code, one of `term`'s SQL.
    private static func caseOf(_ c: String, _ term: (FeeCode) -> String) -> String {
        "CASE \(c).fee_code " + FeeCode.forwardCodes.map { "WHEN \($0.storeCode) THEN \(term($0))" }
            .joined(separator: " ") + " END"
    }

    /// The fee lines of the `forward_fees` rows `f` that `from` (which joins `f`) and
    /// `condition` select: every non-zero amount under its code, as the columns of the
    /// `fee_lines` view. A forward line's id is -(line_id × 16 + code).
    static func lines(from: String, where condition: String? = nil) -> String {
        let amount = caseOf("c") { $0.forwardColumns(row: "f")!.amount }
        let rule = caseOf("c") { $0.forwardColumns(row: "f")!.rule }
        return """
            SELECT -(f.line_id * 16 + c.fee_code) AS id, f.sheet_key AS sheet_key, f.posting_day AS posting_day,
                   \(SourceType.order.rawValue) AS source_type, f.line_id AS source_key, f.line_id AS line_key,
                   c.fee_code AS fee_code, \(amount) AS amount, f.late AS late, f.original_start AS original_start,
                   \(rule) AS rule
            FROM \(from) CROSS JOIN \(codes) c
            WHERE \(condition.map { "\($0) AND " } ?? "")amount != 0
            """
    }

    /// The columns of `fee_lines` as `other_fee_lines` holds them.
    static let otherColumns = "id, sheet_key, posting_day, source_type, source_key, line_key, fee_code, amount, late, original_start, rule"

    /// The `fee_lines` view: the forward rows unfolded, then the other lines.
    static let view = """
        CREATE VIEW fee_lines(\(otherColumns)) AS
        \(lines(from: "forward_fees f"))
        UNION ALL
        SELECT \(otherColumns) FROM other_fee_lines
        """

    /// The store migrations Settlement adds to MallStore's own (`Database.migrate(adding:)`).
    static let migrations = [
        Migration(version: 3, name: "fee_lines unfolded from FeeCode", sql: """
            -- The fee_lines view of migration 1, generated from FeeCode (Settlement/ForwardFeeSQL.swift):
            -- the same rows.
            DROP VIEW fee_lines;
            \(view);
            """),
    ]
}

extension Database {
    /// Brings the store up to the newest schema: MallStore's migrations and Settlement's, in
    /// version order. Returns the versions applied now.
    @discardableResult
    public func migrateForSettlement() throws -> [Int] {
        try migrate(adding: Database.settlementMigrations)
    }

    /// The migrations Settlement adds to MallStore's own, from every file that has some: one
    /// list for migrating, creating and checking a store.
    static let settlementMigrations = ForwardFeeSQL.migrations + [BuyerStatementStore.migration] + RebateSettler.migrations
        + StoreViews.migrations + [KeptFacts.migration, MatchedItems.migration, BuyerStatementStore.unbilledMigration]
}
