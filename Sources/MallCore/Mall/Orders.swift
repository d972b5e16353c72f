// Orders (SPEC §13): place an order (prices, order split, coupons, freight), pay it (points,
// then credit or cash; stock), ship and complete its child orders. The orders feed rows are
// emitted at payment and again at completion.

/// A cart line being priced, before it becomes a LineRecord.
private struct DraftLine {
    var sku: Int
    var supplier: Int
    var quantity: Int64
    var unitPrice: Money
    var subtotal: Money
    var discountPlatform: Money = .zero
    var discountSupplier: Money = .zero
    var freight: Money = .zero
    /// What coupons may still take: subtotal less the discounts of earlier coupons.
    var remaining: Money { subtotal - discountPlatform - discountSupplier }
}

extension MallState {
    // MARK: place_order

    /// Rule 4 (place_order). Checks, in this order: the order id is new (`duplicate_id`), the buyer
    /// is known, the cart is not empty and has at most `MallLimits.cartLinesMax` lines, every
    /// quantity is 1…1,000,000 (`bad_quantity`), `pointsLimit` is not negative (`invalid_state`),
    /// every SKU is known (`unknown_sku`), no unit price is below zero (a catalog error,
    /// `invalid_state`), every line's quantity × unit price is inside the feed range
    /// (`bad_quantity`); then the coupons (`applyCoupon`); then no supplier's freight is below zero
    /// (`invalid_state`) and the order total is inside the feed range (`bad_quantity`).
    ///
    /// Lines are never merged. They are grouped by supplier into child orders `{orderID}-1`, … in
    /// byte order of supplier id, and numbered 1… in cart order within each child. Everything
    /// allocated over lines (coupons here, points at payment) takes the lines in that order:
    /// child by child, line by line; ties go to the earlier line.
    ///
    /// Coupons apply one after the other in the order listed (see `applyCoupon`). Freight is set
    /// per child order from the supplier's rule once every coupon has applied. Nothing is emitted;
    /// coupons count as used from now on; stock is not reserved.
    mutating func placeOrder(_ orderID: String, buyerID: String, cart: [CartLine], couponIDs: [String],
                             pointsLimit: Money?, at: Instant) throws(Refusal)
    {
        let (buyer, skus) = try checkOrder(orderID, buyerID: buyerID, cart: cart, pointsLimit: pointsLimit)
        var drafts = try priceLines(cart, skus: skus, buyer: buyer)
        let childLines = MallState.childOrders(of: drafts)
        let coupons = try applyCoupons(couponIDs, buyer: buyer, to: &drafts, at: at)
        try chargeFreightPerChild(childLines, on: &drafts)
        // Nothing below refuses.
        storeOrder(orderID, buyer: buyer, drafts: drafts, childLines: childLines, coupons: coupons,
                   pointsLimit: pointsLimit, at: at)
    }

    /// The checks of an order before pricing: a new id, a known buyer, a cart of 1…
    /// `cartLinesMax` lines of sane quantities, a points limit not below zero, known SKUs.
    /// Returns the buyer and each cart line's SKU and supplier. (This and the other steps of
    /// `placeOrder` and `pay` are `mutating` for the reason `applyCoupon` gives.)
    private mutating func checkOrder(_ orderID: String, buyerID: String, cart: [CartLine],
                                     pointsLimit: Money?) throws(Refusal) -> (buyer: Int, skus: [(sku: Int, supplier: Int)]) {
        guard orderIndex[orderID] == nil else { throw .duplicateID(orderID) }
        guard let buyer = index.buyers[buyerID] else { throw .unknownBuyer(buyerID) }
        guard !cart.isEmpty else { throw .emptyCart }
        guard cart.count <= MallLimits.cartLinesMax else { throw .badQuantity }
        for line in cart where line.quantity < 1 || line.quantity > MallLimits.quantityMax {
            throw .badQuantity
        }
        if let limit = pointsLimit, limit < .zero {
            throw .invalidState("the points limit of order \(orderID) is below zero")
        }
        var skus: [(sku: Int, supplier: Int)] = []
        skus.reserveCapacity(cart.count)
        for line in cart {
            guard let sku = index.skus[line.sku], let supplier = index.skuSupplier[sku] else {
                throw .unknownSKU(line.sku)
            }
            skus.append((sku, supplier))
        }
        return (buyer, skus)
    }

