// HandoffTests: the one bounded hand-off between threads — order, bounded batches,
// cancellation, and a failure on either side.

import Foundation
import MallCore
import XCTest

final class HandoffTests: XCTestCase {
    private struct Broken: Error, Equatable { let at: Int }

    /// Counts what the producing thread did, read after it has let go.
    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var emitted = 0
        private var refused = 0
        func emit(_ accepted: Bool) {
            lock.withLock { if accepted { emitted += 1 } else { refused += 1 } }
        }
        var counts: (emitted: Int, refused: Int) { lock.withLock { (emitted, refused) } }
    }

    private func drain<F: Error>(_ handoff: Handoff<Int, F>) throws(F) -> (items: [Int], batchSizes: [Int]) {
        var items: [Int] = []
        var sizes: [Int] = []
        while let batch = try handoff.next() {
            items.append(contentsOf: batch)
            sizes.append(batch.count)
        }
        return (items, sizes)
    }

    func testItemsArriveInOrderInBatchesOfTheNamedSize() {
        let handoff = Handoff<Int, Never>(batchItems: 7, batchesInFlightMax: 2) { emit in
            for value in 0..<100 { guard emit(value) else { return } }
        }
        let (items, sizes) = drain(handoff)
        XCTAssertEqual(items, Array(0..<100))
        XCTAssertEqual(sizes, Array(repeating: 7, count: 14) + [2])
        XCTAssertNil(handoff.next(), "the end stays the end")
    }

    /// Where the items a consumer is done with are freed: on the producing thread (which
    /// made them) by default, on the consuming thread when the hand-off says so.
    func testBatchesAreFreedOnTheThreadNamed() {
        final class Freed: @unchecked Sendable {
            private let lock = NSLock()
            private var threads: [String] = []
            func record() { lock.withLock { threads.append(Thread.current.name ?? "") } }
            var names: Set<String> { lock.withLock { Set(threads) } }
            var count: Int { lock.withLock { threads.count } }
        }
        final class Item: @unchecked Sendable {
            let freed: Freed
            init(_ freed: Freed) { self.freed = freed }
            deinit { freed.record() }
        }
        for byConsumer in [false, true] {
            let freed = Freed()
            let handoff = Handoff<Item, Never>(batchItems: 5, batchesInFlightMax: 2, freedByConsumer: byConsumer) { emit in
                Thread.current.name = "producer"
                for _ in 0..<50 { guard emit(Item(freed)) else { return } }
            }
            let done = DispatchSemaphore(value: 0)
            let consumer = Thread {
                Thread.current.name = "consumer"
                while let batch = handoff.next() { XCTAssertEqual(batch.count, 5) }
                done.signal()
            }
            consumer.start()
            done.wait()
            handoff.join()
            // By default the batches taken after the producer's last hand-over wait for the
            // hand-off to go; those freed before are the producer's.
            if byConsumer {
                XCTAssertEqual(freed.count, 50)
            } else {
                XCTAssertGreaterThan(freed.count, 0)
                XCTAssertLessThan(freed.count, 50)
            }
            XCTAssertEqual(freed.names, [byConsumer ? "consumer" : "producer"], "freed by consumer: \(byConsumer)")
        }
    }

    func testNothingProducedEndsAtOnce() {
        let handoff = Handoff<Int, Never>(batchItems: 4, batchesInFlightMax: 1) { _ in }
        XCTAssertNil(handoff.next())
    }

    /// The producer waits for room: with one batch in flight it cannot run more than two
    /// batches (one waiting, one being filled) ahead of the consumer.
    func testTheProducerWaitsForRoom() {
        let tally = Tally()
        let handoff = Handoff<Int, Never>(batchItems: 10, batchesInFlightMax: 1) { emit in
            for value in 0..<1_000 {
                let accepted = emit(value)
                tally.emit(accepted)
                guard accepted else { return }
            }
        }
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertLessThanOrEqual(tally.counts.emitted, 20, "bounded: one batch waiting, one being filled")
        XCTAssertEqual(drain(handoff).items, Array(0..<1_000))
    }

    /// A failure on the producing side reaches the consumer after every item emitted before it.
    func testAProducerFailureComesAfterTheItemsBeforeIt() {
        let handoff = Handoff<Int, Broken>(batchItems: 4, batchesInFlightMax: 2) { emit throws(Broken) in
            for value in 0..<10 { _ = emit(value) }
            throw Broken(at: 10)
        }
        var items: [Int] = []
        do throws(Broken) {
            while let batch = try handoff.next() { items.append(contentsOf: batch) }
            XCTFail("the failure is handed over")
        } catch {
            XCTAssertEqual(error, Broken(at: 10))
        }
        XCTAssertEqual(items, Array(0..<10))
    }

    /// A failure on the consuming side: the consumer cancels, the producer's `emit` returns
    /// false, it stops, and `cancel` returns only once it has.
    func testACancelledHandoffStopsTheProducer() {
        let tally = Tally()
        let handoff = Handoff<Int, Never>(batchItems: 3, batchesInFlightMax: 2) { emit in
            for value in 0..<1_000_000 {
                let accepted = emit(value)
                tally.emit(accepted)
                guard accepted else { return }
            }
        }
        func consume() throws {
            while let batch = handoff.next() {
                for value in batch where value == 5 { throw Broken(at: value) }
            }
        }
        XCTAssertThrowsError(try consume()) { error in
            handoff.cancel()
            XCTAssertEqual(error as? Broken, Broken(at: 5))
        }
        let (emitted, refused) = tally.counts
        XCTAssertEqual(refused, 1, "the producer was told once, and stopped")
        XCTAssertLessThan(emitted, 20, "and had not run ahead")
        XCTAssertNil(handoff.next(), "a cancelled hand-off hands nothing more")
    }

    /// Cancelling a producer that is waiting for room wakes it.
    func testCancellingWakesAProducerWaitingForRoom() {
        let tally = Tally()
        let handoff = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 1) { emit in
            for value in 0..<100 {
                let accepted = emit(value)
                tally.emit(accepted)
                guard accepted else { return }
            }
        }
        Thread.sleep(forTimeInterval: 0.1)
        handoff.cancel()
        XCTAssertEqual(tally.counts.refused, 1)
        XCTAssertEqual(tally.counts.emitted, 1, "one batch waited; the next found the hand-off cancelled")
    }

    /// The other way round: a consumer on the hand-off's thread, the caller offering. An offer
    /// never waits: with no room it is refused. `cancel` drops what waits and stops the thread.
    func testAConsumerThreadTakesOffersInOrderUntilCancelled() {
        /// What the consumer thread took, waited for by the test.
        final class Taken: @unchecked Sendable {
            private let condition = NSCondition()
            private var items: [Int] = []
            func add(_ batch: [Int]) {
                condition.lock()
                items.append(contentsOf: batch)
                condition.broadcast()
                condition.unlock()
            }
            func wait(for count: Int) -> [Int] {
                condition.lock()
                defer { condition.unlock() }
                while items.count < count { condition.wait() }
                return items
            }
        }
        let taken = Taken()
        let handoff = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 1)
        handoff.startConsumer(name: "test-consumer") { handoff in
            while let batch = handoff.next() { taken.add(batch) }
        }
        for value in 0..<5 {
            XCTAssertTrue(handoff.offer([value]))
            _ = taken.wait(for: value + 1)
        }
        handoff.cancel()
        XCTAssertEqual(taken.wait(for: 5), [0, 1, 2, 3, 4])
        XCTAssertFalse(handoff.offer([5]), "a cancelled hand-off takes nothing")
    }

    func testAnOfferWithNoRoomIsRefused() {
        let handoff = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 2)
        XCTAssertTrue(handoff.offer([1]))
        XCTAssertTrue(handoff.offer([2]))
        XCTAssertFalse(handoff.offer([3]), "two waiting already")
        handoff.finish()
        XCTAssertEqual(handoff.next(), [1])
        XCTAssertEqual(handoff.next(), [2])
        XCTAssertNil(handoff.next())
    }

    func testSeveralConsumersShareEveryBatchOnce() {
        final class Taken: @unchecked Sendable {
            let lock = NSLock()
            var items: [Int] = []
            var threads: Set<ObjectIdentifier> = []
        }
        let taken = Taken()
        let handoff = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 4)
        handoff.startConsumers(count: 3, name: "test-consumer") { handoff in
            while let batch = handoff.next() {
                Thread.sleep(forTimeInterval: 0.001)
                taken.lock.withLock {
                    taken.items += batch
                    taken.threads.insert(ObjectIdentifier(Thread.current))
                }
            }
        }
        for value in 0..<60 { XCTAssertTrue(handoff.put([value], weight: 0)) }
        handoff.finish()
        handoff.join()
        XCTAssertEqual(taken.items.sorted(), Array(0..<60), "each batch taken once, none lost")
        XCTAssertLessThanOrEqual(taken.threads.count, 3)
        XCTAssertGreaterThan(taken.threads.count, 1, "the work is shared")
    }

    func testWeightBoundsWhatWaits() {
        let handoff = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 100, weightInFlightMax: 10)
        XCTAssertTrue(handoff.put([1], weight: 6))
        XCTAssertTrue(handoff.put([2], weight: 4), "6 + 4 fits under 10")
        let third = Tally()
        let producer = Thread {
            third.emit(handoff.put([3], weight: 5))
        }
        producer.start()
        Thread.sleep(forTimeInterval: 0.05)
        XCTAssertEqual(third.counts.emitted, 0, "5 more would weigh 15: the producer waits")
        XCTAssertEqual(handoff.next(), [1])
        while third.counts.emitted == 0 { Thread.sleep(forTimeInterval: 0.001) }
        XCTAssertEqual(handoff.next(), [2])
        XCTAssertEqual(handoff.next(), [3])
        handoff.finish()
        XCTAssertNil(handoff.next())
        // A batch heavier than the bound still goes over when nothing waits.
        let heavy = Handoff<Int, Never>(batchItems: 1, batchesInFlightMax: 2, weightInFlightMax: 10)
        XCTAssertTrue(heavy.put([9], weight: 50))
        XCTAssertEqual(heavy.next(), [9])
    }
}
