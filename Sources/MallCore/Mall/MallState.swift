// MallState: the mall core's whole state, and the one entry point that applies a journal event.
//
// The commands live in Orders.swift (place, pay, ship, complete), AfterSale.swift (cancel,
// refund) and Accounts.swift (grant points, repay). Each one checks everything first and changes
// the state only once nothing can refuse any more, so a refused event leaves the state exactly
// as it was. docs/mall-core-rules.md states the rules for finance readers.

/// Named limits of the mall core.
public enum MallLimits {
    /// Units on one cart line or one refund line (SPEC §3.1 `quantity`).
    public static let quantityMax: Int64 = 1_000_000
    /// Lines in one cart. With every line's subtotal inside the feed range (±9e15 fen), 1,000
    /// lines keep every order-level sum inside Int64.
    public static let cartLinesMax = 1_000
}

/// Where a placed order stands. A child order's shipping and completion are kept per child.
public enum MallOrderStatus: String, Hashable, Sendable {
    /// Placed, not paid: prices, coupons and freight are fixed.
    case placed
    /// Paid: tenders fixed, stock reserved; children may ship, complete and be refunded.
    case paid
    /// Cancelled, before payment or after payment before any child shipped.
    case cancelled
    /// Every line of every child was refunded in full by refunds (not by a cancel).
    case closed
}

/// A child order as tests and the generator see it.
public struct MallChildOrderState: Hashable, Sendable {
    public var supplierID: String
    public var lineCount: Int
    public var shipped: Bool
    public var completedAt: Instant?
}

/// One order line as tests and the generator see it: what was paid and what refunds returned.
public struct MallLineState: Hashable, Sendable {
    public var sku: String
    public var quantity: Int64
    public var unitPrice: Money
    public var discountPlatform: Money
    public var discountSupplier: Money
    public var goods: Money
    public var freight: Money
    /// Zero until the order is paid.
    public var paid: TenderSplit
    /// Units refunded by every refund type.
    public var refundedQuantity: Int64
    /// Units sent back (returns only); these went back into stock.
    public var returnedQuantity: Int64
    public var refundedGoods: Money
    public var refundedFreight: Money
    /// The tenders returned so far (the cumulative-difference rule at the refunded amount).
    public var refunded: TenderSplit
    public var isFullyRefunded: Bool
}

/// The mall core: catalog lookups built once, and everything the journal has changed.
///
/// Rule 1 (event order and ids): an event whose `at` is earlier than the last accepted event's
/// `at` is refused `out_of_order` (equal instants are fine). Order ids, refund ids (of refunds and
/// cancellations), grant ids and repayment ids may each be used once, each kind on its own:
/// a second use is refused `duplicate_id`. A refused event changes nothing.
public struct MallState: Sendable, Equatable {
    public let catalog: Catalog
    let index: CatalogIndex
    /// The `at` of the last accepted event.
    public private(set) var lastEventAt: Instant?

    /// Units left, by SKU index (reserved at payment, back on cancellation and return).
    var stock: [Int64]
    /// Credit used, by buyer index; below zero when a buyer has repaid ahead.
    var creditUsed: [Money]
    /// Per buyer: coupon index → uses in orders not cancelled.
    var couponUses: [[Int: Int]]
    var points: PointsBook

    var orders: [OrderRecord] = []
    /// Order id → position in `orders`.
    var orderIndex = IDIndex()
    var children: [ChildRecord] = []
    var lines: [LineRecord] = []
    /// The coupons each order used (an order's `coupons` range), for restoring on cancellation.
    var orderCoupons: [Int] = []
    /// What each grant paid of each order (an order's `grantUses` range), in spending order.
    var grantUses: [GrantUse] = []
    var refundIDs: Set<String> = []
    var repaymentIDs: Set<String> = []

    public init(catalog: Catalog) {
        self.catalog = catalog
        self.index = CatalogIndex(catalog)
        stock = catalog.skus.map(\.stock)
        creditUsed = Array(repeating: .zero, count: catalog.buyers.count)
        couponUses = Array(repeating: [:], count: catalog.buyers.count)
        points = PointsBook(buyers: catalog.buyers.count)
    }

