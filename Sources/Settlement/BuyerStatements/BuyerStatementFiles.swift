// BuyerStatementFiles: writes the buyer statements that are due (SPEC §7–8, §10) — a rebate
// statement per buyer and settled rebate period, a bill statement per buyer and bill — into
// their folders under the reports folder:
//
//   buyers/{buyer folder}/rebates/{monthly|yearly}/{period id}/   (a settled rebate period)
//   buyers/{buyer folder}/bills/{bill date}/                     (a bill, on its bill day)
//
// each holding lines.csv, summary.csv, statement.html, statement.zh-CN.html, statement.xlsx.
// A buyer id is free text from the feeds: `folderName` makes a safe, distinct folder name of
// it. Files are written aside and renamed (FolderWriter → AtomicFile), made durable by one
// sync, and only then is the statement no longer due: a command killed before that writes it
// again, the same bytes; once written it is never written again.

import MallCore
import MallIO
import MallStore

/// Buyer statements that could not be written: they stay due for the next command.
public struct BuyerStatementsNotWritten: Error, CustomStringConvertible {
    public let failures: [(path: String, error: any Error)]

    public var description: String {
        let more = failures.count > 1 ? " (and \(failures.count - 1) more)" : ""
        return "\(failures.count) buyer statement(s) could not be written: \(failures[0].path): \(failures[0].error)\(more). "
            + "They stay due and are written by the next run or close that can; the store is unharmed"
    }
}

public enum BuyerStatementFiles {
    /// Writes every buyer statement due; returns how many were written.
    @discardableResult
    public static func writePending(_ db: Database, reportsDir: String) throws -> Int {
        let due = try BuyerStatementStore.due(db)
        guard !due.isEmpty else { return 0 }
        let writer = FolderWriter()
        var submitted: [(BuyerStatementStore.Due, path: String, sha: String)] = []
        do {
            for statement in due {
                let document = try document(db, statement)
                let path = folder(document, reportsDir)
                writer.submit(FolderWriter.Folder(path: path, bytes: 4 * document.linesCSV.count + 16_384) {
                    try document.files()
                })
                submitted.append((statement, path, document.linesSHA256))
            }
        } catch {
            _ = writer.finish()
            throw error
        }
        let failures = writer.finish()
        let failed = Set(failures.map(\.path))
        // Every file is renamed into place whole; one sync makes them durable before the store
        // forgets that they were due (a crash before the flags are cleared writes them again).
        AtomicFile.syncFileSystem()
        FaultPoint.reach("buyer_statements.written")
        let written = submitted.filter { !failed.contains($0.path) }
        try BuyerStatementStore.written(db, written.map { ($0.0, $0.sha) })
        if !failures.isEmpty { throw BuyerStatementsNotWritten(failures: failures) }
        return written.count
    }

    /// A statement's content, read from the store.
    static func document(_ db: Database, _ statement: BuyerStatementStore.Due) throws -> BuyerStatementDocument {
        switch statement.kind {
        case .rebate:
            let cycle: RebateCycle = statement.cycle == RebateCycle.yearly.storeCode ? .yearly : .monthly
            return try .rebate(db, buyer: statement.buyerID, cycle: cycle, periodID: statement.period)
        case .bill:
            return try .bill(db, buyer: statement.buyerID, billDate: statement.period)
        }
    }

    /// A statement's folder under `reportsDir`.
    static func folder(_ document: BuyerStatementDocument, _ reportsDir: String) -> String {
        let buyer = "\(reportsDir)/buyers/\(folderName(document.buyerID))"
        switch document.kind {
        case .rebate: return "\(buyer)/rebates/\(document.cycle)/\(document.period)"
        case .bill: return "\(buyer)/bills/\(document.period)"
        }
    }

    /// Folder names longer than this are shortened (`~` and a hash).
    static let folderNameBytesMax = 120

    /// A folder name for a buyer id that names one folder and nothing else: letters A–Z and
    /// a–z, digits, `-`, `_` and `.` stay (a leading `.` does not); every other byte is
    /// written `%XX` (so `%` and `~` never stand for themselves and different ids give
    /// different names); an empty id is `~empty`; a name that would pass
    /// `folderNameBytesMax` bytes keeps its first 80 and ends in `~` and 16 hex digits of the
    /// id's SHA-256.
    public static func folderName(_ id: String) -> String {
        guard !id.isEmpty else { return "~empty" }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for (index, byte) in id.utf8.enumerated() {
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || (byte == UInt8(ascii: ".") && index > 0)
            if safe {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        if out.count > folderNameBytesMax {
            var cut = 80
            // Never cut inside a `%XX`.
            if out[cut - 1] == UInt8(ascii: "%") { cut -= 1 } else if out[cut - 2] == UInt8(ascii: "%") { cut -= 2 }
            var sha = SHA256()
            sha.update(Array(id.utf8))
            out = Array(out[..<cut]) + [UInt8(ascii: "~")] + Array(sha.finalizeHex().utf8.prefix(16))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
