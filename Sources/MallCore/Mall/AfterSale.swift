// After-sale (SPEC §13): cancel a whole order, refund money only, take goods back. Tenders are
// returned by the cumulative-difference rule, points go back to the grants that paid, and the
// refunds feed rows and channel refund rows are emitted.

/// A line's (or a refund's) amounts by tender: points, credit, cash.
public struct TenderSplit: Hashable, Sendable {
    public var points: Money
    public var credit: Money
    public var cash: Money

    public init(points: Money, credit: Money, cash: Money) {
        self.points = points; self.credit = credit; self.cash = cash
    }

    public static let zero = TenderSplit(points: .zero, credit: .zero, cash: .zero)

    public var total: Money { points + credit + cash }

    public static func + (a: TenderSplit, b: TenderSplit) -> TenderSplit {
        TenderSplit(points: a.points + b.points, credit: a.credit + b.credit, cash: a.cash + b.cash)
    }

    public static func - (a: TenderSplit, b: TenderSplit) -> TenderSplit {
        TenderSplit(points: a.points - b.points, credit: a.credit - b.credit, cash: a.cash - b.cash)
    }

    /// Rule 8 (tenders of a refund): the tenders returned in total once `refunded` of a line's value
    /// V = `total` (its goods + freight; these are the tenders it was paid with) has been refunded.
    ///
    /// Points p = round(P × R / V); the rest r = R − p is split c = round(C × r / (C + K)) (0 when
    /// C + K = 0) and k = r − c. A refund returns (cumulative after) − (cumulative before) of each.
    /// With P, C, K ≥ 0, each cumulative amount moves by 0 or 1 fen when R moves by 1 fen, so no step is ever
    /// negative; at R = V they are exactly P, C and K; and p + c + k = R at every R, so a refund's
    /// tenders always sum to the money it refunds. V = 0 returns nothing.
    public func refunded(cumulative refunded: Money) -> TenderSplit {
        let value = total
        guard value > .zero else { return .zero }
        precondition(refunded >= .zero && refunded <= value, "a line is never refunded beyond its value")
        let pointsBack = Exact.roundedQuotient(Int128(points.fen) * Int128(refunded.fen), Int128(value.fen))
        let rest = refunded.fen - pointsBack
        let creditAndCash = credit.fen + cash.fen
        let creditBack = creditAndCash == 0
            ? 0 : Exact.roundedQuotient(Int128(credit.fen) * Int128(rest), Int128(creditAndCash))
        return TenderSplit(points: Money(fen: pointsBack), credit: Money(fen: creditBack),
                           cash: Money(fen: rest - creditBack))
    }
}

/// What one refund does to one line, worked out before anything changes.
private struct RefundStep {
    var line: Int
    var childOrderID: String
    var lineNo: Int64
    var quantity: Int64
    /// Units back in stock (a return's quantity; on cancellation, every unit not returned yet).
    var restock: Int64
    var returned: Int64
    var goods: Money
    var freight: Money
    var tenders: TenderSplit
}

extension MallState {
    // MARK: cancel

    /// Rule 6 (cancel). A refund id, when given, must be new (`duplicate_id`); the order must exist
    /// (`unknown_order`) and be neither cancelled nor closed (`invalid_state`).
    ///
    /// - Placed, unpaid: the order is cancelled and its coupons count as unused again; nothing is
    ///   emitted. A refund id given here is recorded as used all the same.
    /// - Paid, no child shipped (`already_shipped` otherwise): a refund id is required
    ///   (`invalid_state`). Every line of every child is refunded as `cancel` for whatever is left
    ///   of it: quantity, goods, freight and each tender, so that with earlier refunds it nets to
    ///   exactly what was paid. Stock comes back, coupons count as unused, points go back to their
    ///   grants (rule 9), credit used goes down by the credit refunded, and a channel `refund` row
    ///   (txn id `REF-{refundID}`, the order's channel, fee 0, reference the refund id) is emitted
    ///   when cash was refunded.
    mutating func cancel(_ orderID: String, refundID: String?, at: Instant, into rows: inout [MallRow]) throws(Refusal) {
        if let refundID, refundIDs.contains(refundID) { throw .duplicateID(refundID) }
        guard let order = orderIndex[orderID] else { throw .unknownOrder(orderID) }
        let record = orders[order]
        switch record.status {
        case .cancelled, .closed:
            throw .invalidState("order \(orderID) is \(record.status.rawValue) already")
        case .placed:
            if let refundID { refundIDs.insert(refundID) }
            releaseCoupons(of: record)
            orders[order].status = .cancelled
        case .paid:
            guard !record.children.contains(where: { children[$0].shipped }) else { throw .alreadyShipped }
            guard let refundID else {
                throw .invalidState("order \(orderID) is paid: cancelling it needs a refund id")
            }
            var steps: [RefundStep] = []
            steps.reserveCapacity(record.lines.count)
            for child in record.children {
                let childOrderID = childID(of: record, child: child)
                for line in children[child].lines {
                    let state = lines[line]
                    let goods = state.goods - state.refundedGoods
                    let freight = state.freight - state.refundedFreight
                    steps.append(RefundStep(
                        line: line, childOrderID: childOrderID,
                        lineNo: Int64(line - children[child].lines.lowerBound + 1),
                        quantity: state.quantity - state.refundedQuantity,
                        restock: state.quantity - state.returnedQuantity, returned: 0, goods: goods, freight: freight,
                        tenders: tendersBack(line: line, goods: goods, freight: freight)))
                }
            }
            // Nothing below refuses.
            commitRefund(steps, refundID: refundID, type: .cancel, order: order, txnID: nil, at: at, into: &rows)
            releaseCoupons(of: record)
            orders[order].status = .cancelled
        }
    }

