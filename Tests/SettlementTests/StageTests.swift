// StageTests: the nightly's stages as data — the pipeline file's names, the stages implied
// for older pipeline files, and what the runner records of each stage.

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class StageTests: XCTestCase {
    private func pipeline(_ json: String) throws -> PipelineFile {
        let path = NSTemporaryDirectory() + "pipeline-" + UUID().uuidString + ".json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try PipelineFile.load(path: path)
    }

    func testThePipelineFileListsTheNightlyStagesInOrder() throws {
        XCTAssertEqual(Stage.nightly.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        let listed = try pipeline(#"{"stages": ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"]}"#)
        XCTAssertEqual(listed.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        XCTAssertEqual(try pipeline("{}").stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        XCTAssertEqual(try pipeline(#"{"stages": ["statements", "ingest"]}"#).stagesToRun.map(\.name), ["statements", "ingest"])
        XCTAssertEqual(try pipeline(#"{"stages": ["ingest", "post", "reports", "statements"]}"#).stagesToRun.map(\.name),
                       ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "reports", "statements"], "a listed order is kept")
    }

    /// Each nightly stage's file says which files hold its SQL (`// SQL: …` in its header
    /// comment), and each file it names exists and holds SQL.
    func testEveryStageSaysWhereItsSQLIs() throws {
        let module = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/Settlement")
        let sql = try NSRegularExpression(pattern: #"\b(SELECT|INSERT|UPDATE|DELETE)\b"#)
        let swiftFile = try NSRegularExpression(pattern: #"[A-Za-z/]+\.swift"#)
        func matches(_ regex: NSRegularExpression, _ text: String) -> [String] {
            regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
        }
        for stage in Stage.nightly {
            let name = stage.name.prefix(1).uppercased() + stage.name.dropFirst() + "Stage.swift"
            let text = try String(contentsOf: module.appendingPathComponent("Stages/" + name), encoding: .utf8)
            let header = text.split(separator: "\n").prefix { $0.hasPrefix("//") }.joined(separator: " ")
            guard let at = header.range(of: "SQL: ") else { XCTFail("\(name) says where its SQL is"); continue }
            var files = matches(swiftFile, String(header[at.upperBound...]))
            if header[at.upperBound...].hasPrefix("this file") { files.append("Stages/" + name) }
            XCTAssertFalse(files.isEmpty, "\(name) names the files of its SQL")
            for file in files {
                let body = try String(contentsOf: module.appendingPathComponent(file), encoding: .utf8)
                XCTAssertFalse(matches(sql, body).isEmpty, "\(name): \(file) holds SQL")
            }
        }
    }

    /// Pipeline files from before `breaks` (or `reconcile`) was a stage of its own still list
    /// the breaks after posting, and reconcile before them.
    func testAnOlderPipelineFileImpliesBreaksAfterPost() throws {
        let older = try pipeline(#"{"stages": ["ingest", "post", "statements"]}"#)
        XCTAssertEqual(older.stages.map(\.name), ["ingest", "post", "statements"])
        XCTAssertEqual(older.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        let beforeReconcile = try pipeline(#"{"stages": ["ingest", "post", "breaks", "statements"]}"#)
        XCTAssertEqual(beforeReconcile.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        XCTAssertEqual(try pipeline(#"{"stages": ["ingest"]}"#).stagesToRun.map(\.name), ["ingest"])
    }

    /// Pipeline files from before `credit` was a stage settle the credit lines right after
    /// posting, before the breaks are listed.
    func testAnOlderPipelineFileImpliesCreditAfterPost() throws {
        let older = try pipeline(#"{"stages": ["ingest", "post", "breaks", "statements"]}"#)
        XCTAssertEqual(older.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        let listed = try pipeline(#"{"stages": ["ingest", "post", "breaks", "credit"]}"#)
        XCTAssertEqual(listed.stagesToRun.map(\.name), ["ingest", "post", "rebates", "reconcile", "breaks", "credit", "reports"],
                       "a listed order is kept; the missing rebates and reconcile come before the breaks")
        let oldest = try pipeline(#"{"stages": ["ingest", "post", "statements"]}"#)
        XCTAssertEqual(oldest.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
    }

    func testAnUnknownOrRepeatedStageNamesItsPlace() {
        func error(_ json: String) -> String {
            do { _ = try pipeline(json); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(error(#"{"stages": ["ingest", "rebate"]}"#).hasSuffix(
            "$.stages[1]: 'rebate' is not a stage (known: ingest, post, rebates, credit, reconcile, breaks, statements, reports)"), error(#"{"stages": ["rebate"]}"#))
        XCTAssertTrue(error(#"{"stages": ["post", "post"]}"#).hasSuffix("$.stages[1]: 'post' is listed twice"))
        // The line and column of the bad entry come before its path.
        XCTAssertTrue(error("{\n  \"stages\": [\"ingest\",\n    \"rebate\"]\n}").hasSuffix(
            ":3:5: $.stages[1]: 'rebate' is not a stage (known: ingest, post, rebates, credit, reconcile, breaks, statements, reports)"))
    }

    /// The runner times every stage it runs into the manifest, in order; ingest is passed over
    /// without an inbox; the older stage list still writes breaks.csv.
    func testTheRunnerRecordsEachStageAndWritesBreaksAfterPost() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        let nightly = Nightly(db: ws.db, config: config, reportsDir: ws.reports, progress: ProgressLog(enabled: false))
        let older = PipelineFile(inbox: nil, config: nil, reports: nil, db: nil, stages: [.ingest, .post, .statements],
                                 requireDoneMarker: false)
        let (record, status) = nightly.run(asOf: Day(parsing: "2026-11-10")!, inbox: ws.inbox, pipeline: older)
        XCTAssertEqual(status, .done)
        XCTAssertEqual(record?.stageMillis.map(\.0), ["ingest", "post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        // Each stage's own peak memory, for the manifest: this test process holds a few MiB at least.
        XCTAssertEqual(record?.stagePeakMiB.keys.sorted(), ["breaks", "credit", "ingest", "post", "rebates", "reconcile", "reports", "statements"])
        XCTAssertTrue(record?.stagePeakMiB.values.allSatisfy { $0 > 1 } ?? false, "\(record?.stagePeakMiB ?? [:])")
        XCTAssertEqual(record?.posting.forwardLines, 1)
        XCTAssertEqual(try String(contentsOfFile: ws.reports + "/reconciliation/2026-11-10/breaks.csv", encoding: .utf8)
                           .split(separator: "\n").count, 1, "the header alone: no break open")

        let (again, _) = nightly.run(asOf: Day(parsing: "2026-11-11")!, inbox: nil, pipeline: .everyStage)
        XCTAssertEqual(again?.stageMillis.map(\.0), ["post", "rebates", "credit", "reconcile", "breaks", "statements", "reports"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.reports + "/reconciliation/2026-11-11/breaks.csv"))
    }

    /// The run record and the stage timings read the injected clock: a test decides the time.
    func testTheRunReadsTheInjectedClock() throws {
        let ws = try Workspace()
        let start = try Instant.parse("2026-11-11T01:02:03.456789Z").get()
        let clock = ManualClock(start)
        let nightly = Nightly(db: ws.db, config: try Fixture.config(), reportsDir: ws.reports,
                              progress: ProgressLog(enabled: false, clock: clock), clock: clock)
        let (first, _) = nightly.run(asOf: Day(parsing: "2026-11-10")!, inbox: nil, pipeline: .everyStage)
        XCTAssertEqual(first?.stageMillis.map(\.1), [0, 0, 0, 0, 0, 0, 0], "the clock stood still")
        clock.advance(nanos: 90 * Instant.nanosPerSecond + 44_000_000)
        _ = nightly.run(asOf: Day(parsing: "2026-11-11")!, inbox: nil, pipeline: .everyStage)
        var times: [String] = []
        try ws.db.query("SELECT started_at, finished_at FROM runs ORDER BY run_seq") { row in
            times += [row.text(0) ?? "", row.text(1) ?? ""]
        }
        XCTAssertEqual(times, ["2026-11-11T01:02:03.456Z", "2026-11-11T01:02:03.456Z",
                               "2026-11-11T01:03:33.5Z", "2026-11-11T01:03:33.5Z"])

        // A clock that moves 7 ms at every reading: each stage takes one reading before and after.
        let ticking = TickingClock()
        let timed = Nightly(db: ws.db, config: try Fixture.config(), reportsDir: ws.reports,
                            progress: ProgressLog(enabled: false), clock: ticking)
        let (third, _) = timed.run(asOf: Day(parsing: "2026-11-12")!, inbox: nil, pipeline: .everyStage)
        XCTAssertEqual(third?.stageMillis.map(\.1), [7, 7, 7, 7, 7, 7, 7])
    }

    /// Relative paths in a pipeline file are taken from the file's folder (issue 15, item 3).
    func testPathsInAPipelineFileAreTakenFromItsFolder() throws {
        XCTAssertEqual(PipelineFile.resolve("../var/inbox", from: "Pipelines"), "var/inbox")
        XCTAssertEqual(PipelineFile.resolve("mall.json", from: "Pipelines"), "Pipelines/mall.json")
        XCTAssertEqual(PipelineFile.resolve("../var/inbox", from: "/srv/mall/Pipelines"), "/srv/mall/var/inbox")
        XCTAssertEqual(PipelineFile.resolve("./x/../y", from: "/a/b"), "/a/b/y")
        XCTAssertEqual(PipelineFile.resolve("/data/inbox", from: "/srv/mall/Pipelines"), "/data/inbox")
        XCTAssertEqual(PipelineFile.resolve("../../up", from: "Pipelines"), "../up")
        XCTAssertEqual(PipelineFile.resolve("inbox", from: ""), "inbox")
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.root + "/deploy/pipes", withIntermediateDirectories: true)
        try Data(#"{"inbox": "../inbox", "config": "mall.json", "db": "/abs/store.db"}"#.utf8)
            .write(to: URL(fileURLWithPath: ws.root + "/deploy/pipes/nightly.json"))
        let file = try PipelineFile.load(path: ws.root + "/deploy/pipes/nightly.json")
        XCTAssertEqual(file.inbox, ws.root + "/deploy/inbox")
        XCTAssertEqual(file.config, ws.root + "/deploy/pipes/mall.json")
        XCTAssertEqual(file.db, "/abs/store.db")
    }
}

/// Moves 7 ms forward each time durations are read.
private final class TickingClock: MallClock, @unchecked Sendable {
    private let clock = ManualClock(Instant(nanos: 0))
    func now() -> Instant { clock.now() }
    func elapsedNanos() -> UInt64 {
        clock.advance(nanos: 7_000_000)
        return clock.elapsedNanos()
    }
}
