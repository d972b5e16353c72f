// Pipeline: the nightly file (`Pipelines/nightly.json`): which inbox, which configuration,
// which stages in which order, and whether files need a `.done` marker.

import Foundation

/// The nightly pipeline as data.
public struct PipelineFile: Sendable {
    public var inbox: String?
    public var config: String?
    public var reports: String?
    public var db: String?
    /// The stages as listed (see `stagesToRun`).
    public var stages: [Stage]
    public var requireDoneMarker: Bool

    public init(inbox: String?, config: String?, reports: String?, db: String?, stages: [Stage], requireDoneMarker: Bool) {
        self.inbox = inbox
        self.config = config
        self.reports = reports
        self.db = db
        self.stages = stages
        self.requireDoneMarker = requireDoneMarker
    }

    /// Every stage, no done marker: what `run --inbox --config` uses without a pipeline file.
    public static let everyStage = PipelineFile(inbox: nil, config: nil, reports: nil, db: nil,
                                                stages: Stage.nightly, requireDoneMarker: false)

    /// The stages the runner runs, top to bottom: those listed, with `rebates`, `credit` and
    /// `breaks` right after `post` (in that order) when the list has `post` but not them. Pipeline
    /// files written before `breaks` was a stage of its own (`["ingest", "post",
    /// "statements"]`) list the open breaks after posting, as posting itself did then; files
    /// written before `credit` existed settle the credit lines before the breaks are listed,
    /// so the credit breaks are in them.
    public var stagesToRun: [Stage] {
        guard let post = stages.firstIndex(where: { $0.name == Stage.post.name }) else { return stages }
        var implied = stages
        var at = post + 1
        for stage in [Stage.rebates, .credit, .breaks] {
            if let listed = implied.firstIndex(where: { $0.name == stage.name }) {
                at = max(at, listed + 1)
            } else {
                implied.insert(stage, at: at)
                at += 1
            }
        }
        return implied
    }

    public static func load(path: String) throws -> PipelineFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, path: "$", message: "cannot read the pipeline file")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigError(file: path, path: "$", message: "not valid JSON: \(error.localizedDescription)")
        }
        let reader = JSONFields(file: path)
        let root = try reader.object(object, at: "$")
        try reader.allow(root, ["inbox", "config", "reports", "db", "stages", "require_done_marker", "description"], at: "$")
        var stages: [Stage] = []
        let names = root["stages"] == nil ? Stage.nightly.map(\.name) : try reader.array(root["stages"], at: "$.stages").enumerated().map {
            try reader.requiredString($0.element, at: "$.stages[\($0.offset)]")
        }
        for (index, name) in names.enumerated() {
            guard let stage = Stage.named(name) else {
                throw reader.error("$.stages[\(index)]", "'\(name)' is not a stage (known: \(Stage.nightly.map(\.name).joined(separator: ", ")))")
            }
            guard !stages.contains(where: { $0.name == name }) else { throw reader.error("$.stages[\(index)]", "'\(name)' is listed twice") }
            stages.append(stage)
        }
        return PipelineFile(inbox: try reader.string(root["inbox"], at: "$.inbox"),
                            config: try reader.string(root["config"], at: "$.config"),
                            reports: try reader.string(root["reports"], at: "$.reports"),
                            db: try reader.string(root["db"], at: "$.db"),
                            stages: stages,
                            requireDoneMarker: try reader.bool(root["require_done_marker"], at: "$.require_done_marker") ?? false)
    }
}

/// The inbox rules (SPEC §3): which files a run takes, in which order.
public enum Inbox {
    public struct Entry: Sendable {
        public let path: String
        public let name: String
        public let kind: FeedKind
    }

    /// Files of `directory` a run takes: a known kind prefix, not `.part`/`.tmp`/`.done`, not
    /// hidden, and with `requireDoneMarker` only once `F.done` exists. Ordered by kind, then
    /// name in byte order. Also returns the names it passed over and why.
    public static func list(_ directory: String, requireDoneMarker: Bool) throws -> (taken: [Entry], skipped: [(String, String)]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        let present = Set(names)
        var taken: [Entry] = []
        var skipped: [(String, String)] = []
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            if name.hasPrefix(".") || name.hasSuffix(".done") { continue }
            if name.hasSuffix(".part") || name.hasSuffix(".tmp") { skipped.append((name, "still being written")); continue }
            guard let kind = FeedKind.fromFileName(name) else { skipped.append((name, "not a feed name")); continue }
            var isDirectory: ObjCBool = false
            let path = (directory as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                skipped.append((name, "not a regular file")); continue
            }
            if requireDoneMarker && !present.contains(name + ".done") { skipped.append((name, "waiting for \(name).done")); continue }
            taken.append(Entry(path: path, name: name, kind: kind))
        }
        taken.sort { $0.kind != $1.kind ? $0.kind < $1.kind : Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        return (taken, skipped)
    }
}
