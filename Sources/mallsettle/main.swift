// mallsettle: the command line. Each command parses, validates, then calls the library.

import Foundation
import MallCore
import MallStore
import Settlement

/// Writes a line to standard error.
func complain(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

func say(_ message: String) {
    FileHandle.standardOutput.write(Data((message + "\n").utf8))
}

/// Shared option handling for the commands.
struct Context {
    let args: Arguments
    /// Every read of the time goes through this clock.
    let clock: any MallClock = SystemClock()

    var dbPath: String {
        args.value("--db") ?? ProcessInfo.processInfo.environment["MALLSETTLE_DB"] ?? "var/mallsettle.db"
    }
    var reportsDir: String { args.value("--reports") ?? "Reports" }

    func loadConfig(_ fallback: String? = nil) throws -> MallConfig {
        try MallConfig.load(path: args.value("--config") ?? fallback ?? "Pipelines/mall.json")
    }

    /// `--date`, or yesterday's business date.
    func asOf(_ config: MallConfig) throws -> Day {
        if let text = args.value("--date") {
            return try Arguments.day(text, option: "--date")
        }
        let now = clock.now()
        return config.calendar.businessDate(of: now).adding(days: -1)
    }

    /// For commands that write: the store must be there and be ours (only `init` makes one);
    /// an older schema is brought up to date.
    func openStore() throws -> Database {
        let db = try StoreFile.openForSettlement(dbPath, for: .write)
        try db.checkpointInBackground()
        return db
    }

    /// For commands that only read: the store must be there and be ours, at this program's
    /// schema; the connection never writes to it.
    func openExistingStore() throws -> Database {
        try StoreFile.openForSettlement(dbPath, for: .read)
    }

    /// The store's lock, for a command that writes to a store that must be there: a path that
    /// is not a store is refused first, so that not even the lock file is made beside it.
    func lock(_ command: String) throws -> StoreLock {
        try StoreFile.check(dbPath)
        return try StoreLock(storePath: dbPath, holder: "mallsettle \(command) (pid \(getpid()), since \(since))")
    }

    /// Records the store in the reports folder it is about to write into, or refuses a
    /// folder of another store (SPEC §11).
    func claimReports(_ db: Database, _ folder: String? = nil) throws {
        guard let storeID = try db.storeID() else { preconditionFailure("a store at this schema has its id") }
        try ReportsFolder.claim(folder ?? reportsDir, storeID: storeID, storePath: db.path)
    }

    /// When a lock was taken, for its holder text (`2026-11-11 01:02:03 +0000`).
    var since: Date { Date(timeIntervalSince1970: TimeInterval(clock.now().epochSeconds)) }

    var progress: ProgressLog {
        if args.flags.contains("--quiet") { return ProgressLog(enabled: false, clock: clock) }
        if args.flags.contains("--progress") { return ProgressLog(enabled: true, clock: clock) }
        return ProgressLog(enabled: isatty(2) == 1, clock: clock)
    }
}

func main() -> Int32 {
    let argv = Array(CommandLine.arguments.dropFirst())
    if argv.first == "--version" {
        say("mallsettle \(MallSettleVersion.current)")
        return 0
    }
    if argv.isEmpty || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help" {
        say(Help.overview)
        return argv.isEmpty ? ExitStatus.usage.rawValue : 0
    }
    do {
        let args = try Arguments(argv)
        if args.wantsHelp {
            guard let text = Help.byCommand[args.command] else {
                throw UsageError(message: "unknown command '\(args.command)'")
            }
            say(text)
            return 0
        }
        return try Commands.dispatch(Context(args: args)).rawValue
    } catch let error as UsageError {
        complain("mallsettle: \(error.message)\nRun `mallsettle --help` for usage.")
        return ExitStatus.usage.rawValue
    } catch let error as ConfigError {
        complain("mallsettle: configuration error: \(error)")
        return ExitStatus.usage.rawValue
    } catch let refusal as StoreRefusal {
        complain("mallsettle: \(refusal.message)")
        return ExitStatus.usage.rawValue
    } catch let held as StoreLock.Held {
        complain("mallsettle: \(held)")
        return ExitStatus.locked.rawValue
    } catch {
        complain("mallsettle: \(error)")
        return ExitStatus.failed.rawValue
    }
}

exit(main())
