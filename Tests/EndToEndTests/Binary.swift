// Binary: runs the built `mallsettle` as a scheduler would, in a fresh folder per test.

import Foundation
import XCTest

/// The result of one invocation.
struct Outcome {
    let status: Int32
    /// True when the process was ended by a signal (`status` is then the signal number).
    var signalled = false
    let stdout: String
    let stderr: String
}

enum Binary {
    /// `$MALLSETTLE_BIN`, or the package's debug build (which `swift build --build-tests` makes).
    static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["MALLSETTLE_BIN"] { return explicit }
        return packageRoot + "/.build/debug/mallsettle"
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Starts the binary without waiting.
    static func start(_ arguments: [String], in directory: String, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the binary (or `executable`) to completion.
    @discardableResult
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
                    executable: String = path) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary folder removed after the test.
final class Scratch {
    let root: String
    init() throws {
        root = NSTemporaryDirectory() + "mallsettle-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    func write(_ relative: String, _ text: String) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// Every file under `relative` with its bytes, by relative path.
    func tree(_ relative: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = path(relative)
        guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
        for case let name as String in walker {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: base + "/" + name, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files[name] = FileManager.default.contents(atPath: base + "/" + name) }
        }
        return files
    }
}

extension Binary {
    /// `mallsettle init --db DB` in `directory`: only `init` creates a store (SPEC §11).
    static func initStore(_ db: String = "s.db", in directory: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try run(["init", "--db", db], in: directory)
        XCTAssertEqual(outcome.status, 0, outcome.stderr, file: file, line: line)
    }

    /// Runs the binary to completion (output discarded) and returns its exit status and its
    /// own peak resident memory in MiB, read from `wait4`.
    static func runMeasured(_ arguments: [String], in directory: String) throws -> (status: Int32, peakMiB: Double) {
        try runMeasured(path, arguments, in: directory)
    }

    /// The peak `runMeasured` reports for a process that uses next to nothing. posix_spawn
    /// starts the child inside the test process's memory, and Linux carries that memory's
    /// high-water mark into the child's peak: after tests that grew the test process, a
    /// measured peak at or below this one only says the child stayed under it.
    static func inheritedPeakMiB() throws -> Double {
        try runMeasured("/bin/true", [], in: "/").peakMiB
    }

    private static func runMeasured(_ executable: String, _ arguments: [String],
                                    in directory: String) throws -> (status: Int32, peakMiB: Double) {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // `sh` changes directory, then becomes the binary (same process, so `wait4` reports
        // the binary's own peak).
        let argv = (["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory, executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
        guard spawned == 0 else { throw NSError(domain: "spawn", code: Int(spawned)) }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -(status & 0x7f)
        return (exit, Double(usage.ru_maxrss) / 1024)
    }
}