    /// The cart's lines priced for the buyer, in the order split's order: by supplier (byte
    /// order of id), then cart order.
    private mutating func priceLines(_ cart: [CartLine], skus: [(sku: Int, supplier: Int)],
                                     buyer: Int) throws(Refusal) -> [DraftLine] {
        let positions = cart.indices.sorted {
            let a = index.supplierRank[skus[$0].supplier]
            let b = index.supplierRank[skus[$1].supplier]
            return a != b ? a < b : $0 < $1
        }
        let level = catalog.buyers[buyer].level
        let levelRatio = index.buyerLevelRatio[buyer]
        var drafts: [DraftLine] = []
        drafts.reserveCapacity(cart.count)
        for position in positions {
            let (sku, supplier) = skus[position]
            let quantity = cart[position].quantity
            let contract = index.buyerHasContracts[buyer] ? index.contracts[CatalogIndex.ContractKey(buyer: buyer, sku: sku)] : nil
            let unitPrice = Pricing.unitPrice(levelPrices: catalog.skus[sku].levelPrices, tiers: catalog.skus[sku].tiers,
                                              salePrice: index.salePrices[sku], level: level, levelRatio: levelRatio,
                                              contract: contract, quantity: quantity)
            guard unitPrice >= .zero else {
                throw .invalidState("SKU \(cart[position].sku) is priced below zero")
            }
            guard let subtotal = unitPrice.times(quantity) else { throw .badQuantity }
            drafts.append(DraftLine(sku: sku, supplier: supplier, quantity: quantity,
                                    unitPrice: unitPrice, subtotal: subtotal))
        }
        return drafts
    }

    /// The child orders: runs of lines of one supplier.
    private static func childOrders(of drafts: [DraftLine]) -> [Range<Int>] {
        var childLines: [Range<Int>] = []
        childLines.reserveCapacity(drafts.count)
        var start = 0
        for end in 1...drafts.count where end == drafts.count || drafts[end].supplier != drafts[start].supplier {
            childLines.append(start..<end)
            start = end
        }
        return childLines
    }

    /// The coupons an order uses, applied in the order listed; returns the uses per coupon
    /// in this order and the coupons in the order used.
    private mutating func applyCoupons(_ couponIDs: [String], buyer: Int, to drafts: inout [DraftLine],
                                       at: Instant) throws(Refusal) -> (usedHere: [Int: Int], used: [Int]) {
        var usedHere: [Int: Int] = [:]
        var couponsUsed: [Int] = []
        for couponID in couponIDs {
            guard let coupon = index.coupons[couponID] else { throw .unknownCoupon(couponID) }
            let usesBefore = couponUses[buyer][coupon, default: 0] + usedHere[coupon, default: 0]
            if let refusal = applyCoupon(coupon, to: &drafts, usesBefore: usesBefore, at: at) {
                throw refusal
            }
            usedHere[coupon, default: 0] += 1
            couponsUsed.append(coupon)
        }
        return (usedHere, couponsUsed)
    }

    /// Freight per child order, once every coupon has applied; the order's total must stay
    /// inside the feed range.
    private mutating func chargeFreightPerChild(_ childLines: [Range<Int>], on drafts: inout [DraftLine]) throws(Refusal) {
        var total = Int128(0)
        for child in childLines {
            // The supplier's freight rule alone: a copy of its record retains every text in it.
            let supplier = drafts[child.lowerBound].supplier
            let rule = catalog.suppliers[supplier].freight
            guard rule.flat >= .zero else {
                throw .invalidState("supplier \(catalog.suppliers[supplier].id) charges freight below zero")
            }
            MallState.chargeFreight(rule, on: &drafts, lines: child)
            for line in child { total += Int128(drafts[line].remaining.fen) + Int128(drafts[line].freight.fen) }
        }
        guard total <= Int128(Money.magnitudeMaxFen) else { throw .badQuantity }
    }