    /// Makes room for about `orders` orders (their children, lines and ids), so that a replay
    /// of a known size does not copy its growing arrays again and again. Only capacity, on
    /// huge pages where the system has them (HugePages.swift).
    /// `indexedOrders` (default: `orders`) sizes the order index: unlike the arrays, whose
    /// room is only claimed when written, the index's table is written whole when made, so
    /// an estimate too high by a little can double it.
    public mutating func reserveCapacity(orders count: Int, indexedOrders: Int? = nil) {
        orders.reserveCapacity(count)
        orderIndex.reserveCapacity(indexedOrders ?? count)
        children.reserveCapacity(count * 3 / 2)
        lines.reserveCapacity(count * 2)
        grantUses.reserveCapacity(count)
        HugePages.advise(&orders)
        HugePages.advise(&children)
        HugePages.advise(&lines)
        HugePages.advise(&grantUses)
    }

    /// Applies one event. On refusal the state is unchanged and nothing is emitted.
    public mutating func apply(_ event: JournalEvent) -> Result<[MallOutput], Refusal> {
        var rows: [MallRow] = []
        do throws(Refusal) {
            try apply(event, into: &rows)
        } catch {
            return .failure(error)
        }
        return .success(rows.map { $0.output(in: catalog) })
    }

    /// Applies one event and appends what it emits to `rows` (replay's form: no array per
    /// event, orders rows by reference). On refusal the state and `rows` are unchanged.
    public mutating func apply(_ event: JournalEvent, into rows: inout [MallRow]) throws(Refusal) {
        if let last = lastEventAt, event.at < last { throw .outOfOrder }
        let at = event.at
        let rowsBefore = rows.count
        do throws(Refusal) {
            try apply(event.command, at: at, into: &rows)
        } catch {
            precondition(rows.count == rowsBefore, "a refused event emitted rows")
            throw error
        }
        lastEventAt = at
    }

    private mutating func apply(_ command: MallCommand, at: Instant, into rows: inout [MallRow]) throws(Refusal) {
        switch command {
        case let .placeOrder(orderID, buyerID, cart, coupons, pointsLimit):
            try placeOrder(orderID, buyerID: buyerID, cart: cart, couponIDs: coupons, pointsLimit: pointsLimit, at: at)
        case let .pay(orderID, channel, txnID):
            try pay(orderID, channel: channel, txnID: txnID, at: at, into: &rows)
        case let .cancel(orderID, refundID):
            try cancel(orderID, refundID: refundID, at: at, into: &rows)
        case let .ship(childOrderID):
            try ship(childOrderID, at: at)
        case let .complete(childOrderID):
            try complete(childOrderID, at: at, into: &rows)
        case let .refund(refundID, childOrderID, kind, requestLines, txnID):
            try refund(refundID, childOrderID: childOrderID, kind: kind, requests: requestLines, txnID: txnID, at: at,
                       into: &rows)
        case let .grantPoints(grantID, buyerID, amount, expiresAt):
            try grantPoints(grantID, buyerID: buyerID, amount: amount, expiresAt: expiresAt, at: at)
        case let .repay(repaymentID, buyerID, amount):
            try repay(repaymentID, buyerID: buyerID, amount: amount, at: at, into: &rows)
        }
    }
}

// MARK: - Read-only accessors

extension MallState {
    /// Unexpired points of a buyer at `at` (grants with `expiresAt` > at); nil for an unknown buyer.
    public func pointsBalance(of buyerID: String, at: Instant) -> Money? {
        index.buyers[buyerID].map { points.balance(of: $0, at: at) }
    }

    /// Credit used by a buyer (negative: repaid ahead); nil for an unknown buyer.
    public func creditUsed(by buyerID: String) -> Money? {
        index.buyers[buyerID].map { creditUsed[$0] }
    }

    /// Units of a SKU not reserved by a paid order; nil for an unknown SKU.
    public func stockLeft(of sku: String) -> Int64? {
        index.skus[sku].map { stock[$0] }
    }

    /// How many orders not cancelled use this coupon for this buyer; nil when either is unknown.
    public func couponUses(of couponID: String, by buyerID: String) -> Int? {
        guard let coupon = index.coupons[couponID], let buyer = index.buyers[buyerID] else { return nil }
        return couponUses[buyer][coupon, default: 0]
    }

    /// The status of a placed order (the buyer's parent order); nil when never placed.
    public func status(ofOrder orderID: String) -> MallOrderStatus? {
        orderIndex[orderID].map { orders[$0].status }
    }

    /// The child order ids of a placed order, `{orderID}-1`, `{orderID}-2`, …
    public func childOrderIDs(of orderID: String) -> [String]? {
        guard let order = orderIndex[orderID] else { return nil }
        return (0..<orders[order].children.count).map { "\(orderID)-\($0 + 1)" }
    }

