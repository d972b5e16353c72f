// Buyer accounts (SPEC §13): points granted to a buyer, and credit repaid by one.

extension MallState {
    /// Rule 10 (grant_points). The grant id is new (`duplicate_id`), the buyer known
    /// (`unknown_buyer`), the amount above 0 and the expiry after the event (`invalid_state`).
    /// Everything ever granted to one buyer stays inside the feed range (±9,000,000,000,000.00),
    /// so no balance can overflow (`invalid_state`). Nothing is emitted: points have no feed of
    /// their own.
    mutating func grantPoints(_ grantID: String, buyerID: String, amount: Money, expiresAt: Instant,
                              at: Instant) throws(Refusal)
    {
        guard points.grantIndex[grantID] == nil else { throw .duplicateID(grantID) }
        guard let buyer = index.buyers[buyerID] else { throw .unknownBuyer(buyerID) }
        guard amount > .zero else { throw .invalidState("grant \(grantID) is not above zero") }
        guard expiresAt > at else { throw .invalidState("grant \(grantID) expires before it is granted") }
        let granted = points.spendingOrder[buyer].reduce(Int128(amount.fen)) { $0 + Int128(points.grants[$1].amount.fen) }
        guard granted <= Int128(Money.magnitudeMaxFen) else {
            throw .invalidState("grant \(grantID) takes buyer \(buyerID)'s points beyond the feed range")
        }
        points.grant(id: grantID, buyer: buyer, amount: amount, expiresAt: expiresAt)
    }

    /// Rule 10 (repay). The repayment id is new (`duplicate_id`), the buyer known (`unknown_buyer`)
    /// and paying on credit (`credit_not_allowed`), the amount above 0 (`invalid_state`). Credit
    /// used goes down by the amount, below 0 when the buyer repays ahead (a prepaid balance that
    /// later credit payments use first), but never beyond the feed range (`invalid_state`). Emits
    /// the repayments row.
    mutating func repay(_ repaymentID: String, buyerID: String, amount: Money, at: Instant,
                        into rows: inout [MallRow]) throws(Refusal) {
        guard !repaymentIDs.contains(repaymentID) else { throw .duplicateID(repaymentID) }
        guard let buyer = index.buyers[buyerID] else { throw .unknownBuyer(buyerID) }
        guard catalog.buyers[buyer].paysOnCredit else { throw .creditNotAllowed }
        guard amount > .zero else { throw .invalidState("repayment \(repaymentID) is not above zero") }
        guard amount.isInRange, (creditUsed[buyer] - amount).isInRange else {
            throw .invalidState("repayment \(repaymentID) takes buyer \(buyerID)'s prepaid balance beyond the feed range")
        }
        repaymentIDs.insert(repaymentID)
        creditUsed[buyer] -= amount
        rows.append(.repayment(RepaymentRow(repaymentID: repaymentID, buyerID: buyerID, amount: amount, paidAt: at)))
    }
}
