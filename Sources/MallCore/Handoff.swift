// Handoff: the one bounded queue between two threads. Items go over in order, in batches, with
// a named limit on the batches in flight, so memory stays bounded however much one side
// makes; a failure on the producing side reaches the consumer after the items emitted before
// it; the consuming side can give up (cancel) and the producing side then stops.
//
// Two ways to use it: `init(…producing:)` runs a producer on a thread of its own and the
// caller takes batches with `next()` (ingest's rows, posting's priced lines, replay's events,
// the conservation totals); `startConsumer` runs a consumer on a thread of its own and the
// caller offers or puts batches (the store's checkpoint requests); `startConsumers` runs
// several consumer threads that share the batches (the statement folders, each written by
// whichever thread is free). A hand-off can also bound what waits by weight (bytes a batch
// holds) as well as by count.
//
// It lives in MallCore, which every module imports, so that the store (MallStore) uses it too.

import Foundation

/// A bounded, ordered hand-off of `Item`s between two threads, ending either normally or with
/// a typed `Failure` from the producing side.
public final class Handoff<Item: Sendable, Failure: Error>: @unchecked Sendable {
    /// Hands one item over; false once the consumer has given up (stop producing then).
    public typealias Emit = (consuming Item) -> Bool

    /// Items per batch `init(…producing:)` makes, and batches waiting at most.
    public let batchItems: Int
    public let batchesInFlightMax: Int

    /// Guards everything below.
    private let condition = NSCondition()
    private var batches: [[Item]] = []
    /// The batch `next` handed out last, and batches the consumer is done with: they are freed
    /// on the producing thread, which allocated them. Freed on the consuming thread they made
    /// the two threads contend for the producing thread's malloc arena. Unless
    /// `freedByConsumer`: then the consumer frees each batch as it lets go of it, which takes
    /// that work off a producing thread that is the slower of the two.
    private var handedOut: [Item] = []
    private var spent: [[Item]] = []
    public let freedByConsumer: Bool
    /// The producing side said it is done (`finish`), with its failure if it failed.
    private var ended = false
    private var failure: Failure?
    /// The consuming side gave up (`cancel`).
    private var cancelled = false
    /// Threads this hand-off started that are still running.
    private var threadsRunning = 0
    /// The weight of the batches waiting, and the most that may wait (`put(_:weight:)`).
    private var weightWaiting = 0
    private var weights: [Int] = []
    public let weightInFlightMax: Int

    /// A hand-off with no thread of its own: start one with `startProducer` or
    /// `startConsumer`, or use both sides from threads of the caller's.
    /// `weightInFlightMax` bounds the weight of the batches waiting (`put(_:weight:)`); a
    /// batch heavier than it still goes over when nothing else waits.
    public init(batchItems: Int = 2_048, batchesInFlightMax: Int = 8, weightInFlightMax: Int = .max,
                freedByConsumer: Bool = false) {
        precondition(batchItems > 0 && batchesInFlightMax > 0, "a hand-off needs room for one batch")
        self.batchItems = batchItems
        self.batchesInFlightMax = batchesInFlightMax
        self.weightInFlightMax = weightInFlightMax
        self.freedByConsumer = freedByConsumer
    }

    /// Runs `produce` on a new thread; take what it emits with `next()`, in order, in batches
    /// of `batchItems`. What it throws ends the hand-off after the items it emitted before.
    @inlinable
    public convenience init(batchItems: Int = 2_048, batchesInFlightMax: Int = 8, freedByConsumer: Bool = false,
                            producing produce: @escaping @Sendable (_ emit: Emit) throws(Failure) -> Void) {
        self.init(batchItems: batchItems, batchesInFlightMax: batchesInFlightMax, freedByConsumer: freedByConsumer)
        startProducer(produce)
    }

    /// Runs `produce` on a new thread, batching what it emits (the per-item part is inlined
    /// into the caller, so that it is specialized for `Item`).
    @inlinable
    public func startProducer(_ produce: @escaping @Sendable (_ emit: Emit) throws(Failure) -> Void) {
        startThread(name: nil) { [self] in
            var batch: [Item] = []
            batch.reserveCapacity(batchItems)
            var open = true
            var failure: Failure?
            do throws(Failure) {
                try produce { item in
                    guard open else { return false }
                    batch.append(consume item)
                    guard batch.count == self.batchItems else { return true }
                    open = self.put(moving: &batch)
                    batch.reserveCapacity(self.batchItems)
                    return open
                }
            } catch {
                failure = error
            }
            // The items emitted before a failure go over before it.
            if open && !batch.isEmpty { _ = put(moving: &batch) }
            finish(failing: failure)
        }
    }