    /// A child order's supplier, size and progress; nil when unknown.
    public func childOrder(_ childOrderID: String) -> MallChildOrderState? {
        guard let (_, child) = locateChild(childOrderID) else { return nil }
        let record = children[child]
        return MallChildOrderState(supplierID: catalog.suppliers[record.supplier].id, lineCount: record.lines.count,
                                   shipped: record.shipped, completedAt: record.completedAt)
    }

    /// One line of a child order; nil when unknown.
    public func line(_ childOrderID: String, lineNo: Int64) -> MallLineState? {
        guard let (_, child) = locateChild(childOrderID) else { return nil }
        let range = children[child].lines
        guard lineNo >= 1, lineNo <= Int64(range.count) else { return nil }
        let record = lines[range.lowerBound + Int(lineNo) - 1]
        return MallLineState(
            sku: catalog.skus[record.sku].sku, quantity: record.quantity, unitPrice: record.unitPrice,
            discountPlatform: record.discountPlatform, discountSupplier: record.discountSupplier,
            goods: record.goods, freight: record.freight, paid: record.paid,
            refundedQuantity: record.refundedQuantity, returnedQuantity: record.returnedQuantity,
            refundedGoods: record.refundedGoods, refundedFreight: record.refundedFreight,
            refunded: record.paid.refunded(cumulative: record.refundedGoods + record.refundedFreight),
            isFullyRefunded: record.isFullyRefunded)
    }

    /// Orders placed so far (every status).
    public var orderCount: Int { orders.count }
}

// MARK: - Records

/// A placed order. Its children, lines, coupons and grant uses are contiguous ranges of the
/// state's flat arrays: an order appends them all at once, so nothing needs a per-order array.
/// Small numbers are stored in 32 bits and optionals as sentinels, so that a replay of millions
/// of orders stays within memory; the accessors give the plain types.
struct OrderRecord: Hashable, Sendable {
    var id: String
    private var buyerIndex: Int32
    var status: MallOrderStatus
    var placedAt: Instant
    /// Meaningful once paid.
    var paidAt: Instant
    /// The cash channel; empty when nothing was paid in cash.
    var channel: String
    /// −1: no limit.
    private var pointsLimitFen: Int64
    var children: Range<Int>
    var lines: Range<Int>
    var coupons: Range<Int>
    var grantUses: Range<Int>

    init(id: String, buyer: Int, placedAt: Instant, pointsLimit: Money?, children: Range<Int>, lines: Range<Int>,
         coupons: Range<Int>, grantUses: Range<Int>)
    {
        self.id = id; self.buyerIndex = Int32(buyer); self.status = .placed; self.placedAt = placedAt
        self.paidAt = placedAt; self.channel = ""; self.pointsLimitFen = pointsLimit?.fen ?? -1
        self.children = children; self.lines = lines; self.coupons = coupons; self.grantUses = grantUses
    }

    var buyer: Int { Int(buyerIndex) }
    var pointsLimit: Money? { pointsLimitFen < 0 ? nil : Money(fen: pointsLimitFen) }
}

/// One supplier's part of an order.
struct ChildRecord: Hashable, Sendable {
    private var firstLine: Int
    private var lineCount: Int32
    private var supplierIndex: Int32
    /// `Int64.min`: not completed.
    private var completedNanos: Int64 = .min
    var shipped = false

    init(supplier: Int, lines: Range<Int>) {
        firstLine = lines.lowerBound; lineCount = Int32(lines.count); supplierIndex = Int32(supplier)
    }

    var supplier: Int { Int(supplierIndex) }
    var lines: Range<Int> { firstLine..<(firstLine + Int(lineCount)) }
    var completedAt: Instant? {
        get { completedNanos == .min ? nil : Instant(nanos: completedNanos) }
        set { completedNanos = newValue?.nanos ?? .min }
    }
}

/// One order line: what was charged and paid, and what refunds have taken back so far. The
/// tenders returned so far are not stored: they follow from the refunded amount (TenderSplit).
/// Quantities (at most 1,000,000) and the SKU index are stored in 32 bits.
struct LineRecord: Hashable, Sendable {
    private var skuIndex: Int32
    private var quantity32: Int32
    private var refundedQuantity32: Int32 = 0
    private var returnedQuantity32: Int32 = 0
    var unitPrice: Money
    var discountPlatform: Money
    var discountSupplier: Money
    var freight: Money
    var paid = TenderSplit.zero
    var refundedGoods = Money.zero
    var refundedFreight = Money.zero

