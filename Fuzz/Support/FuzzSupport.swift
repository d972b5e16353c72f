// Fuzz/Support/FuzzSupport.swift: what every libFuzzer target shares: a property check that
// fails loudly (libFuzzer keeps the input as a crasher) and a scratch file for targets whose
// code under test reads a path.

import Glibc

/// Stops the run when a property does not hold. A failed check is a crash to libFuzzer, so the
/// input is saved like any other crasher; the message says which property broke.
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("property failed: \(message())", file: file, line: line) }
}

/// Scratch files for one fuzzing process, in /dev/shm when it is writable (no disk I/O per
/// execution). Named by process id so that two fuzzers never share a file; removed at exit.
enum Scratch {
    static let directory: String = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"

    /// The scratch path for `name` (the name's extension matters to readers that infer the
    /// format from it).
    static func path(_ name: String) -> String {
        "\(directory)/mallsettle-fuzz-\(getpid())-\(name)"
    }

    /// Replaces the file at `path` with `bytes`.
    static func write(_ bytes: UnsafeBufferPointer<UInt8>, to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot create the scratch file \(path)")
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            precondition(n > 0, "cannot write the scratch file \(path)")
            done += n
        }
        close(fd)
        remember(path)
    }

    static func write(_ bytes: [UInt8], to path: String) {
        bytes.withUnsafeBufferPointer { write($0, to: path) }
    }

    /// Paths to remove at exit; only touched from the fuzzing thread.
    nonisolated(unsafe) private static var written: Set<String> = []

    private static func remember(_ path: String) {
        guard written.insert(path).inserted else { return }
        if written.count == 1 {
            atexit {
                for path in Scratch.written { unlink(path) }
            }
        }
    }
}

/// FNV-1a over the input: a cheap, deterministic way to derive a knob (a read size, a split
/// point) from the input itself, so a saved crasher replays exactly.
func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01b3
    }
    return hash
}