    /// Stores a checked, priced order: its child orders, lines and coupon uses.
    private mutating func storeOrder(_ orderID: String, buyer: Int, drafts: [DraftLine], childLines: [Range<Int>],
                                     coupons: (usedHere: [Int: Int], used: [Int]), pointsLimit: Money?, at: Instant) {
        let order = orders.count
        let firstChild = children.count
        let firstLine = lines.count
        for child in childLines {
            children.append(ChildRecord(supplier: drafts[child.lowerBound].supplier,
                                        lines: (firstLine + child.lowerBound)..<(firstLine + child.upperBound)))
        }
        for draft in drafts {
            lines.append(LineRecord(sku: draft.sku, quantity: draft.quantity, unitPrice: draft.unitPrice,
                                    discountPlatform: draft.discountPlatform, discountSupplier: draft.discountSupplier,
                                    freight: draft.freight))
        }
        let firstCoupon = orderCoupons.count
        orderCoupons.append(contentsOf: coupons.used)
        for (coupon, uses) in coupons.usedHere { couponUses[buyer][coupon, default: 0] += uses }
        orders.append(OrderRecord(id: orderID, buyer: buyer, placedAt: at, pointsLimit: pointsLimit,
                                  children: firstChild..<children.count,
                                  lines: firstLine..<lines.count, coupons: firstCoupon..<orderCoupons.count,
                                  grantUses: grantUses.count..<grantUses.count))
        orderIndex.insert(orderID, value: order)
    }

    /// Applies one coupon to the priced lines, or says why it cannot.
    ///
    /// The coupon must be valid at the order's instant (`validFrom` ≤ at < `validTo`), reach at least
    /// one line (its scope), and the eligible lines' remaining amount (subtotal less the discounts of
    /// coupons listed before it) must reach its threshold: else `coupon_not_applicable`. The buyer's
    /// uses in orders not cancelled, this order's earlier uses included, must be below its
    /// `perBuyerLimit`: else `coupon_exhausted`. The discount (see `Coupon.discount(onEligible:)`) is
    /// allocated over the eligible lines by largest remainder, weighted by their remaining amounts,
    /// and booked as platform- or supplier-funded; no line's goods go below 0.
    ///
    /// `mutating` although it changes nothing of the state: called as a nonmutating method from
    /// `placeOrder`, the whole state was copied for the call (every array retained and released).
    private mutating func applyCoupon(_ coupon: Int, to drafts: inout [DraftLine], usesBefore: Int, at: Instant) -> Refusal? {
        let terms = catalog.coupons[coupon]
        guard terms.isValid(at: at) else { return .couponNotApplicable(terms.id) }
        let skuList = index.couponSKUs[coupon]
        let supplier = index.couponSupplier[coupon]
        let categories = index.couponCategories[coupon]
        var eligible: [Int] = []
        var remaining = Money.zero
        for (position, draft) in drafts.enumerated() {
            // `scope.matches(supplierID:category:)`, from the tables CatalogIndex built once.
            guard supplier.map({ $0 == draft.supplier }) ?? true, categories[index.skuCategory[draft.sku]],
                  skuList.isEmpty || skuList.contains(catalog.skus[draft.sku].sku) else { continue }
            eligible.append(position)
            remaining += draft.remaining
        }
        guard !eligible.isEmpty, remaining >= terms.threshold else { return .couponNotApplicable(terms.id) }
        guard usesBefore < terms.perBuyerLimit else { return .couponExhausted(terms.id) }
        let discount = terms.discount(onEligible: remaining)
        withAllocationRoom(eligible.count) { weights, parts in
            for (i, position) in eligible.enumerated() { weights[i] = drafts[position].remaining.fen }
            allocateLargestRemainder(discount.fen, weights: UnsafeBufferPointer(weights), into: parts)
            for (i, position) in eligible.enumerated() {
                let part = Money(fen: parts[i])
                switch terms.fundedBy {
                case .platform: drafts[position].discountPlatform += part
                case .supplier: drafts[position].discountSupplier += part
                }
            }
        }
        return nil
    }

    /// Freight of one child order: the supplier's flat amount, or 0 when `freeOver` is set and the
    /// child's goods (after discounts) reach it. Allocated over the child's lines by largest
    /// remainder weighted by goods (all goods 0: equal weights).
    private static func chargeFreight(_ rule: FreightRule, on drafts: inout [DraftLine], lines: Range<Int>) {
        let goods = drafts[lines].reduce(Money.zero) { $0 + $1.remaining }
        let freight: Money
        if let freeOver = rule.freeOver, goods >= freeOver { freight = .zero } else { freight = rule.flat }
        // A child of one line (most are) takes the whole freight, as the allocation gives it.
        guard lines.count > 1 else {
            drafts[lines.lowerBound].freight = freight
            return
        }
        withAllocationRoom(lines.count) { weights, parts in
            for (i, position) in lines.enumerated() { weights[i] = drafts[position].remaining.fen }
            allocateLargestRemainder(freight.fen, weights: UnsafeBufferPointer(weights), into: parts)
            for (i, position) in lines.enumerated() { drafts[position].freight = Money(fen: parts[i]) }
        }
    }