    init(sku: Int, quantity: Int64, unitPrice: Money, discountPlatform: Money, discountSupplier: Money, freight: Money) {
        skuIndex = Int32(sku); quantity32 = Int32(quantity); self.unitPrice = unitPrice
        self.discountPlatform = discountPlatform; self.discountSupplier = discountSupplier; self.freight = freight
    }

    var sku: Int { Int(skuIndex) }
    var quantity: Int64 { Int64(quantity32) }
    /// Units refunded by every refund type.
    var refundedQuantity: Int64 {
        get { Int64(refundedQuantity32) }
        set { refundedQuantity32 = Int32(newValue) }
    }
    /// Units sent back by returns.
    var returnedQuantity: Int64 {
        get { Int64(returnedQuantity32) }
        set { returnedQuantity32 = Int32(newValue) }
    }

    /// `quantity × unit_price − discounts` (checked in range at placement).
    var goods: Money { Money(fen: unitPrice.fen * quantity) - discountPlatform - discountSupplier }
    /// Goods plus freight: what the tenders pay.
    var value: Money { goods + freight }

    /// Fully refunded: every fen of goods refunded; for a line whose goods are 0, every unit
    /// refunded (by any refund type). A cancellation refunds both.
    var isFullyRefunded: Bool {
        goods > .zero ? refundedGoods == goods : refundedQuantity == quantity
    }
}

/// Catalog lookups, built once: every look-up during replay is a dictionary hit or an array index.
struct CatalogIndex: Hashable, Sendable {
    struct ContractKey: Hashable, Sendable {
        var buyer: Int
        var sku: Int
    }

    var skus = IDIndex()
    /// By SKU index: the supplier's index, or nil when the catalog names no such supplier.
    var skuSupplier: [Int?] = []
    var salePrices: [Money] = []
    var suppliers: [String: Int] = [:]
    /// By supplier index: its position when supplier ids are sorted in byte order.
    var supplierRank: [Int] = []
    var buyers = IDIndex()
    var coupons = IDIndex()
    var couponSKUs: [Set<String>] = []
    /// Coupon scopes judged once per supplier and per category, not per cart line. By coupon:
    /// the supplier's index its scope names (−1: a supplier no SKU has; nil: any supplier).
    var couponSupplier: [Int?] = []
    /// By SKU index: its category's index among the catalog's distinct categories.
    var skuCategory: [Int] = []
    /// By coupon, by category index: whether the scope's category covers it.
    var couponCategories: [[Bool]] = []
    var contracts: [ContractKey: Money] = [:]
    /// By buyer index: whether any price contract names the buyer (most buyers have none).
    var buyerHasContracts: [Bool] = []
    /// By buyer index: the ratio of the buyer's member level (nil when the catalog lists
    /// none), read once rather than looked up by the level's text for every order.
    var buyerLevelRatio: [Rate?] = []
    /// Each channel's fee rate (the first entry of a channel listed twice). Channels are a
    /// handful: a payment finds its own by comparing texts, without hashing one.
    struct ChannelFee: Hashable, Sendable {
        var channel: String
        var rate: Rate
    }
    var channelFees: [ChannelFee] = []

