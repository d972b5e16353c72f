// ReportsFolder: a reports folder belongs to one store (SPEC §11). The first command that
// writes into a folder records its store's id there, in `.mallsettle-store`; a command of
// another store that would write into it is refused (exit 2) naming both, before it writes
// anything. Also the store openings of the commands, with Settlement's migrations.

import Foundation
import MallIO
import MallStore

public enum ReportsFolder {
    /// The file in a reports folder naming the store it belongs to: the store's id on the
    /// first line, the store's path when it was recorded on the second (for people).
    public static let markerName = ".mallsettle-store"

    /// Records `storeID` in `folder` when the folder has no owner yet (creating the folder),
    /// or checks that the folder is this store's. Throws `StoreRefusal` when it belongs to
    /// another store.
    public static func claim(_ folder: String, storeID: String, storePath: String) throws {
        let marker = "\(folder)/\(markerName)"
        if let owner = owner(of: folder) {
            guard owner.id != storeID else { return }
            let theirs = owner.path.map { " (\($0))" } ?? ""
            throw StoreRefusal(message: "the reports folder \(folder) belongs to another store: it holds the outputs of store "
                               + "\(owner.id)\(theirs), and this is store \(storeID) (\(absolute(storePath))); "
                               + "give this store a reports folder of its own with --reports DIR")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AtomicFile.write("\(storeID)\n\(absolute(storePath))\n", to: marker)
    }

    /// The store a folder belongs to: its id and the path it was recorded with; nil when
    /// the folder has no marker.
    public static func owner(of folder: String) -> (id: String, path: String?)? {
        guard let data = FileManager.default.contents(atPath: "\(folder)/\(markerName)") else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let id = lines.first.map(String.init) ?? ""
        let path = lines.count > 1 && !lines[1].isEmpty ? String(lines[1]) : nil
        return (id, path)
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

extension StoreFile {
    /// Opens the store at `path` for a command (`StoreFile.open`), with Settlement's migrations.
    public static func openForSettlement(_ path: String, for access: StoreAccess) throws -> Database {
        try open(path, for: access, adding: Database.settlementMigrations)
    }

    /// `init`'s `StoreFile.create`, with Settlement's migrations.
    public static func createForSettlement(_ path: String) throws -> (Database, applied: [Int]) {
        try create(path, adding: Database.settlementMigrations)
    }

    /// `StoreFile.checkCreatable` with Settlement's migrations: what `init` checks before it
    /// takes the store's lock.
    public static func checkCreatableForSettlement(_ path: String) throws {
        try checkCreatable(path, adding: Database.settlementMigrations)
    }
}
