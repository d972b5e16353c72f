// OrderSlots: reading the id indexes ahead of the events that look them up. With a million
// orders the order index is far larger than the caches (and the buyer index larger than a
// core's), and each lookup waits for main memory; one after the other, those waits were the
// largest part of applying an event. The thread that reads or generates events computes each
// event's index hashes (`keyHashes`, a function of the ids alone), and the core reads the
// slots of a few events at once before applying them (`touchSlots`), then the order and child
// records and the first line those slots lead to (`touchRecords`): the reads of one pass do
// not wait on each other, so their misses overlap. Only reads; nothing is decided from them.

/// The index hashes of the order and the buyer an event names (0: none).
public struct EventKeyHashes: Sendable {
    public var order: UInt64 = 0
    public var buyer: UInt64 = 0
    /// A child order's number (`{orderID}-{n}`), 0 for an order.
    public var child: Int = 0
    public init() {}
}

extension MallState {
    /// The index hashes of the order (for a child order, its parent) and the buyer `command`
    /// names.
    public static func keyHashes(_ command: MallCommand) -> EventKeyHashes {
        var keys = EventKeyHashes()
        switch command {
        case .placeOrder(let orderID, let buyerID, _, _, _):
            keys.order = IDIndex.withBytes(orderID, IDIndex.hash)
            keys.buyer = IDIndex.withBytes(buyerID, IDIndex.hash)
        case .pay(let orderID, _, _), .cancel(let orderID, _):
            keys.order = IDIndex.withBytes(orderID, IDIndex.hash)
        case .ship(let child), .complete(let child), .refund(_, let child, _, _, _):
            IDIndex.withBytes(child) { id in
                guard let dash = id.lastIndex(of: UInt8(ascii: "-")), id.count - dash <= 10 else { return }
                keys.order = IDIndex.hash(UnsafeBufferPointer(rebasing: id[..<dash]))
                for byte in id[(dash + 1)...] {
                    guard byte >= 48, byte <= 57 else { keys.child = 0; return }
                    keys.child = keys.child * 10 + Int(byte - 48)
                }
            }
        case .grantPoints(_, let buyerID, _, _), .repay(_, let buyerID, _):
            keys.buyer = IDIndex.withBytes(buyerID, IDIndex.hash)
        }
        return keys
    }

    /// Reads the index slots of these events' hashes and returns a word that depends on every
    /// read, which the caller keeps so that the reads are not left out.
    public func touchSlots(_ keys: UnsafeBufferPointer<EventKeyHashes>) -> UInt64 {
        orderIndex.touch(keys, \.order) &+ index.buyers.touch(keys, \.buyer)
    }

    /// After `touchSlots`: reads the order record each event's first order slot holds, then
    /// its child record (for a child order) and first line, and for an order (a payment) its
    /// buyer's first points grant; and the catalog record of the buyer an event names (an
    /// order's prices depend on the buyer's level). A slot that holds another id only leads
    /// to a read that is not needed.
    ///
    /// Each pass reads what the previous one found, for all events: `found[i]` is a child
    /// record's index (≥ 0), a line's index `l` written as `-2 - l`, or -1 (nothing to read);
    /// `found[keys.count + i]` is the paying buyer's index or -1.
    public func touchRecords(_ keys: UnsafeBufferPointer<EventKeyHashes>) -> UInt64 {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * keys.count) { found in
            var words: UInt64 = 0
            orders.withUnsafeBufferPointer { orders in
                for (i, key) in keys.enumerated() {
                    found[keys.count + i] = -1
                    let order = key.order == 0 ? -1 : orderIndex.firstSlotValue(key.order)
                    guard order >= 0, order < orders.count else { found[i] = -1; continue }
                    let record = orders.baseAddress! + order
                    found[i] = key.child > 0 ? record.pointee.children.lowerBound + key.child - 1 : -2 - record.pointee.lines.lowerBound
                    if key.child == 0 { found[keys.count + i] = record.pointee.buyer }
                }
            }
            words &+= points.touch(buyers: UnsafeBufferPointer(rebasing: found[keys.count...]))
            words &+= touchBuyers(keys)
            children.withUnsafeBufferPointer { children in
                for i in 0..<keys.count where found[i] >= 0 {
                    found[i] = found[i] < children.count ? -2 - children[found[i]].lines.lowerBound : -1
                }
            }
            lines.withUnsafeBufferPointer { lines in
                for i in 0..<keys.count where found[i] <= -2 && -2 - found[i] < lines.count {
                    words &+= UInt64(truncatingIfNeeded: lines[-2 - found[i]].quantity)
                }
            }
            return words
        }
    }

    /// The catalog record of each buyer an event names by id, where its first slot holds it.
    private func touchBuyers(_ keys: UnsafeBufferPointer<EventKeyHashes>) -> UInt64 {
        catalog.buyers.withUnsafeBufferPointer { buyers in
            var words: UInt64 = 0
            for key in keys where key.buyer != 0 {
                let buyer = index.buyers.firstSlotValue(key.buyer)
                if buyer >= 0 && buyer < buyers.count { words &+= buyers[buyer].paysOnCredit ? 1 : 2 }
            }
            return words
        }
    }
}
