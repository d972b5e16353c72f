// RowPipeline: reading and checking a feed's rows on a second thread, so that parsing and
// typing (CPU) overlap with storing (SQLite) on the two cores a night has.

import Foundation
import MallIO

/// A row after the checks that need no store: refused already, or ready to store.
enum PreparedRow: Sendable {
    case refused(line: Int, column: Int, reason: QuarantineReason, message: String, raw: String)
    case staged(StagedRow, RowOrigin)
}

/// Where a staged row came from, for the messages of the checks the store makes. The cells
/// themselves stay (and are freed) on the reading thread.
struct RowOrigin: Sendable {
    let line: Int
    let columns: [Int]
    let raw: String
}

/// Hands prepared rows from a reading thread to the storing thread in bounded batches.
final class RowPipeline: @unchecked Sendable {
    /// Rows per hand-over, and hand-overs in flight: memory stays bounded whatever the file.
    static let batchRows = 2_048
    static let batchesInFlightMax = 8

    private let condition = NSCondition()
    private var batches: [[PreparedRow]] = []
    /// The batch `next` handed out last, and batches the consumer is done with: they are freed
    /// on the reading thread, which allocated them. Freed on the storing thread they made the
    /// two threads contend for the reading thread's malloc arena.
    private var handedOut: [PreparedRow] = []
    private var spent: [[PreparedRow]] = []
    private var finished = false
    private var cancelled = false
    private var failure: FeedFileError?

    /// Starts reading `reader` on a new thread, preparing each row with `prepare`; a plain
    /// CSV record first goes to `plain`, which types it from its bytes or returns nil to leave
    /// it to `prepare` (`FeedReader.next(plain:otherwise:)`).
    init(reader: FeedReader, plain: @escaping @Sendable (CSVRecordView) -> PreparedRow? = { _ in nil },
         prepare: @escaping @Sendable (FeedRow) -> PreparedRow) {
        let box = ReaderBox(reader)
        let thread = Thread { [self] in self.produce(box.reader, plain, prepare) }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private func produce(_ reader: FeedReader, _ plain: (CSVRecordView) -> PreparedRow?,
                         _ prepare: (FeedRow) -> PreparedRow) {
        var batch: [PreparedRow] = []
        batch.reserveCapacity(RowPipeline.batchRows)
        do {
            while try reader.next(plain: { view in
                guard let row = plain(view) else { return false }
                batch.append(row)
                return true
            }, otherwise: { batch.append(prepare($0)) }) {
                if batch.count == RowPipeline.batchRows {
                    guard hand(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                }
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

    /// Waits for room, then hands a batch over; false once the consumer gave up. Frees the
    /// batches the consumer is done with, here, after letting go of the lock.
    private func hand(_ batch: [PreparedRow]) -> Bool {
        var garbage: [[PreparedRow]] = []
        condition.lock()
        defer {
            condition.unlock()
            garbage.removeAll()
        }
        while batches.count >= RowPipeline.batchesInFlightMax && !cancelled { condition.wait() }
        swap(&garbage, &spent)
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch in file order; nil at the end; throws what the reader threw. The batch
    /// before is given back to the reading thread to free: keep nothing of it.
    func next() throws(FeedFileError) -> [PreparedRow]? {
        condition.lock()
        defer { condition.unlock() }
        if !handedOut.isEmpty {
            spent.append(handedOut)
            handedOut = []
        }
        while batches.isEmpty && !finished { condition.wait() }
        if !batches.isEmpty {
            handedOut = batches.removeFirst()
            condition.broadcast()
            return handedOut
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the reading thread (the consumer failed); waits until it has let go.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}

/// Moves the reader to the thread that alone uses it from then on.
private final class ReaderBox: @unchecked Sendable {
    let reader: FeedReader
    init(_ reader: FeedReader) { self.reader = reader }
}
