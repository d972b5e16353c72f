// ProgressLog: one line per step of long work on a terminal; silent under cron.

import Foundation
import MallCore

/// Reports progress on standard error when it is a terminal (or when forced).
public final class ProgressLog: @unchecked Sendable {
    public let enabled: Bool
    private let clock: any MallClock
    private let started: UInt64

    public init(enabled: Bool, clock: any MallClock = SystemClock()) {
        self.enabled = enabled
        self.clock = clock
        started = clock.elapsedNanos()
    }

    /// On when standard error is a terminal.
    public static func forTerminal() -> ProgressLog { ProgressLog(enabled: isatty(2) == 1) }

    public func note(_ message: String) {
        guard enabled else { return }
        let elapsed = Double(clock.elapsedNanos() - started) / 1e9
        let stamp = String(format: "%6.1fs", elapsed)
        FileHandle.standardError.write(Data("[\(stamp)] \(message)\n".utf8))
    }
}