    /// Where the catalog names an id twice, the first entry wins (the catalog reader should
    /// refuse such a catalog; the core stays total).
    init(_ catalog: Catalog) {
        for (position, supplier) in catalog.suppliers.enumerated() where suppliers[supplier.id] == nil {
            suppliers[supplier.id] = position
        }
        let byteOrder = catalog.suppliers.indices.sorted {
            let a = catalog.suppliers[$0].id.utf8, b = catalog.suppliers[$1].id.utf8
            return a.elementsEqual(b) ? $0 < $1 : a.lexicographicallyPrecedes(b)
        }
        supplierRank = Array(repeating: 0, count: catalog.suppliers.count)
        for (rank, position) in byteOrder.enumerated() { supplierRank[position] = rank }

        skus = IDIndex(expectedCount: catalog.skus.count)
        var categories: [[UInt8]: Int] = [:]
        var categoryNames: [String] = []
        for (position, sku) in catalog.skus.enumerated() {
            skus.insert(sku.sku, value: position)
            // Categories are compared byte by byte (CategoryPath), so they are told apart by their bytes.
            let bytes = Array(sku.category.utf8)
            if let known = categories[bytes] {
                skuCategory.append(known)
            } else {
                categories[bytes] = categoryNames.count
                skuCategory.append(categoryNames.count)
                categoryNames.append(sku.category)
            }
            let supplier = suppliers[sku.supplierID]
            skuSupplier.append(supplier)
            salePrices.append(supplier.map { Pricing.salePrice(of: sku, supplier: catalog.suppliers[$0]) } ?? sku.marketPrice)
        }
        buyers = IDIndex(expectedCount: catalog.buyers.count)
        for (position, buyer) in catalog.buyers.enumerated() { buyers.insert(buyer.id, value: position) }
        coupons = IDIndex(expectedCount: catalog.coupons.count)
        for (position, coupon) in catalog.coupons.enumerated() {
            coupons.insert(coupon.id, value: position)
            couponSKUs.append(Set(coupon.scope.skus))
            // A SKU's supplier id equals the scope's exactly when both name the same first
            // supplier entry; a scope naming no catalog supplier reaches no priced line.
            couponSupplier.append(coupon.scope.supplierID.map { suppliers[$0] ?? -1 })
            couponCategories.append(categoryNames.map { category in
                coupon.scope.category.map { CategoryPath.category(category, isWithin: $0) } ?? true
            })
        }
        buyerHasContracts = Array(repeating: false, count: catalog.buyers.count)
        for contract in catalog.contracts {
            guard let buyer = buyers[contract.buyerID], let sku = skus[contract.sku] else { continue }
            let key = ContractKey(buyer: buyer, sku: sku)
            if contracts[key] == nil { contracts[key] = contract.unitPrice }
            buyerHasContracts[buyer] = true
        }
        buyerLevelRatio = catalog.buyers.map { catalog.levelRatios[$0.level] }
        for terms in catalog.channels where !channelFees.contains(where: { $0.channel == terms.channel }) {
            channelFees.append(ChannelFee(channel: terms.channel, rate: terms.feeRate))
        }
    }
}

// MARK: - Shared helpers

extension MallState {
    /// The order and child behind `{orderID}-{n}`: split at the last `-`, n written without
    /// leading zeros and between 1 and the number of children.
    /// The parent is looked up by the bytes before the dash, without making a String of them.
    func locateChild(_ childOrderID: String) -> (order: Int, child: Int)? {
        let found: (order: Int, number: Int)? = IDIndex.withBytes(childOrderID) { bytes in
            guard let dash = bytes.lastIndex(of: UInt8(ascii: "-")) else { return nil }
            let digits = bytes[(dash + 1)...]
            guard !digits.isEmpty, digits.count <= 9, digits.first != UInt8(ascii: "0") else { return nil }
            var number = 0
            for byte in digits {
                guard byte >= 48, byte <= 57 else { return nil }
                number = number * 10 + Int(byte - 48)
            }
            guard let order = orderIndex[bytes: UnsafeBufferPointer(rebasing: bytes[..<dash])] else { return nil }
            return (order, number)
        }
        guard let (order, number) = found else { return nil }
        let range = orders[order].children
        guard number <= range.count else { return nil }
        return (order, range.lowerBound + number - 1)
    }

    /// The id of the `position`-th child of an order (0-based position within the order).
    func childID(of order: OrderRecord, child: Int) -> String {
        MallState.childOrderID(order.id, child - order.children.lowerBound + 1)
    }

    /// `{orderID}-{number}`, the id of an order's `number`-th child (from 1), built from bytes:
    /// the core and the generator build one for every row and event of a child order.
    public static func childOrderID(_ orderID: String, _ number: Int) -> String {
        precondition(number >= 1, "child orders are numbered from 1")
        var digits = 1
        var power = 10
        while power <= number { digits += 1; power *= 10 }
        return IDIndex.withBytes(orderID) { id in
            String(unsafeUninitializedCapacity: id.count + 1 + digits) { out in
                var at = 0
                for byte in id { out[at] = byte; at += 1 }
                out[at] = UInt8(ascii: "-")
                var value = number
                var position = id.count + digits
                while position > id.count {
                    out[position] = UInt8(48 + value % 10)
                    value /= 10
                    position -= 1
                }
                return id.count + 1 + digits
            }
        }
    }

    /// The channel's fee on `amount`; 0 for a channel the catalog does not list.
    func channelFee(_ channel: String, on amount: Money) -> Money {
        for fee in index.channelFees where fee.channel == channel { return amount.applying(fee.rate) }
        return .zero
    }
}
