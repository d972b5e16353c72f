// StageRows: steps 5–7 of the row checks for each feed (SPEC §3.1–3.4): what a row stores,
// its key, and the checks that need the configuration.

import MallCore
import MallStore

/// A row ready to store: its table, key, the fields that define its content, and extras
/// (source location, state) that are stored but never compared.
struct StagedRow {
    let table: String
    let keyNames: [String]
    let fields: [(name: String, value: SQLValue)]
    let extras: [(name: String, value: SQLValue)]
    /// A check of steps 6–7 that failed; reported only when the key is new (step 5 first).
    let laterFailure: Rejection?
}

extension StagedRow {
    var key: [SQLValue] { keyNames.map { name in fields.first { $0.name == name }!.value } }
}

/// Builds staged rows from typed rows, one function per feed.
struct RowStager {
    let config: MallConfig
    let fileSHA: String

    private func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
    private func int(_ value: Int64?) -> SQLValue { value.map { .int($0) } ?? .null }

    /// Orders (SPEC §3.1).
    func order(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.orders
        let orderID = row.text(s.index("order_id"))!
        let quantity = row.int(s.index("quantity"))!
        let unitPrice = row.int(s.index("unit_price"))!
        let discountPlatform = row.int(s.index("discount_platform"), default: 0)
        let discountSupplier = row.int(s.index("discount_supplier"), default: 0)
        let freight = row.int(s.index("freight"), default: 0)
        let points = row.int(s.index("paid_points"), default: 0)
        let credit = row.int(s.index("paid_credit"), default: 0)
        let cash = row.int(s.index("paid_cash"), default: 0)
        let supplierID = row.text(s.index("supplier_id"))!
        let currency = row.text(s.index("currency")) ?? config.currency
        // quantity × unit_price was range-checked in typing; see OrderChecks.
        let gross = quantity * unitPrice
        let goods = gross - discountPlatform - discountSupplier

        var failure: Rejection?
        if config.supplierByID[supplierID] == nil {
            failure = Rejection(.unknownSupplier, column: row.columns[s.index("supplier_id")],
                                "supplier '\(supplierID)' is not configured")
        } else if currency != config.currency {
            failure = Rejection(.badCurrency, column: row.columns[s.index("currency")],
                                "currency '\(currency)' is not the store's currency \(config.currency)")
        } else if goods < 0 {
            failure = Rejection(.negativeGoods, column: row.columns[s.index("unit_price")],
                                "goods = \(Money(fen: quantity)) units × \(Money(fen: unitPrice)) − discounts is \(Money(fen: goods)), below zero")
        } else if points + credit + cash != goods + freight {
            failure = Rejection(.tenderMismatch, column: row.columns[s.index("paid_cash")],
                                "tenders \(Money(fen: points + credit + cash)) ≠ goods \(Money(fen: goods)) + freight \(Money(fen: freight))")
        }
        return StagedRow(
            table: "order_lines", keyNames: ["order_id", "line_no"],
            fields: [
                ("order_id", .text(orderID)),
                ("line_no", int(row.int(s.index("line_no")))),
                ("parent_order_id", .text(row.text(s.index("parent_order_id")) ?? orderID)),
                ("supplier_id", .text(supplierID)),
                ("buyer_id", text(row.text(s.index("buyer_id")))),
                ("member_level", text(row.text(s.index("member_level")))),
                ("sku", text(row.text(s.index("sku")))),
                ("category", text(row.text(s.index("category")))),
                ("quantity", .int(quantity)),
                ("unit_price", .int(unitPrice)),
                ("cost_price", int(row.int(s.index("cost_price")))),
                ("discount_platform", .int(discountPlatform)),
                ("discount_supplier", .int(discountSupplier)),
                ("freight", .int(freight)),
                ("paid_points", .int(points)),
                ("paid_credit", .int(credit)),
                ("paid_cash", .int(cash)),
                ("payment_channel", text(row.text(s.index("payment_channel")))),
                ("ordered_at", int(row.int(s.index("ordered_at")))),
                ("paid_at", int(row.int(s.index("paid_at")))),
                ("completed_at", int(row.int(s.index("completed_at")))),
                ("currency", .text(currency)),
            ],
            extras: [("goods", .int(goods)), ("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line)))],
            laterFailure: failure)
    }

    /// Cells an order row needs given its other cells: a channel for cash, a buyer for
    /// credit, a cost price for a purchase-mode supplier (SPEC §3 step 2).
    func orderAlsoRequired(_ values: [String?]) -> [Int] {
        let s = FeedSchemas.orders
        var needed: [Int] = []
        if let cash = values[s.index("paid_cash")], case .success(let m) = Money.parse(cash), m.fen > 0 {
            needed.append(s.index("payment_channel"))
        }
        if let credit = values[s.index("paid_credit")], case .success(let m) = Money.parse(credit), m.fen > 0 {
            needed.append(s.index("buyer_id"))
        }
        if let supplier = values[s.index("supplier_id")], config.supplierByID[supplier]?.mode == .purchase {
            needed.append(s.index("cost_price"))
        }
        return needed
    }

    /// Refunds (SPEC §3.2). Over-refunds are checked later, when the refund becomes usable.
    func refund(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.refunds
        let goods = row.int(s.index("refund_goods"))!
        let freight = row.int(s.index("refund_freight"), default: 0)
        let points = row.int(s.index("refund_points"), default: 0)
        let credit = row.int(s.index("refund_credit"), default: 0)
        let cash = row.int(s.index("refund_cash"), default: 0)
        var failure: Rejection?
        if points + credit + cash != goods + freight {
            failure = Rejection(.tenderMismatch, column: row.columns[s.index("refund_cash")],
                                "tenders returned \(Money(fen: points + credit + cash)) ≠ refund_goods \(Money(fen: goods)) + refund_freight \(Money(fen: freight))")
        }
        return StagedRow(
            table: "refunds", keyNames: ["refund_id", "order_id", "line_no"],
            fields: [
                ("refund_id", text(row.text(s.index("refund_id")))),
                ("order_id", text(row.text(s.index("order_id")))),
                ("line_no", int(row.int(s.index("line_no")))),
                ("refund_type", text(row.text(s.index("refund_type")))),
                ("quantity", int(row.int(s.index("quantity")))),
                ("refund_goods", .int(goods)),
                ("refund_freight", .int(freight)),
                ("refund_points", .int(points)),
                ("refund_credit", .int(credit)),
                ("refund_cash", .int(cash)),
                ("refunded_at", int(row.int(s.index("refunded_at")))),
            ],
            extras: [("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line))),
                     ("raw", .text(row.raw)), ("cols", .text(row.columns.map(String.init).joined(separator: ","))),
                     ("state", .text("unchecked"))],
            laterFailure: failure)
    }

    /// Adjustments (SPEC §3.4): manual corrections by finance.
    func adjustment(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.adjustments
        let supplierID = row.text(s.index("supplier_id"))!
        var failure: Rejection?
        if config.supplierByID[supplierID] == nil {
            failure = Rejection(.unknownSupplier, column: row.columns[s.index("supplier_id")],
                                "supplier '\(supplierID)' is not configured")
        }
        return StagedRow(
            table: "adjustments", keyNames: ["adjustment_id"],
            fields: [
                ("adjustment_id", text(row.text(s.index("adjustment_id")))),
                ("supplier_id", .text(supplierID)),
                ("amount", int(row.int(s.index("amount")))),
                ("reason", text(row.text(s.index("reason")))),
                ("approved_by", text(row.text(s.index("approved_by")))),
                ("effective_at", int(row.int(s.index("effective_at")))),
            ],
            extras: [("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line)))],
            laterFailure: failure)
    }

    /// Payments (SPEC §3.3), stored for reconciliation.
    func payment(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.payments
        return StagedRow(
            table: "payments", keyNames: ["channel", "txn_id"],
            fields: [
                ("channel", text(row.text(s.index("channel")))),
                ("txn_id", text(row.text(s.index("txn_id")))),
                ("kind", text(row.text(s.index("kind")))),
                ("reference", text(row.text(s.index("reference")))),
                ("amount", int(row.int(s.index("amount")))),
                ("fee", .int(row.int(s.index("fee"), default: 0))),
                ("occurred_at", int(row.int(s.index("occurred_at")))),
            ],
            extras: [("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line)))],
            laterFailure: nil)
    }

    /// Repayments (SPEC §3.4): credit-line repayments, amount > 0.
    func repayment(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.repayments
        let amount = row.int(s.index("amount"))!
        let failure = amount > 0 ? nil
            : Rejection(.badMoney, column: row.columns[s.index("amount")], "a repayment amount must be above zero")
        return StagedRow(
            table: "repayments", keyNames: ["repayment_id"],
            fields: [
                ("repayment_id", text(row.text(s.index("repayment_id")))),
                ("buyer_id", text(row.text(s.index("buyer_id")))),
                ("amount", .int(amount)),
                ("paid_at", int(row.int(s.index("paid_at")))),
            ],
            extras: [("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line)))],
            laterFailure: failure)
    }

    /// Payouts (SPEC §3.4): treasury's confirmation that a closed sheet was paid.
    func payout(_ row: TypedRow) -> StagedRow {
        let s = FeedSchemas.payouts
        return StagedRow(
            table: "payouts", keyNames: ["payout_id"],
            fields: [
                ("payout_id", text(row.text(s.index("payout_id")))),
                ("sheet_id", text(row.text(s.index("sheet_id")))),
                ("amount", int(row.int(s.index("amount")))),
                ("paid_at", int(row.int(s.index("paid_at")))),
                ("bank_ref", text(row.text(s.index("bank_ref")))),
            ],
            extras: [("source_file", .text(fileSHA)), ("source_line", .int(Int64(row.line)))],
            laterFailure: nil)
    }
}
