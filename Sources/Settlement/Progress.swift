// ProgressLog: one line per step of long work on a terminal; silent under cron.

import Foundation

/// Reports progress on standard error when it is a terminal (or when forced).
public final class ProgressLog: @unchecked Sendable {
    public let enabled: Bool
    private let started = Date()

    public init(enabled: Bool) { self.enabled = enabled }

    /// On when standard error is a terminal.
    public static func forTerminal() -> ProgressLog { ProgressLog(enabled: isatty(2) == 1) }

    public func note(_ message: String) {
        guard enabled else { return }
        let elapsed = Date().timeIntervalSince(started)
        let stamp = String(format: "%6.1fs", elapsed)
        FileHandle.standardError.write(Data("[\(stamp)] \(message)\n".utf8))
    }
}
