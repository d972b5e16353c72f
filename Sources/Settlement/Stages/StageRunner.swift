// StageRunner: runs a command's stages top to bottom — each timed into the run record,
// announced on the progress log, and bracketed by its fault points — and decides the exit
// status from the record, in one place for every command.

import Foundation
import MallCore

extension Nightly {
    /// Runs `stages` in order into `record`, passing over those whose needs `context` does
    /// not meet. The first stage that throws stops the command: its failure (or a close's
    /// refusal) goes to the record, and nothing of that stage is kept (each stage writes in
    /// one transaction).
    func runStages(_ stages: [Stage], _ context: StageContext, into record: inout RunRecord) {
        var timings: [(String, Int)] = []
        do {
            for stage in stages where stage.needs.isSubset(of: context.available) {
                MemoryPeak.restart()
                defer { record.stagePeakMiB[stage.name] = MemoryPeak.mebibytes() }
                try timed(stage.name, &timings) { try stage.work(context, &record) }
            }
        } catch let refused as CloseRefused {
            record.refusal = refused.message
            record.failure = refused.message
        } catch {
            record.failure = String(describing: error)
        }
        record.stageMillis = timings
    }

    /// Times one stage into `timings`, announcing it and reaching `NAME.before` and
    /// `NAME.after` (the crash tests kill the process there).
    private func timed(_ name: String, _ timings: inout [(String, Int)], _ body: () throws -> Void) rethrows {
        let started = clock.elapsedNanos()
        progress.note("\(name)…")
        defer {
            let elapsedMillis = Int((clock.elapsedNanos() - started) / 1_000_000)
            timings.append((name, elapsedMillis))
        }
        FaultPoint.reach("\(name).before")
        try body()
        FaultPoint.reach("\(name).after")
    }
}

/// The process's peak resident memory since the last `restart`, from Linux's `/proc/self`
/// (`VmHWM`, which writing 5 to `clear_refs` sets back to the current size): a stage's own
/// peak, for the run manifest and `make bench`. Elsewhere both do nothing.
enum MemoryPeak {
    static func restart() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }

    static func mebibytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kib / 1024
    }
}

extension ExitStatus {
    /// The status a command's record calls for (SPEC §11), highest precedence first: a
    /// refused close is a usage error, any other failure a failure, quarantined rows or new
    /// breaks findings. The manifest and the `runs` row record this status, and the process
    /// returns it (`Nightly.finish` alone overrides it, with `.failed`, when it cannot record
    /// the run).
    static func of(_ record: RunRecord) -> ExitStatus {
        if record.refusal != nil { return .usage }
        if record.failure != nil { return .failed }
        let findings = !record.quarantined.isEmpty || !record.posting.newBreaks.isEmpty
            || !record.reconciliation.newBreaks.isEmpty
        return findings ? .doneWithFindings : .done
    }
}
