// Replay/HandOff.swift: a producer on a second thread handing items to the caller's thread
// in bounded batches. Replay reads (or generates) and encodes journal events on one core
// while the mall core and the feed writers run on the other.
import Foundation

final class HandOff<Item: Sendable>: @unchecked Sendable {
    /// Items per batch and batches in flight: memory stays bounded whatever the journal.
    static var batchItems: Int { 4_096 }
    static var batchesInFlightMax: Int { 8 }

    private let condition = NSCondition()
    private var batches: [[Item]] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?

    /// Starts `produce` on a new thread. It passes each item to `send`, which returns false
    /// once the consumer has stopped (the producer should then return).
    init(_ produce: @escaping @Sendable (_ send: (Item) -> Bool) throws -> Void) {
        let thread = Thread { [self] in
            var batch: [Item] = []
            batch.reserveCapacity(Self.batchItems)
            do {
                try produce { item in
                    batch.append(item)
                    guard batch.count == Self.batchItems else { return true }
                    defer { batch.removeAll(keepingCapacity: true) }
                    return self.hand(batch)
                }
                if !batch.isEmpty { _ = hand(batch) }
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private func hand(_ batch: [Item]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= Self.batchesInFlightMax && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch in order; nil once the producer is done; rethrows what it threw (after
    /// every batch it handed over before that).
    func next() throws -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            condition.broadcast()
            return batches.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer at its next hand-over and waits until it has finished.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
