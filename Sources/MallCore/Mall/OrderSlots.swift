// OrderSlots: reading the id indexes ahead of the events that look them up. With a million
// orders the order index is far larger than the caches (and the buyer index larger than a
// core's), and each lookup waits for main memory; one after the other, those waits were the
// largest part of applying an event. The thread that reads or generates events computes each
// event's index hashes (`keyHashes`, a function of the ids alone), and the core reads the
// slots of a few events at once before applying them (`touchSlots`): those reads do not wait
// on each other, so their misses overlap. Only reads; nothing is decided from them.

/// The index hashes of the order and the buyer an event names (0: none).
public struct EventKeyHashes: Sendable {
    public var order: UInt64 = 0
    public var buyer: UInt64 = 0
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
            keys.order = IDIndex.withBytes(child) { id in
                guard let dash = id.lastIndex(of: UInt8(ascii: "-")) else { return 0 }
                return IDIndex.hash(UnsafeBufferPointer(rebasing: id[..<dash]))
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
}
