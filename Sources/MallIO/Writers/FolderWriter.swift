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
import MallCore

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

    /// Bytes submitted and waiting for a thread, at most: memory stays bounded however many
    /// folders (each thread also holds the folder it is writing).
    public let queuedBytesMax: Int

    /// The folders, handed to whichever thread is free.
    private let handoff: Handoff<Folder, Never>
    private let lock = NSLock()
    /// Folders that could not be written, with why; the others are still written.
    private var failures: [(path: String, error: any Error)] = []

    public init(threads: Int = 2, queuedBytesMax: Int = 32 << 20) {
        self.queuedBytesMax = queuedBytesMax
        handoff = Handoff(batchItems: 1, batchesInFlightMax: .max, weightInFlightMax: queuedBytesMax)
        handoff.startConsumers(count: threads, name: "folder-writer") { [self] handoff in
            while let folders = handoff.next() {
                for folder in folders { write(folder) }
            }
        }
    }

    /// Queues `folder`, waiting while the queue is full.
    public func submit(_ folder: Folder) {
        _ = handoff.put([folder], weight: folder.bytes)
    }

    /// Waits until every folder submitted is written or has failed, stops the threads and
    /// returns the folders that failed, with why (one folder's failure never stops another).
    public func finish() -> [(path: String, error: any Error)] {
        handoff.finish()
        handoff.join()
        lock.lock()
        defer { lock.unlock() }
        return failures
    }

    private func write(_ folder: Folder) {
        do {
            AtomicFile.removeLeftovers(in: folder.path)
            for file in try folder.render() {
                try AtomicFile.write(file.bytes, to: "\(folder.path)/\(file.name)", durable: false)
            }
        } catch {
            lock.lock()
            failures.append((folder.path, error))
            lock.unlock()
        }
    }
}
