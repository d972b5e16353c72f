// Points (SPEC §13): grants with an expiry, spent earliest-expiring first, restored by refunds
// to the grants that paid, latest-expiring first. Points are worth their money value.

/// One grant of points to a buyer.
struct PointsGrant: Hashable, Sendable {
    var id: String
    var buyer: Int
    var amount: Money
    var expiresAt: Instant
    /// What is left to spend; a spend lowers it, a restore raises it again (never above `amount`).
    var remaining: Money
}

/// What one grant paid of one order, and how much of that refunds have given back (or lost).
struct GrantUse: Hashable, Sendable {
    var grant: Int
    var paid: Money
    var restored: Money
}

/// Every grant, and for each buyer the grants in spending order.
///
/// Spending order is (expiresAt, grant order): earliest-expiring first, ties to the grant granted
/// first. Events arrive in time order, so the grants expired at one event stay expired for every
/// later one: they form a prefix of a buyer's list, which `liveFrom` skips.
struct PointsBook: Hashable, Sendable {
    /// Every grant, in the order granted; an index here is the grant's sequence number.
    var grants: [PointsGrant] = []
    var grantIndex: [String: Int] = [:]
    /// Per buyer: grant indices sorted by (expiresAt, index).
    var spendingOrder: [[Int]]
    /// Per buyer: entries of `spendingOrder` before this one expired at or before the last spend.
    var liveFrom: [Int]

    init(buyers: Int) {
        spendingOrder = Array(repeating: [], count: buyers)
        liveFrom = Array(repeating: 0, count: buyers)
    }

    /// Adds a grant; `expiresAt` is after every instant a spend has been made at (the caller
    /// refuses grants that expire at or before their own event).
    mutating func grant(id: String, buyer: Int, amount: Money, expiresAt: Instant) {
        let index = grants.count
        grants.append(PointsGrant(id: id, buyer: buyer, amount: amount, expiresAt: expiresAt, remaining: amount))
        grantIndex[id] = index
        // After every grant expiring at or before this one (ties: granted earlier spends first).
        var low = 0
        var high = spendingOrder[buyer].count
        while low < high {
            let middle = (low + high) / 2
            if grants[spendingOrder[buyer][middle]].expiresAt <= expiresAt { low = middle + 1 } else { high = middle }
        }
        precondition(low >= liveFrom[buyer], "a new grant never sorts before an expired one")
        spendingOrder[buyer].insert(index, at: low)
    }

    /// Reads the first live grant of each buyer (-1: none), for `MallState.touchRecords`.
    func touch(buyers: UnsafeBufferPointer<Int>) -> UInt64 {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: buyers.count) { firsts in
            spendingOrder.withUnsafeBufferPointer { orders in
                for (i, buyer) in buyers.enumerated() {
                    firsts[i] = buyer >= 0 && buyer < orders.count && liveFrom[buyer] < orders[buyer].count
                        ? orders[buyer][liveFrom[buyer]] : -1
                }
            }
            return grants.withUnsafeBufferPointer { grants in
                var words: UInt64 = 0
                for first in firsts where first >= 0 && first < grants.count {
                    words &+= UInt64(truncatingIfNeeded: grants[first].remaining.fen)
                }
                return words
            }
        }
    }

    /// The unexpired points of `buyer` at `at`: grants with `expiresAt` > at.
    func balance(of buyer: Int, at: Instant) -> Money {
        var total = Money.zero
        for index in spendingOrder[buyer] where grants[index].expiresAt > at {
            total += grants[index].remaining
        }
        return total
    }

    /// Spends `amount` (at most the balance at `at`) earliest-expiring first; returns what each
    /// grant paid, in spending order.
    mutating func spend(_ amount: Money, by buyer: Int, at: Instant) -> [GrantUse] {
        let order = spendingOrder[buyer]
        var start = liveFrom[buyer]
        while start < order.count && grants[order[start]].expiresAt <= at { start += 1 }
        liveFrom[buyer] = start
        var uses: [GrantUse] = []
        var left = amount
        var position = start
        while left > .zero && position < order.count {
            let index = order[position]
            let take = min(left, grants[index].remaining)
            if take > .zero {
                grants[index].remaining -= take
                uses.append(GrantUse(grant: index, paid: take, restored: .zero))
                left -= take
            }
            position += 1
        }
        precondition(left == .zero, "points spent never exceed the balance")
        return uses
    }

    /// Rule 9 (points restore). Gives `amount` of points back to the grants that paid an order (`uses`, in spending order),
    /// latest-expiring first, each up to what it paid and has not had back. A grant expired at `at`
    /// does not take its part back: that part is returned as lost, one entry per grant.
    mutating func restore(_ amount: Money, to uses: inout ArraySlice<GrantUse>, at: Instant)
        -> [(grant: Int, amount: Money)]
    {
        var lost: [(grant: Int, amount: Money)] = []
        var left = amount
        var position = uses.endIndex
        while left > .zero && position > uses.startIndex {
            position -= 1
            let give = min(left, uses[position].paid - uses[position].restored)
            guard give > .zero else { continue }
            uses[position].restored += give
            left -= give
            let index = uses[position].grant
            if grants[index].expiresAt > at {
                grants[index].remaining += give
            } else {
                lost.append((index, give))
            }
        }
        precondition(left == .zero, "points refunded never exceed the points paid")
        return lost
    }
}
