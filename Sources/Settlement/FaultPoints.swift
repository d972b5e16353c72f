// FaultPoints: named instants where the crash tests make a command kill itself, so that
// "killed at every stage boundary" is tested exactly, not by a lucky timer.
// `MALLSETTLE_KILL_AT=post.after mallsettle run …` dies with SIGKILL right after posting has
// committed. `MALLSETTLE_KILL_AFTER=credit.before+1500` dies 1,500 µs after reaching
// `credit.before`, wherever it then is: random instants inside one stage. Unset (always,
// outside tests), a point costs one comparison.

import Foundation

enum FaultPoint {
    /// The point named by `MALLSETTLE_KILL_AT`, read once.
    static let target: String? = ProcessInfo.processInfo.environment["MALLSETTLE_KILL_AT"]

    /// `MALLSETTLE_KILL_AFTER`'s point and delay in microseconds, read once.
    static let delayed: (point: String, micros: UInt32)? = {
        guard let text = ProcessInfo.processInfo.environment["MALLSETTLE_KILL_AFTER"],
              let plus = text.lastIndex(of: "+"), let micros = UInt32(text[text.index(after: plus)...]) else { return nil }
        return (String(text[..<plus]), micros)
    }()

    /// Every point, in the order a `run` or `close` passes them (docs/reliability.md):
    /// `begin` (the run is recorded), `<stage>.before` and `<stage>.after` around each stage
    /// (`ingest`, `post`, `rebates`, `credit`, `breaks`, `statements`, `close`; inside `close`,
    /// `settle.before` and `settle.after` around the settling of rebate periods; inside
    /// `statements`, `buyer_statements.written` once the buyer statements' files are durable
    /// and before the store marks them written), `finish.recorded` (exit status stored) and
    /// `finish.manifest` (run manifest written).
    static func reach(_ point: String) {
        if let delayed, delayed.point == point {
            let thread = Thread {
                usleep(delayed.micros)
                kill(getpid(), SIGKILL)
            }
            thread.start()
        }
        guard let target, target == point else { return }
        kill(getpid(), SIGKILL)
    }
}
