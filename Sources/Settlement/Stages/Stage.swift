// Stage: one step of a command that writes, as data — its name, what it needs and what it
// does. The nightly's stages are listed in `Stage.nightly`, in the order they make sense in;
// a pipeline file picks from them by name. `StageRunner.swift` runs a list of them.
//
// To add a stage: a file of its own in this folder declaring `extension Stage { static let
// … }` and the `Nightly` function it calls, and its name in `Stage.nightly`. Its header
// comment ends with `// SQL: …`, the files that hold the SQL it runs (StageTests holds it).

import MallCore

/// What a stage needs before it can run; a stage whose need is missing is passed over (not
/// timed, no fault points).
public enum StageNeed: Sendable, Hashable {
    /// An inbox folder to read (`run --inbox`, or the pipeline's `inbox`).
    case inbox
}

/// What the stages of one command work with.
public struct StageContext {
    public let nightly: Nightly
    /// The inbox folder, when the command has one.
    public let inbox: String?
    /// Files in the inbox are taken only once `F.done` exists (SPEC §3).
    public let requireDoneMarker: Bool

    public init(nightly: Nightly, inbox: String? = nil, requireDoneMarker: Bool = false) {
        self.nightly = nightly
        self.inbox = inbox
        self.requireDoneMarker = requireDoneMarker
    }

    /// The needs this context meets.
    var available: Set<StageNeed> { inbox == nil ? [] : [.inbox] }
}

/// One step of a command, run by `Nightly.runStages` inside the command's run record. Its
/// name is what the manifest's stage timings, the progress log and the fault points
/// (`NAME.before`, `NAME.after`) call it.
public struct Stage: Sendable, CustomStringConvertible {
    public let name: String
    public let needs: Set<StageNeed>
    /// What the stage does: its writes go to the store inside its own transaction, what it
    /// found to the run record.
    let work: @Sendable (StageContext, inout RunRecord) throws -> Void

    init(name: String, needs: Set<StageNeed> = [],
         work: @escaping @Sendable (StageContext, inout RunRecord) throws -> Void) {
        self.name = name
        self.needs = needs
        self.work = work
    }

    public var description: String { name }

    /// The stages a pipeline file may list, in the nightly's order (SPEC §11).
    public static let nightly: [Stage] = [.ingest, .post, .rebates, .credit, .reconcile, .breaks, .statements,
                                         .reports]

    /// The nightly stage called `name`.
    public static func named(_ name: String) -> Stage? { nightly.first { $0.name == name } }
}
