// Handoff: items made on a second thread and taken, in order, on the calling one, so that two
// halves of a stage (reading and pricing on one side, storing on the other) run on the two
// cores a night has.

import Foundation

/// Runs `produce` on a new thread and hands what it emits to `next()` in order, in batches of
/// `batchItems`, with at most `batchesInFlightMax` batches waiting: memory stays bounded
/// however much is produced.
final class Handoff<Item: Sendable>: @unchecked Sendable {
    /// Hands one item over; false once the consumer has given up (stop producing then).
    typealias Emit = (Item) -> Bool

    /// Items per hand-over, and hand-overs in flight.
    let batchItems: Int
    let batchesInFlightMax: Int

    private let condition = NSCondition()
    private var batches: [[Item]] = []
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?

    init(batchItems: Int = 2_048, batchesInFlightMax: Int = 8, _ produce: @escaping @Sendable (_ emit: Emit) throws -> Void) {
        precondition(batchItems > 0 && batchesInFlightMax > 0, "a hand-off needs room for one batch")
        self.batchItems = batchItems
        self.batchesInFlightMax = batchesInFlightMax
        let thread = Thread { [self] in self.run(produce) }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private func run(_ produce: (Emit) throws -> Void) {
        var batch: [Item] = []
        batch.reserveCapacity(batchItems)
        do {
            try produce { item in
                batch.append(item)
                guard batch.count == self.batchItems else { return true }
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

    /// Waits for room, then hands a batch over; false once the consumer gave up.
    private func hand(_ batch: [Item]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= batchesInFlightMax && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch in order; nil at the end; throws what `produce` threw, after the items
    /// it emitted before.
    func next() throws -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer (the consumer failed) and waits until it has let go of everything.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
