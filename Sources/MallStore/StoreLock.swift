// StoreLock: one run at a time per store, through an advisory lock beside the store file.
// The kernel drops the lock when the holder dies, even by SIGKILL, so a crash never leaves it stuck.

import Foundation

/// An exclusive, non-blocking lock on `<store>.lock` naming its holder.
public final class StoreLock {
    public let path: String
    private var descriptor: Int32 = -1

    /// Who holds a lock we could not take.
    public struct Held: Error, CustomStringConvertible {
        public let holder: String
        public var description: String { "another command holds the store: \(holder)" }
    }

    /// Takes the lock at once or throws `Held` with the holder's description.
    public init(storePath: String, holder: String) throws {
        path = storePath + ".lock"
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StoreError(code: 14, message: "cannot open lock file \(path): \(String(cString: strerror(errno)))", sql: nil)
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let text = StoreLock.holderNote(descriptor)
            close(descriptor)
            descriptor = -1
            throw Held(holder: text)
        }
        // Written over the old note, then cut to length: the file is never empty while held
        // (only in the instant between the holder's flock and this write, which
        // `holderNote` waits out).
        let note = Array("\(holder)\n".utf8)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        _ = ftruncate(descriptor, off_t(note.count))
    }

    /// The holder's note. A holder writes it right after taking the lock, so an empty file
    /// is read again for a short while before giving up on a name.
    private static func holderNote(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        for _ in 0..<100 {
            let count = pread(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                return String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            usleep(2_000)
        }
        return "a command that did not name itself (it may be finishing)"
    }

    public func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
