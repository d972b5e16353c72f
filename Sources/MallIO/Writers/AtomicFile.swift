// AtomicFile: output files are written aside and renamed (STYLE habit 8), so a reader — a
// finance user opening a statement, the next stage, a crashed run restarting — sees either
// the old file or the whole new one, never half of one.
//
// Protocol: create the parent directories, write to a temporary name in the same directory
// (so the rename never crosses a file system), fsync the file, rename it over the target,
// fsync the directory so the rename itself survives a power cut.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An I/O failure while writing an output file: which step, which path, and the system's
/// own words for why (`strerror`).
public struct AtomicFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The step that failed: `mkdir`, `open`, `write`, `fsync`, `close`, `rename`, `opendir`.
    public var operation: String
    /// The path the step was acting on (the temporary file for `write`/`fsync`).
    public var path: String
    /// The `errno` the system reported.
    public var code: Int32

    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// The system's text for `code`, e.g. "No space left on device".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "\(operation) \(path): \(reason) (errno \(code))" }
}

/// Whole-file atomic writes: `AtomicFile.write(bytes, to: path)`.
public enum AtomicFile {
    /// Removes the temporary files a killed writer left in `directory` (`.NAME.tmp-PID-…`),
    /// so a folder never keeps half-written files after a crash. Call it while holding the
    /// store lock: no other writer of ours can be at work there then.
    public static func removeLeftovers(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            _ = unlink(joinPath(directory, name))
        }
    }

    /// Makes every file written so far durable at once (many non-durable writes, one sync).
    public static func syncFileSystem() {
        sync()
    }

    /// Starts writing out everything unwritten so far on a thread of its own, without waiting:
    /// a later `syncFileSystem` then has less left to wait for.
    public static func startSyncInBackground() {
        let thread = Thread { sync() }
        thread.name = "early-sync"
        thread.start()
    }

    /// Writes `bytes` to `path` atomically, replacing any existing file.
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        let writer = try AtomicFileWriter(path: path)
        do {
            try bytes.withUnsafeBytes { try writer.writeUnbuffered($0) }
            try writer.commit(durable: durable)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes `data` to `path` atomically, replacing any existing file.
    public static func write(_ data: Data, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        do {
            try data.withUnsafeBytes { try writer.writeUnbuffered($0) }
            try writer.commit()
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Writes the UTF-8 bytes of `text` to `path` atomically (HTML, JSON, CSV text).
    public static func write(_ text: String, to path: String, durable: Bool = true) throws {
        try write(Array(text.utf8), to: path, durable: durable)
    }
}

/// A streaming atomic write for files too large to build in memory: bytes are buffered
/// (`bufferBytesMax`) and written to a temporary file beside the target; `commit()` makes
/// the file appear at `path` all at once, `abandon()` (or dropping the writer without
/// committing) removes the temporary file and leaves `path` untouched.
///
/// Not thread-safe: one writer belongs to one task.
public final class AtomicFileWriter {
    /// Bytes held in memory before a `write(2)`.
    public static let bufferBytesMax = 1 << 20

    /// The final path.
    public let path: String
    /// The temporary path the bytes go to until `commit()`.
    public let temporaryPath: String

    private var fd: Int32
    private var buffer: [UInt8] = []
    private var state: State = .writing

    private enum State { case writing, sealed, committed, abandoned }

    /// Creates the parent directories of `path` and opens a fresh temporary file beside it.
    public init(path: String) throws {
        precondition(!path.isEmpty, "AtomicFileWriter: empty path")
        let (directory, name) = splitPath(path)
        try makeDirectories(directory)
        self.path = path
        // Hidden, unique per process and attempt; O_EXCL makes a collision an error, not a clobber.
        let suffix = String(UInt64.random(in: 0 ... UInt64.max), radix: 16)
        self.temporaryPath = joinPath(directory, ".\(name).tmp-\(getpid())-\(suffix)")
        let fd = temporaryPath.withCString { open($0, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        if fd < 0 { throw AtomicFileError(operation: "open", path: temporaryPath, code: errno) }
        self.fd = fd
    }

    deinit {
        if state == .writing || state == .sealed { abandon() }
    }

    /// Appends `bytes`; large writes bypass the buffer.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(state == .writing, "AtomicFileWriter: write after commit/abandon")
        if buffer.count + bytes.count > Self.bufferBytesMax { try flush() }
        if bytes.count >= Self.bufferBytesMax {
            try writeAll(bytes)
        } else {
            // Reserved on first use: whole-file writes never touch the buffer.
            if buffer.capacity < Self.bufferBytesMax { buffer.reserveCapacity(Self.bufferBytesMax) }
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Flushes, fsyncs, renames the temporary file over `path` and fsyncs the directory.
    /// After a failure the temporary file is removed and `path` is as it was.
    /// With `durable` false the two fsyncs are left out: the rename still makes the file
    /// appear whole or not at all to readers, and the caller makes it durable later with
    /// one `AtomicFile.syncFileSystem()` for many files.
    public func commit(durable: Bool = true) throws {
        precondition(state == .writing || state == .sealed, "AtomicFileWriter: commit after commit/abandon")
        do {
            if state == .writing {
                try flush()
                if durable, fsync(fd) != 0 { throw AtomicFileError(operation: "fsync", path: temporaryPath, code: errno) }
                let closed = close(fd)
                fd = -1
                if closed != 0 { throw AtomicFileError(operation: "close", path: temporaryPath, code: errno) }
            }
            let renamed = temporaryPath.withCString { from in path.withCString { to in rename(from, to) } }
            if renamed != 0 { throw AtomicFileError(operation: "rename", path: path, code: errno) }
        } catch {
            abandon()
            throw error
        }
        state = .committed
        // The data is in place; a failed directory fsync only weakens durability, but it is
        // still reported so the run can say so.
        if durable { try syncDirectory(splitPath(path).directory) }
    }

    /// Finishes writing without making the file appear: the bytes are in the temporary file,
    /// its descriptor is closed, and a later `commit(durable: false)` renames it into place
    /// (or `abandon()` drops it). Lets a command prepare many files inside a transaction and
    /// show them only once the transaction has committed. Not durable: the caller syncs.
    public func seal() throws {
        precondition(state == .writing, "AtomicFileWriter: seal after seal/commit/abandon")
        do {
            try flush()
            // A sealed file may wait long for its commit, among thousands: it keeps no buffer.
            buffer = []
            // Start writing it to disk now, without waiting: the one sync that makes many
            // sealed files durable at the end then finds most of them already written.
            startWriteback(fd)
            let closed = close(fd)
            fd = -1
            if closed != 0 { throw AtomicFileError(operation: "close", path: temporaryPath, code: errno) }
        } catch {
            abandon()
            throw error
        }
        state = .sealed
    }

    /// Overwrites bytes already written at `offset` (a zip header once its sizes are known).
    public func patch(at offset: Int, _ bytes: [UInt8]) throws {
        precondition(state == .writing, "AtomicFileWriter: patch after seal/commit/abandon")
        try flush()
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        if written != bytes.count { throw AtomicFileError(operation: "write", path: temporaryPath, code: errno) }
    }

    /// Reads back the bytes written so far, in chunks of at most `chunkBytes`, from the start
    /// (a spool file copied into the final one).
    public func readBack(chunkBytes: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        precondition(state == .writing, "AtomicFileWriter: read back after seal/commit/abandon")
        try flush()
        var chunk = [UInt8](repeating: 0, count: chunkBytes)
        var offset: off_t = 0
        while true {
            let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, chunkBytes, offset) }
            if got < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(operation: "read", path: temporaryPath, code: errno)
            }
            if got == 0 { return }
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0 ..< got])) }
            offset += off_t(got)
        }
    }

    /// Drops the temporary file; `path` keeps its old content (if any). Idempotent.
    public func abandon() {
        guard state == .writing || state == .sealed else { return }
        state = .abandoned
        if fd >= 0 { _ = close(fd); fd = -1 }
        _ = temporaryPath.withCString { unlink($0) }
        buffer = []
    }

    /// Flushes the buffer and hands `bytes` straight to the OS (whole-file writes need no copy).
    func writeUnbuffered(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(state == .writing, "AtomicFileWriter: write after commit/abandon")
        try flush()
        try writeAll(bytes)
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = systemWrite(fd, next, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(operation: "write", path: temporaryPath, code: errno)
            }
            next += written
            remaining -= written
        }
    }
}

