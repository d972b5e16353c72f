// SerialWorker: a thread of its own that runs the work handed to it in order, on the one
// bounded hand-off (Handoff.swift): handing work over waits while `queuedMax` pieces wait, so
// a producer faster than the worker never piles up memory. The close's statement writers run
// on these (a sheet's lines.csv and HTML on one, its workbook on another, the workbook's
// deflating on a third).

import Dispatch

public final class SerialWorker: @unchecked Sendable {
    private let handoff: Handoff<@Sendable () -> Void, Never>

    /// Starts the worker's thread, named `name`.
    public init(name: String, queuedMax: Int) {
        handoff = Handoff(batchItems: 1, batchesInFlightMax: queuedMax)
        handoff.startConsumer(name: name) { handoff in
            while let work = handoff.next() {
                for piece in work { piece() }
            }
        }
    }

    /// Queues `work` behind what was handed over before, waiting while the queue is full.
    public func async(_ work: @escaping @Sendable () -> Void) {
        _ = handoff.put([work], weight: 0)
    }

    /// Waits until everything handed over so far has run.
    public func sync() {
        let done = DispatchSemaphore(value: 0)
        async { done.signal() }
        done.wait()
    }

    /// Runs what was handed over, then stops the thread.
    public func finish() {
        handoff.finish()
        handoff.join()
    }

    deinit { finish() }
}
