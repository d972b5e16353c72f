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

final class Checkpointer: @unchecked Sendable {
    private let handle: OpaquePointer
    private let condition = NSCondition()
    private var requested = false
    private var stopping = false
    private var stopped = false

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
        let thread = Thread { [self] in self.loop() }
        thread.name = "checkpoint"
        thread.start()
    }

    /// A transaction committed: copy what the log holds when the thread gets to it.
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Waits for a checkpoint under way to end, then closes the connection. What is left in
    /// the log is copied when the last connection to the store closes.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
        sqlite3_close_v2(handle)
    }

    private func loop() {
        condition.lock()
        while true {
            while !requested && !stopping { condition.wait() }
            if stopping { break }
            requested = false
            condition.unlock()
            // PASSIVE: copies what no reader still needs and never waits for the writer. A
            // failure (a full disk, say) leaves the pages in the log, where they are safe.
            sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            condition.lock()
        }
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
