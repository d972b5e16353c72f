// FolderWriter: renders and writes folders of output files on background threads while the
// caller goes on reading the store for the next ones.
//
// Writing a statement folder is mostly the kernel's work (a directory, three or five new
// files, their renames) and rendering its HTML and workbook needs nothing from the store: on
// a night that drafts four thousand sheets, that is most of the statements stage. The
// caller reads what each folder shows and submits a function that renders its files; two
// threads render and write them, each file through AtomicFile, so a reader still sees the
// old file or the whole new one.

import Foundation

public final class FolderWriter: @unchecked Sendable {
    /// A folder's files, by name, as `Folder.render` makes them.
    public typealias Files = [(name: String, bytes: [UInt8])]

    /// One folder to write: its leftover temporary files go first, then each file.
    public struct Folder: Sendable {
        public let path: String
        /// About how much memory the folder holds until it is written (what `render`
        /// captured and will make): bounds what waits in the queue.
        public let bytes: Int
        public let render: @Sendable () throws -> Files

        public init(path: String, bytes: Int, render: @escaping @Sendable () throws -> Files) {
            self.path = path
            self.bytes = bytes
            self.render = render
        }
    }

    /// Bytes submitted and not yet written, at most: memory stays bounded however many folders.
    public let queuedBytesMax: Int

    private let condition = NSCondition()
    private var queue: [Folder] = []
    private var head = 0
    private var queuedBytes = 0
    private var running: Int
    private var closed = false
    /// Folders that could not be written, with why; the others are still written.
    private var failures: [(path: String, error: any Error)] = []

    public init(threads: Int = 2, queuedBytesMax: Int = 32 << 20) {
        precondition(threads > 0, "a folder writer needs a thread")
        self.queuedBytesMax = queuedBytesMax
        running = threads
        for index in 0..<threads {
            let thread = Thread { [self] in self.work() }
            thread.name = "folder-writer-\(index)"
            thread.start()
        }
    }

    /// Queues `folder`, waiting while the queue is full.
    public func submit(_ folder: Folder) {
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes > 0 && queuedBytes + folder.bytes > queuedBytesMax { condition.wait() }
        queue.append(folder)
        queuedBytes += folder.bytes
        condition.broadcast()
    }

    /// Waits until every folder submitted is written or has failed, stops the threads and
    /// returns the folders that failed, with why (one folder's failure never stops another).
    public func finish() -> [(path: String, error: any Error)] {
        condition.lock()
        closed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        let failures = self.failures
        condition.unlock()
        return failures
    }

    private func work() {
        condition.lock()
        while true {
            while head == queue.count && !closed { condition.wait() }
            if head == queue.count { break }
            let folder = queue[head]
            head += 1
            if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
            condition.unlock()
            var error: (any Error)?
            do {
                AtomicFile.removeLeftovers(in: folder.path)
                for file in try folder.render() {
                    try AtomicFile.write(file.bytes, to: "\(folder.path)/\(file.name)", durable: false)
                }
            } catch let thrown {
                error = thrown
            }
            condition.lock()
            queuedBytes -= folder.bytes
            if let error { failures.append((folder.path, error)) }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