// MARK: - Helpers (private: the readers share this module)

/// Asks the kernel to start writing a file's dirty pages out without waiting for them: on
/// Linux, `POSIX_FADV_DONTNEED` starts the writeback of dirty pages (and lets the page cache
/// drop them once written: nothing reads them back).
private func startWriteback(_ fd: Int32) {
    _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
}

/// `write(2)`; a free function because inside the class `write` names the method.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

private func splitPath(_ path: String) -> (directory: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let directory = String(path[..<slash])
    let name = String(path[path.index(after: slash)...])
    precondition(!name.isEmpty, "AtomicFile: path ends in '/': \(path)")
    return (directory.isEmpty ? "/" : directory, name)
}

private func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// `mkdir -p`, reporting the first component that could not be made.
private func makeDirectories(_ directory: String) throws {
    switch fileKind(directory) {
    case .directory: return
    case .other: throw AtomicFileError(operation: "mkdir", path: directory, code: ENOTDIR)
    case .missing: break
    }
    let (parent, _) = splitPath(directory)
    if parent != directory, directory.contains("/") { try makeDirectories(parent) }
    if directory.withCString({ mkdir($0, 0o755) }) != 0 {
        let code = errno
        // Another writer may have made it meanwhile.
        if code == EEXIST, fileKind(directory) == .directory { return }
        throw AtomicFileError(operation: "mkdir", path: directory, code: code)
    }
}

private enum FileKind { case missing, directory, other }

private func fileKind(_ path: String) -> FileKind {
    var info = stat()
    guard path.withCString({ stat($0, &info) }) == 0 else { return .missing }
    return (info.st_mode & S_IFMT) == S_IFDIR ? .directory : .other
}

private func syncDirectory(_ directory: String) throws {
    let fd = directory.withCString { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    if fd < 0 { throw AtomicFileError(operation: "opendir", path: directory, code: errno) }
    defer { _ = close(fd) }
    // Some file systems refuse fsync on a directory (EINVAL); the rename is done either way.
    if fsync(fd) != 0, errno != EINVAL {
        throw AtomicFileError(operation: "fsync", path: directory, code: errno)
    }
}
