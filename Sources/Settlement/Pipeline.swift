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

    /// The stages the runner runs, top to bottom: those listed, and for a list that has
    /// `post`, the stages that came later when they are missing: `rebates`, `credit` and
    /// `reconcile` just before `breaks` (or after `post` and each other), and `breaks` after
    /// them. Pipeline files written before `breaks` was a stage of its own (`["ingest", "post",
    /// "statements"]`) list the open breaks after posting, as posting itself did then; files
    /// written before `rebates`, `credit` and `reconcile` existed place the rebate rows, settle
    /// the credit lines and reconcile the channels before the breaks are listed, so their breaks
    /// are in them; files written before `reports` existed refresh the reports last (every
    /// `run` does, SPEC §11). A listed order is kept.
    public var stagesToRun: [Stage] {
        guard stages.contains(where: { $0.name == Stage.post.name }) else { return stages }
        var implied = stages
        func index(_ stage: Stage) -> Int? { implied.firstIndex { $0.name == stage.name } }
        func afterTheLastOf(_ names: [Stage]) -> Int { (names.compactMap(index).max() ?? 0) + 1 }
        let later: [Stage] = [.rebates, .credit, .reconcile]
        for stage in later where index(stage) == nil {
            implied.insert(stage, at: index(.breaks) ?? afterTheLastOf([.post] + later))
        }
        if index(.breaks) == nil { implied.insert(.breaks, at: afterTheLastOf([.post] + later)) }
        if index(.reports) == nil { implied.append(.reports) }
        return implied
    }

    /// Reads `path` with the journals' JSON reader; a problem is a `ConfigError` naming the
    /// line, column and JSON path.
    public static func load(path: String) throws -> PipelineFile {
        let reader = try JSONFields.load(path: path, what: "pipeline file")
        let root = try reader.object(reader.root, at: "$")
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
        let folder = (path as NSString).deletingLastPathComponent
        func place(_ key: String) throws -> String? {
            try reader.string(root[key], at: "$.\(key)").map { PipelineFile.resolve($0, from: folder) }
        }
        return PipelineFile(inbox: try place("inbox"), config: try place("config"), reports: try place("reports"),
                            db: try place("db"), stages: stages,
                            requireDoneMarker: try reader.bool(root["require_done_marker"], at: "$.require_done_marker") ?? false)
    }

    /// A path written in a pipeline file, taken from the file's own folder (so the file works
    /// from any working directory): `../var/inbox` in `Pipelines/nightly.json` is
    /// `var/inbox`; in `/srv/mall/Pipelines/nightly.json` it is `/srv/mall/var/inbox`.
    /// Absolute paths stay as they are.
    static func resolve(_ written: String, from folder: String) -> String {
        guard !written.hasPrefix("/"), !folder.isEmpty else { return written }
        var parts: [Substring] = []
        let absolute = folder.hasPrefix("/")
        for part in (folder + "/" + written).split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
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
