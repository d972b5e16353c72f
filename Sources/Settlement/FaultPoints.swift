// FaultPoints: named instants where the crash tests make a command kill itself, so that
// "killed at every stage boundary" is tested exactly, not by a lucky timer.
// `MALLSETTLE_KILL_AT=post.after mallsettle run …` dies with SIGKILL right after posting has
// committed. Unset (always, outside tests), a point costs one comparison.

import Foundation

enum FaultPoint {
    /// The point named by `MALLSETTLE_KILL_AT`, read once.
    static let target: String? = ProcessInfo.processInfo.environment["MALLSETTLE_KILL_AT"]

    /// Every point, in the order a `run` or `close` passes them (docs/reliability.md):
    /// `begin` (the run is recorded), `<stage>.before` and `<stage>.after` around each stage
    /// (`ingest`, `post`, `rebates`, `credit`, `breaks`, `statements`, `close`; inside `close`,
    /// `settle.before` and `settle.after` around the settling of rebate periods), `finish.recorded` (exit status stored) and
    /// `finish.manifest` (run manifest written).
    static func reach(_ point: String) {
        guard let target, target == point else { return }
        kill(getpid(), SIGKILL)
    }
}
