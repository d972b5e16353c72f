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
        XCTAssertEqual(Stage.nightly.map(\.name), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        let listed = try pipeline(#"{"stages": ["ingest", "post", "rebates", "credit", "breaks", "statements"]}"#)
        XCTAssertEqual(listed.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        XCTAssertEqual(try pipeline("{}").stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        XCTAssertEqual(try pipeline(#"{"stages": ["statements", "ingest"]}"#).stagesToRun.map(\.name), ["statements", "ingest"])
    }

    /// Pipeline files from before `breaks` was a stage of its own still list the breaks after
    /// posting.
    func testAnOlderPipelineFileImpliesBreaksAfterPost() throws {
        let older = try pipeline(#"{"stages": ["ingest", "post", "statements"]}"#)
        XCTAssertEqual(older.stages.map(\.name), ["ingest", "post", "statements"])
        XCTAssertEqual(older.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        XCTAssertEqual(try pipeline(#"{"stages": ["ingest"]}"#).stagesToRun.map(\.name), ["ingest"])
    }

    /// Pipeline files from before `credit` was a stage settle the credit lines right after
    /// posting, before the breaks are listed.
    func testAnOlderPipelineFileImpliesCreditAfterPost() throws {
        let older = try pipeline(#"{"stages": ["ingest", "post", "breaks", "statements"]}"#)
        XCTAssertEqual(older.stagesToRun.map(\.name), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        let listed = try pipeline(#"{"stages": ["ingest", "post", "breaks", "credit"]}"#)
        XCTAssertEqual(listed.stagesToRun.map(\.name), ["ingest", "post", "rebates", "breaks", "credit"], "a listed order is kept")
    }

    func testAnUnknownOrRepeatedStageNamesItsPlace() {
        func error(_ json: String) -> String {
            do { _ = try pipeline(json); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(error(#"{"stages": ["ingest", "rebate"]}"#).hasSuffix(
            "$.stages[1]: 'rebate' is not a stage (known: ingest, post, rebates, credit, breaks, statements)"), error(#"{"stages": ["rebate"]}"#))
        XCTAssertTrue(error(#"{"stages": ["post", "post"]}"#).hasSuffix("$.stages[1]: 'post' is listed twice"))
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
        XCTAssertEqual(record?.stageMillis.map(\.0), ["ingest", "post", "rebates", "credit", "breaks", "statements"])
        XCTAssertEqual(record?.posting.forwardLines, 1)
        XCTAssertEqual(try String(contentsOfFile: ws.reports + "/reconciliation/2026-11-10/breaks.csv", encoding: .utf8)
                           .split(separator: "\n").count, 1, "the header alone: no break open")

        let (again, _) = nightly.run(asOf: Day(parsing: "2026-11-11")!, inbox: nil, pipeline: .everyStage)
        XCTAssertEqual(again?.stageMillis.map(\.0), ["post", "rebates", "credit", "breaks", "statements"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws.reports + "/reconciliation/2026-11-11/breaks.csv"))
    }
}