    // MARK: pay

    /// Rule 5 (pay). The order must have been placed (`unknown_order`) and be unpaid and not
    /// cancelled (`invalid_state`).
    ///
    /// With T the order's total (goods + freight of every line of every child): points pay
    /// min(unexpired balance at `at`, round(T × points cap), the order's points limit), taken from
    /// grants earliest-expiring first. The rest goes on credit for a buyer who pays on credit
    /// (refused `credit_frozen` when frozen, `credit_limit_exceeded` when credit used + rest >
    /// limit; neither is checked when the rest is 0), else in cash through the event's channel
    /// (`missing_channel` when cash is due and none is named). Every SKU must have stock for the
    /// order's lines of it together (`out_of_stock`, the first short SKU in line order); the stock
    /// is reserved.
    ///
    /// Points are allocated over all lines (child by child, line by line) by largest remainder
    /// weighted by goods + freight; each line's credit or cash is goods + freight − its points,
    /// so every line balances exactly. Emits one orders row per line and, when cash was paid, one
    /// `pay` row of the channel (txn id: the event's, else `PAY-{orderID}`; fee: the channel's
    /// rate, 0 for a channel the catalog does not list).
    mutating func pay(_ orderID: String, channel: String?, txnID: String?, at: Instant,
                      into rows: inout [MallRow]) throws(Refusal) {
        guard let order = orderIndex[orderID] else { throw .unknownOrder(orderID) }
        let record = orders[order]
        guard record.status == .placed else {
            throw .invalidState("order \(orderID) is \(record.status.rawValue); only a placed order can be paid")
        }
        let paysOnCredit = catalog.buyers[record.buyer].paysOnCredit
        let (pointsPaid, rest, cashChannel) = try splitTenders(record, channel: channel, at: at)
        let needed = try stockNeeded(record)

        // Nothing below refuses.
        let uses = points.spend(pointsPaid, by: record.buyer, at: at)
        let firstUse = grantUses.count
        grantUses.append(contentsOf: uses)
        withAllocationRoom(record.lines.count) { weights, parts in
            for (i, line) in record.lines.enumerated() { weights[i] = lines[line].value.fen }
            allocateLargestRemainder(pointsPaid.fen, weights: UnsafeBufferPointer(weights), into: parts)
            for (i, line) in record.lines.enumerated() {
                let value = lines[line].value
                let points = Money(fen: parts[i])
                lines[line].paid = paysOnCredit
                    ? TenderSplit(points: points, credit: value - points, cash: .zero)
                    : TenderSplit(points: points, credit: .zero, cash: value - points)
            }
        }
        for (sku, quantity) in needed { stock[sku] -= quantity }
        if paysOnCredit { creditUsed[record.buyer] += rest }
        orders[order].status = .paid
        orders[order].paidAt = at
        orders[order].channel = cashChannel
        orders[order].grantUses = firstUse..<grantUses.count

        for child in record.children {
            appendOrderLineRows(order: orders[order], child: child, completedAt: nil, to: &rows)
        }
        if !paysOnCredit && rest > .zero {
            rows.append(.channel(ChannelRow(channel: cashChannel, txnID: txnID ?? "PAY-\(orderID)", kind: .pay,
                                            reference: orderID, amount: rest,
                                            fee: channelFee(cashChannel, on: rest), occurredAt: at)))
        }
    }

    /// What of an order's total points pay, and what is left for credit or cash (through
    /// `cashChannel`): the points and credit checks of rule 5.
    private mutating func splitTenders(_ record: OrderRecord, channel: String?,
                                       at: Instant) throws(Refusal) -> (pointsPaid: Money, rest: Money, cashChannel: String) {
        let paysOnCredit = catalog.buyers[record.buyer].paysOnCredit
        let total = record.lines.reduce(Money.zero) { $0 + lines[$1].value }
        var pointsPaid = min(points.balance(of: record.buyer, at: at), total.applying(catalog.pointsCap))
        if let limit = record.pointsLimit { pointsPaid = min(pointsPaid, limit) }
        pointsPaid = max(min(pointsPaid, total), .zero) // a cap above 100 % or below 0 still pays 0…T
        let rest = total - pointsPaid
        var cashChannel = ""
        if paysOnCredit {
            if rest > .zero {
                guard !catalog.buyers[record.buyer].frozen else { throw .creditFrozen }
                guard creditUsed[record.buyer] + rest <= catalog.buyers[record.buyer].creditLimit else {
                    throw .creditLimitExceeded
                }
            }
        } else if rest > .zero {
            guard let channel, !channel.isEmpty else { throw .missingChannel }
            cashChannel = channel
        }
        return (pointsPaid, rest, cashChannel)
    }