    /// Coupons of a cancelled order count as unused again (refunds never do this).
    private mutating func releaseCoupons(of record: OrderRecord) {
        for coupon in orderCoupons[record.coupons] {
            let left = couponUses[record.buyer][coupon, default: 0] - 1
            couponUses[record.buyer][coupon] = left > 0 ? left : nil
        }
    }

    // MARK: refund

    /// Rule 8 (refund_only, return). Checks, in this order: the refund id is new (`duplicate_id`);
    /// the child order exists (`unknown_order`); its order is paid and neither cancelled nor closed,
    /// a return's child has shipped, the request names at least one line and no line twice
    /// (`invalid_state`). Then per requested line: the line exists (`unknown_line`); a return
    /// gives a quantity 1…1,000,000 and no amount; a refund only gives an amount ≥ 0 and a
    /// quantity 0…1,000,000 (`bad_quantity` for quantities, `invalid_state` for amounts); every
    /// refund's quantities together stay within the line's quantity (`over_refund`).
    ///
    /// Goods refunded: a return of k units refunds the cumulative-difference share of the line's
    /// goods as its returned units go from q to q + k (of its quantity), but never more than the
    /// goods not yet refunded; a refund only refunds its amount, refused `over_refund` when the
    /// goods refunded would pass the line's goods. Freight is refunded only by a cancellation.
    /// Tenders follow `TenderSplit.refunded(cumulative:)`. A line refunded 0 and 0 units is still
    /// emitted.
    ///
    /// Emits a refunds row per requested line (in request order), a channel `refund` row when cash
    /// was refunded (txn id: the event's, else `REF-{refundID}`), and lost points (rule 9). Credit
    /// used goes down by the credit refunded; returned units go back into stock. When every line of
    /// every child of the order is refunded in full, the order is closed. Coupons stay used.
    mutating func refund(_ refundID: String, childOrderID: String, kind: RefundKind, requests: [RefundRequestLine],
                         txnID: String?, at: Instant, into rows: inout [MallRow]) throws(Refusal)
    {
        guard !refundIDs.contains(refundID) else { throw .duplicateID(refundID) }
        guard let (order, child) = locateChild(childOrderID) else { throw .unknownOrder(childOrderID) }
        let status = orders[order].status
        guard status == .paid else {
            throw .invalidState("order \(orders[order].id) is \(status.rawValue); only a paid order is refunded")
        }
        if kind == .return && !children[child].shipped {
            throw .invalidState("child order \(childOrderID) has not shipped: nothing can be returned")
        }
        guard !requests.isEmpty else { throw .invalidState("refund \(refundID) names no line") }
        let range = children[child].lines
        var seen = Set<Int64>()
        var steps: [RefundStep] = []
        steps.reserveCapacity(requests.count)
        for request in requests {
            guard request.lineNo >= 1, request.lineNo <= Int64(range.count) else {
                throw .unknownLine(request.lineNo)
            }
            guard seen.insert(request.lineNo).inserted else {
                throw .invalidState("refund \(refundID) names line \(request.lineNo) twice")
            }
            let line = range.lowerBound + Int(request.lineNo) - 1
            switch refundStep(request, kind: kind, line: line) {
            case .failure(let refusal): throw refusal
            case .success(var step):
                step.childOrderID = childOrderID
                steps.append(step)
            }
        }
        // Nothing below refuses.
        let type: RefundType = kind == .return ? .return : .refundOnly
        commitRefund(steps, refundID: refundID, type: type, order: order, txnID: txnID, at: at, into: &rows)
        if orders[order].lines.allSatisfy({ lines[$0].isFullyRefunded }) { orders[order].status = .closed }
    }

