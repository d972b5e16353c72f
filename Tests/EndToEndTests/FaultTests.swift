// Resource faults (issue 5): the disk filling up under the store or under the reports, a
// reports folder that cannot be written, a store on a read-only file system. Each run fails
// with exit 1 and a message a person can act on, keeps nothing of the failing stage, and once
// the fault is fixed a re-run ends exactly where an undisturbed night ends.
// The faults are real file systems: a small tmpfs mounted for the test (root only; skipped
// elsewhere).

import Foundation
import XCTest

final class FaultTests: XCTestCase {
    /// A tmpfs mounted at `path` for the test's life.
    final class Volume {
        let path: String
        init?(at path: String, size: String) {
            self.path = path
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            guard Volume.sh("mount -t tmpfs -o size=\(size) tmpfs '\(path)'") == 0 else { return nil }
        }
        func remount(_ options: String) { XCTAssertEqual(Volume.sh("mount -o remount,\(options) '\(path)'"), 0, options) }
        deinit { _ = Volume.sh("umount -l '\(path)'") }

        @discardableResult
        static func sh(_ command: String) -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command + " 2>/dev/null"]
            guard (try? p.run()) != nil else { return -1 }
            p.waitUntilExit()
            return p.terminationStatus
        }
    }

    func mount(_ scratch: Scratch, _ name: String, size: String) throws -> Volume {
        guard getuid() == 0, let volume = Volume(at: scratch.path(name), size: size) else {
            throw XCTSkip("needs root to mount a small file system")
        }
        return volume
    }

    func arguments(_ command: String, db: String, reports: String) -> [String] {
        switch command {
        case "run": return ["run", "--config", "mall.json", "--inbox", "inbox", "--db", db, "--date", "2026-10-31", "--reports", reports]
        default: return ["close", "--config", "mall.json", "--db", db, "--through", "2026-10-31", "--reports", reports]
        }
    }

    /// Run, close, exports and statements of one store, as finance sees them.
    func outcome(_ scratch: Scratch, db: String, reports: String) throws -> [String: Data] {
        if !FileManager.default.fileExists(atPath: scratch.path(db)) { try Binary.initStore(db, in: scratch.root) }
        var run = try Binary.run(arguments("run", db: db, reports: reports), in: scratch.root)
        if run.status == 1 { run = try Binary.run(arguments("run", db: db, reports: reports), in: scratch.root) }
        XCTAssertTrue([0, 3].contains(run.status), run.stderr)
        let close = try Binary.run(arguments("close", db: db, reports: reports), in: scratch.root)
        XCTAssertEqual(close.status, 0, close.stderr)
        var seen = try scratch.tree(reports + "/statements").reduce(into: [String: Data]()) { $0["statements/" + $1.key] = $1.value }
        for kind in ["fee-lines", "sheets"] {
            seen[kind] = Data(try Binary.run(["export", kind, "--db", db], in: scratch.root).stdout.utf8)
        }
        let verify = try Binary.run(["verify", "--db", db], in: scratch.root)
        XCTAssertEqual(verify.status, 0, verify.stdout)
        return seen
    }

    func prepare() throws -> Scratch {
        let scratch = try Scratch()
        try scratch.write("mall.json", CrashTests.config)
        for (name, text) in CrashTests.feeds(lines: 2_000) { try scratch.write("inbox/" + name, text) }
        return scratch
    }

    lazy var expected: [String: Data] = {
        let scratch = try! prepare()
        return try! outcome(scratch, db: "s.db", reports: "out")
    }()

    func assertSame(_ seen: [String: Data], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Set(seen.keys), Set(expected.keys), what, file: file, line: line)
        for (name, bytes) in expected where seen[name] != bytes {
            XCTFail("\(what): \(name) differs from an undisturbed night", file: file, line: line)
        }
    }

    func testTheStoreDiskFillingUp() throws {
        let scratch = try prepare()
        // Room for the empty store (1.5 MB: 93 pages of 16 KiB) and less than the run needs.
        let volume = try mount(scratch, "vol", size: "1700k")
        // The store is made beside it and copied in: the run, not `init`, is to meet the full disk.
        try Binary.initStore("made.db", in: scratch.root)
        try FileManager.default.copyItem(atPath: scratch.path("made.db"), toPath: scratch.path("vol/s.db"))
        let failed = try Binary.run(arguments("run", db: "vol/s.db", reports: "out"), in: scratch.root)
        XCTAssertEqual(failed.status, 1, failed.stdout + failed.stderr)
        XCTAssertTrue(failed.stderr.contains("full"), "says the disk is full: \(failed.stderr)")
        // Nothing of the failing stage: no file, no fee line, no quarantined row was kept.
        if FileManager.default.fileExists(atPath: scratch.path("vol/s.db")) {
            let lines = try Binary.run(["export", "fee-lines", "--db", "vol/s.db"], in: scratch.root)
            XCTAssertEqual(lines.stdout.split(separator: "\n").count, 1, "only the header: \(lines.stdout.prefix(300))")
            let sheets = try Binary.run(["export", "sheets", "--db", "vol/s.db"], in: scratch.root)
            XCTAssertFalse(sheets.stdout.contains(",closed,"), sheets.stdout)
        }
        volume.remount("size=200m")
        assertSame(try outcome(scratch, db: "vol/s.db", reports: "out"), "after the store's disk was freed")
        CrashTests.report("disk full under the store: exit 1, nothing kept, re-run identical")
    }

    func testTheReportsDiskFillingUp() throws {
        let scratch = try prepare()
        let volume = try mount(scratch, "vol", size: "48k")
        try Binary.initStore(in: scratch.root)
        let run = try Binary.run(arguments("run", db: "s.db", reports: "vol/out"), in: scratch.root)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("No space left on device"), run.stderr)
        XCTAssertEqual(try scratch.tree("vol").keys.filter { $0.hasSuffix(".tmp") }, [], "no half-written file is left")
        volume.remount("size=200m")
        assertSame(try outcome(scratch, db: "s.db", reports: "vol/out"), "after the reports' disk was freed")
        CrashTests.report("disk full under the reports: exit 1, no partial file, re-run identical")
    }

    func testAReportsFolderThatCannotBeWritten() throws {
        let scratch = try prepare()
        let volume = try mount(scratch, "vol", size: "50m")
        volume.remount("ro")
        try Binary.initStore(in: scratch.root)
        let run = try Binary.run(arguments("run", db: "s.db", reports: "vol/out"), in: scratch.root)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.contains("Read-only file system"), run.stderr)
        volume.remount("rw")
        assertSame(try outcome(scratch, db: "s.db", reports: "vol/out"), "after the reports folder became writable")
        CrashTests.report("unwritable reports folder: exit 1, re-run identical")
    }

    func testAStoreOnAReadOnlyFileSystem() throws {
        let scratch = try prepare()
        let volume = try mount(scratch, "vol", size: "50m")
        XCTAssertEqual(try Binary.run(["init", "--db", "vol/s.db"], in: scratch.root).status, 0)
        volume.remount("ro")
        let run = try Binary.run(arguments("run", db: "vol/s.db", reports: "out"), in: scratch.root)
        XCTAssertEqual(run.status, 1, run.stdout + run.stderr)
        XCTAssertTrue(run.stderr.lowercased().contains("read-only") || run.stderr.contains("readonly"), run.stderr)
        volume.remount("rw")
        assertSame(try outcome(scratch, db: "vol/s.db", reports: "out"), "after the store became writable")
        CrashTests.report("read-only store: exit 1, re-run identical")
    }
}