    /// Units per SKU over the order's lines (a few lines: a list, not a dictionary), each
    /// checked against the stock, in line order.
    private mutating func stockNeeded(_ record: OrderRecord) throws(Refusal) -> [(sku: Int, quantity: Int64)] {
        var needed: [(sku: Int, quantity: Int64)] = []
        needed.reserveCapacity(record.lines.count)
        for line in record.lines {
            let sku = lines[line].sku
            if let known = needed.firstIndex(where: { $0.sku == sku }) {
                needed[known].quantity += lines[line].quantity
            } else {
                needed.append((sku, lines[line].quantity))
            }
        }
        for line in record.lines {
            let sku = lines[line].sku
            if needed.first(where: { $0.sku == sku })!.quantity > stock[sku] {
                throw .outOfStock(catalog.skus[sku].sku)
            }
        }
        return needed
    }

    // MARK: ship, complete

    /// Rule 7 (ship). The child order must exist (`unknown_order`), its order be paid and neither
    /// cancelled nor closed, the child not shipped yet and not refunded in full (`invalid_state`).
    mutating func ship(_ childOrderID: String, at: Instant) throws(Refusal) {
        guard let (order, child) = locateChild(childOrderID) else { throw .unknownOrder(childOrderID) }
        guard orders[order].status == .paid else {
            throw .invalidState("order \(orders[order].id) is \(orders[order].status.rawValue); only a paid order ships")
        }
        guard !children[child].shipped else { throw .invalidState("child order \(childOrderID) has shipped already") }
        guard !children[child].lines.allSatisfy({ lines[$0].isFullyRefunded }) else {
            throw .invalidState("every line of child order \(childOrderID) is refunded")
        }
        children[child].shipped = true
    }

    /// Rule 7 (complete). The child order must have shipped and not be completed (`invalid_state`).
    /// Emits, for each line not refunded in full, the orders row emitted at payment with
    /// `completed_at` = now (partly refunded lines included: refunds have their own feed).
    mutating func complete(_ childOrderID: String, at: Instant, into rows: inout [MallRow]) throws(Refusal) {
        guard let (order, child) = locateChild(childOrderID) else { throw .unknownOrder(childOrderID) }
        guard children[child].shipped else { throw .invalidState("child order \(childOrderID) has not shipped") }
        guard children[child].completedAt == nil else {
            throw .invalidState("child order \(childOrderID) is completed already")
        }
        children[child].completedAt = at
        appendOrderLineRows(order: orders[order], child: child, completedAt: at, skipFullyRefunded: true, to: &rows)
    }

    /// Appends the orders feed rows of one child order to `rows`. `mutating` although it changes
    /// nothing: as a nonmutating method, `complete` copied the whole state to call it (every
    /// array retained and released, per completion).
    mutating func appendOrderLineRows(order: OrderRecord, child: Int, completedAt: Instant?, skipFullyRefunded: Bool = false,
                             to rows: inout [MallRow])
    {
        let childRecord = children[child]
        let childNumber = Int32(child - order.children.lowerBound + 1)
        // The catalog's text (SKU, supplier, category, buyer, level) is the feed writer's to read.
        for line in childRecord.lines {
            let record = lines[line]
            if skipFullyRefunded && record.isFullyRefunded { continue }
            rows.append(.orderLine(OrderLineRef(
                parentOrderID: order.id, childNumber: childNumber, lineNo: Int32(line - childRecord.lines.lowerBound + 1),
                sku: Int32(record.sku), buyer: Int32(order.buyer), quantity: record.quantity,
                unitPrice: record.unitPrice, discountPlatform: record.discountPlatform,
                discountSupplier: record.discountSupplier, freight: record.freight, paid: record.paid,
                paymentChannel: record.paid.cash > .zero ? order.channel : "", orderedAt: order.placedAt,
                paidAt: order.paidAt, completedAt: completedAt)))
        }
    }
}