    /// Checks one requested line and works out what it refunds.
    private func refundStep(_ request: RefundRequestLine, kind: RefundKind, line: Int) -> Result<RefundStep, Refusal> {
        let state = lines[line]
        let goodsLeft = state.goods - state.refundedGoods
        let goods: Money
        switch kind {
        case .return:
            guard request.amount == nil else {
                return .failure(.invalidState("a return states quantities; line \(request.lineNo) states an amount"))
            }
            guard request.quantity >= 1, request.quantity <= MallLimits.quantityMax else { return .failure(.badQuantity) }
            guard state.refundedQuantity + request.quantity <= state.quantity else {
                return .failure(.overRefund(request.lineNo))
            }
            let share = cumulativeDifference(of: state.goods, from: Share(state.returnedQuantity, of: state.quantity),
                                             to: Share(state.returnedQuantity + request.quantity, of: state.quantity))
            goods = min(share, goodsLeft)
        case .refundOnly:
            guard let amount = request.amount else {
                return .failure(.invalidState("a refund only states an amount; line \(request.lineNo) does not"))
            }
            guard amount >= .zero else {
                return .failure(.invalidState("line \(request.lineNo): a refund amount is never below zero"))
            }
            guard request.quantity >= 0, request.quantity <= MallLimits.quantityMax else { return .failure(.badQuantity) }
            guard state.refundedQuantity + request.quantity <= state.quantity, amount <= goodsLeft else {
                return .failure(.overRefund(request.lineNo))
            }
            goods = amount
        }
        let returned = kind == .return ? request.quantity : 0
        return .success(RefundStep(line: line, childOrderID: "", lineNo: request.lineNo, quantity: request.quantity,
                                   restock: returned, returned: returned, goods: goods, freight: .zero,
                                   tenders: tendersBack(line: line, goods: goods, freight: .zero)))
    }

    /// The tenders a refund of `goods` and `freight` returns on a line, after its earlier refunds.
    private func tendersBack(line: Int, goods: Money, freight: Money) -> TenderSplit {
        let state = lines[line]
        let before = state.refundedGoods + state.refundedFreight
        return state.paid.refunded(cumulative: before + goods + freight) - state.paid.refunded(cumulative: before)
    }

    /// Applies checked refund steps: lines, stock, credit, points; appends the rows to emit.
    private mutating func commitRefund(_ steps: [RefundStep], refundID: String, type: RefundType, order: Int,
                                       txnID: String?, at: Instant, into outputs: inout [MallRow])
    {
        var totals = TenderSplit.zero
        for step in steps {
            lines[step.line].refundedQuantity += step.quantity
            lines[step.line].returnedQuantity += step.returned
            lines[step.line].refundedGoods += step.goods
            lines[step.line].refundedFreight += step.freight
            stock[lines[step.line].sku] += step.restock
            totals = totals + step.tenders
            outputs.append(.refund(RefundRow(
                refundID: refundID, orderID: step.childOrderID, lineNo: step.lineNo, type: type,
                quantity: step.quantity, refundGoods: step.goods, refundFreight: step.freight,
                refundPoints: step.tenders.points, refundCredit: step.tenders.credit, refundCash: step.tenders.cash,
                refundedAt: at)))
        }
        refundIDs.insert(refundID)
        let record = orders[order]
        creditUsed[record.buyer] -= totals.credit
        if totals.cash > .zero {
            outputs.append(.channel(ChannelRow(channel: record.channel, txnID: txnID ?? "REF-\(refundID)", kind: .refund,
                                               reference: refundID, amount: totals.cash, fee: .zero, occurredAt: at)))
        }
        if totals.points > .zero {
            let lost = points.restore(totals.points, to: &grantUses[record.grantUses], at: at)
            let buyerID = catalog.buyers[record.buyer].id
            for (grant, amount) in lost {
                outputs.append(.pointsLost(LostPoints(buyerID: buyerID, grantID: points.grants[grant].id,
                                                      refundID: refundID, amount: amount,
                                                      expiredAt: points.grants[grant].expiresAt, at: at)))
            }
        }
    }
}
