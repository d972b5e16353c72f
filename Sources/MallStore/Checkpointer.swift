// Checkpointer: copies committed pages from the write-ahead log into the store file on a
// thread and a connection of its own.
//
// SQLite's automatic checkpoint runs inside the COMMIT that leaves the log over 1,000 pages,
// on the committing thread: a month of a million order lines spent about a second of the
// storing thread there, reading each logged page back and writing it into the store file.
// With the checkpoints handed to this thread, the storing thread goes straight on to the
// next stage while the other core copies. Nothing about durability changes: a commit is
// durable once it is in the log, and a checkpoint killed half-way is finished by the next
// one (or by SQLite when the store is next opened).

internal import CSQLite
import Foundation
import MallCore

final class Checkpointer: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Checkpoint requests, one waiting at most: a request made while one waits is the same
    /// request, and one made during a checkpoint starts another after it.
    private let requests = Handoff<Void, Never>(batchItems: 1, batchesInFlightMax: 1)

    /// Opens a second connection to `path` and starts the thread.
    init(path: String) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(code: rc, message: "\(message): \(path)", sql: nil)
        }
        // A connection learns that the store is in WAL mode when it first reads it; until
        // then a checkpoint does nothing.
        guard sqlite3_exec(db, "PRAGMA journal_mode = WAL", nil, nil, nil) == SQLITE_OK else {
            let message = String(cString: sqlite3_errmsg(db))
            sqlite3_close_v2(db)
            throw StoreError(code: SQLITE_ERROR, message: "\(message): \(path)", sql: nil)
        }
        handle = db
        requests.startConsumer(name: "checkpoint") { [self] requests in
            while requests.next() != nil { checkpoint() }
        }
    }

    /// A transaction committed: copy what the log holds when the thread gets to it. Never
    /// waits: when a request is already waiting, that one covers this commit too.
    func request() {
        _ = requests.offer([()])
    }

    /// Waits for a checkpoint under way to end (a request still waiting is dropped), then
    /// closes the connection. What is left in the log is copied when the last connection to
    /// the store closes.
    func stop() {
        requests.cancel()
        sqlite3_close_v2(handle)
    }

    /// PASSIVE: copies what no reader still needs and never waits for the writer. A failure
    /// (a full disk, say) leaves the pages in the log, where they are safe.
    private func checkpoint() {
        sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }
}