    /// Runs `consume` on a new thread named `name`; it takes batches with `next()` until that
    /// returns nil (the producing side finished, or `cancel` was called).
    public func startConsumer(name: String? = nil, _ consume: @escaping @Sendable (Handoff) -> Void) {
        startThread(name: name) { [self] in consume(self) }
    }

    /// Runs `consume` on `count` new threads (`name-0`, `name-1`, …), each taking batches with
    /// `next()` as it is free; batches are handed out in order, and may finish out of order.
    /// `join()` waits for all of them.
    public func startConsumers(count: Int, name: String, _ consume: @escaping @Sendable (Handoff) -> Void) {
        precondition(count > 0, "consumers need a thread")
        for index in 0..<count {
            startThread(name: "\(name)-\(index)", alongside: index > 0) { [self] in consume(self) }
        }
    }

    /// Waits until every thread this hand-off started has returned.
    public func join() {
        condition.lock()
        while threadsRunning > 0 { condition.wait() }
        condition.unlock()
    }

    @usableFromInline
    func startThread(name: String?, alongside: Bool = false, _ body: @escaping @Sendable () -> Void) {
        condition.lock()
        precondition(alongside || threadsRunning == 0, "one producer or consumer thread per hand-off")
        threadsRunning += 1
        condition.unlock()
        let thread = Thread { [self] in
            body()
            condition.lock()
            threadsRunning -= 1
            condition.broadcast()
            condition.unlock()
        }
        if let name { thread.name = name }
        thread.stackSize = 1 << 22
        thread.start()
    }

    // MARK: The producing side

    /// Waits for room — fewer than `batchesInFlightMax` batches waiting, and `weight` fitting
    /// under `weightInFlightMax` (or nothing waiting) — then hands a batch over; false once
    /// the consumer gave up. Frees the batches the consumer is done with, here, after letting
    /// go of the lock.
    public func put(_ batch: [Item], weight: Int) -> Bool {
        var batch = batch
        return put(moving: &batch, weight: weight)
    }

    /// `put`, taking the batch out of `batch` (left empty when it went over) while the lock
    /// is held: the hand-off then holds the only reference, so a batch `freedByConsumer` is
    /// freed by the consumer whenever it is done, even before the producer runs again.
    @usableFromInline
    func put(moving batch: inout [Item], weight: Int = 0) -> Bool {
        var garbage: [[Item]] = []
        condition.lock()
        defer {
            condition.unlock()
            garbage.removeAll()
        }
        while !cancelled && (batches.count >= batchesInFlightMax
                             || (weightWaiting > 0 && weightWaiting + weight > weightInFlightMax)) {
            condition.wait()
        }
        swap(&garbage, &spent)
        guard !cancelled else { return false }
        batches.append([])
        swap(&batches[batches.count - 1], &batch)
        weights.append(weight)
        weightWaiting += weight
        condition.broadcast()
        return true
    }

    /// Hands a batch over if there is room now, without waiting; false if there was none or
    /// the consumer gave up.
    public func offer(_ batch: [Item]) -> Bool {
        var garbage: [[Item]] = []
        condition.lock()
        defer {
            condition.unlock()
            garbage.removeAll()
        }
        swap(&garbage, &spent)
        guard !cancelled, !ended, batches.count < batchesInFlightMax else { return false }
        batches.append(batch)
        weights.append(0)
        condition.broadcast()
        return true
    }

    /// The producing side is done: `next()` returns the batches still waiting, then nil, or
    /// throws `failure`.
    public func finish(failing failure: Failure? = nil) {
        condition.lock()
        ended = true
        self.failure = failure
        condition.broadcast()
        condition.unlock()
    }

    // MARK: The consuming side

    /// The next batch in order; nil at the end, or once the hand-off is cancelled; throws the
    /// producing side's failure after the batches emitted before it. The batch before is given
    /// back to the producing thread to free (unless `freedByConsumer`): keep nothing of it.
    public func next() throws(Failure) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        if !handedOut.isEmpty {
            spent.append(handedOut)
            handedOut = []
        }
        while batches.isEmpty && !ended && !cancelled { condition.wait() }
        if cancelled { return nil }
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            if !freedByConsumer { handedOut = batch }
            weightWaiting -= weights.removeFirst()
            condition.broadcast()
            return batch
        }
        if let failure { throw failure }
        return nil
    }

    /// Gives up: the batches waiting are dropped, the producing side's `emit` and `put`
    /// return false from now on, a consumer thread's `next()` returns nil; then waits until
    /// the thread this hand-off started (if any) has let go of everything.
    public func cancel() {
        condition.lock()
        cancelled = true
        batches.removeAll()
        weights.removeAll()
        weightWaiting = 0
        condition.broadcast()
        while threadsRunning > 0 { condition.wait() }
        condition.unlock()
    }
}
