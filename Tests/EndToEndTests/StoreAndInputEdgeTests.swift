// The edges of the store and of the input (issue 15, items 4, 9 and the rest of 5), as a
// user meets them: only `init` creates a store and nothing else is touched; a reports folder
// belongs to one store; `make run` deletes only what it made; a header naming a column twice,
// NFC against NFD, impossible values, unreadable files and a GBK export; `generate`'s own
// refusals.

import Foundation
import XCTest

final class StoreAndInputEdgeTests: XCTestCase {
    // MARK: - Helpers

    /// Runs a shell command in `directory`; its exit status.
    @discardableResult
    func sh(_ command: String, in directory: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try? process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Every entry of a folder with its bytes and modification time: what "changes nothing"
    /// is checked against (a lock, -wal or -shm file beside a store shows up here).
    func snapshot(_ folder: String) throws -> [String: String] {
        var seen: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let path = folder + "/" + name
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let bytes = FileManager.default.contents(atPath: path) ?? Data()
            seen[name] = "\(bytes.base64EncodedString()) \(modified)"
        }
        return seen
    }

    func storeID(_ db: String, in scratch: Scratch) throws -> String {
        let status = try Binary.run(["status", "--db", db, "--json"], in: scratch.root)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], status.stderr)
        return try XCTUnwrap(object["store_id"] as? String)
    }

    /// The scratch folder as the binary's working directory names it (symbolic links resolved).
    func realRoot(_ scratch: Scratch) -> String {
        URL(fileURLWithPath: scratch.root).resolvingSymlinksInPath().path
    }

    static let orderHeader = "order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at\n"
    static func order(_ id: String, sku: String = "SKU-1", paid: String = "2026-11-10T09:00:00+08:00") -> String {
        "\(id),1,SUP-A,\(sku),digital/phone,1,100.00,100.00,wechat,\(paid),\(paid)\n"
    }

    // MARK: - Item 4: stores

    func testOnlyInitCreatesAStoreAndWhatIsNotAStoreIsLeftUntouched() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try scratch.write("inbox/orders-1110.csv", Self.orderHeader + Self.order("O-1"))
        try scratch.write("feed.csv", Self.orderHeader + Self.order("O-1"))
        try scratch.write("empty.db", "")
        var noise = [UInt8](repeating: 0, count: 4096)
        for i in noise.indices { noise[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        try Data(noise).write(to: URL(fileURLWithPath: scratch.path("random.db")))
        // Another program's SQLite databases: one in rollback mode, one in WAL mode.
        let made = sh("""
            python3 -c "import sqlite3
            for name, wal in (('foreign.db', False), ('foreign-wal.db', True)):
                c = sqlite3.connect(name)
                if wal: c.execute('PRAGMA journal_mode=WAL')
                c.execute('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
                c.execute(\\"INSERT INTO notes(body) VALUES ('keep me')\\")
                c.commit()
                c.close()"
            """, in: scratch.root)
        guard made == 0 else { throw XCTSkip("python3 with sqlite3 is needed to make another program's database") }
        // Files a user might point --db at by mistake; mtimes in the past so a touch would show.
        sh("touch -d '2026-01-02 03:04:05' empty.db random.db foreign.db foreign-wal.db", in: scratch.root)
        let before = try snapshot(scratch.root)

        let messages = [
            "none.db": "mallsettle: no store at none.db: give --db PATH, or create one with `mallsettle init --db none.db`\n",
            "empty.db": "mallsettle: empty.db is an empty file (0 bytes), not a MallSettle store — is --db right? "
                + "(`mallsettle init --db empty.db` makes a store there)\n",
            "random.db": "mallsettle: random.db is not a MallSettle store (not an SQLite database) — is --db right?\n",
            "foreign.db": "mallsettle: foreign.db is not a MallSettle store (an SQLite database without MallSettle's tables) — is --db right?\n",
            "foreign-wal.db": "mallsettle: foreign-wal.db is not a MallSettle store (an SQLite database without MallSettle's tables) — is --db right?\n",
            "inbox": "mallsettle: inbox is a folder, not a MallSettle store — is --db right?\n",
        ]
        let common = ["--config", "mall.json", "--reports", "R", "--date", "2026-11-10"]
        for (db, message) in messages.sorted(by: { $0.key < $1.key }) {
            let commands: [[String]] = [
                ["ingest", "orders", "feed.csv"] + common,
                ["run", "--inbox", "inbox"] + common,
                ["close", "--through", "2026-10-31"] + common,
                ["export", "sheets"], ["status"], ["verify"],
                ["reconcile", "--replay", "feed.csv", "--catalog", "mall.json"],
            ]
            for command in commands {
                let outcome = try Binary.run(command + ["--db", db], in: scratch.root)
                XCTAssertEqual(outcome.status, 2, "\(db) \(command[0])")
                if command[0] == "reconcile" { continue }  // its catalog is refused first here
                XCTAssertEqual(outcome.stderr, message, "\(db) \(command[0])")
                XCTAssertEqual(outcome.stdout, "", "\(db) \(command[0])")
            }
            XCTAssertEqual(try snapshot(scratch.root), before, "\(db): nothing changed, nothing written beside it")
        }
        // init refuses what is not a store, and leaves it as it is.
        for db in ["random.db", "foreign.db", "foreign-wal.db"] {
            let refused = try Binary.run(["init", "--db", db], in: scratch.root)
            XCTAssertEqual(refused.status, 2, db)
            XCTAssertEqual(refused.stderr, messages[db], db)
        }
        XCTAssertEqual(try snapshot(scratch.root), before)

        // init makes a store where there is none (and in a 0-byte file); then the commands work.
        let created = try Binary.run(["init", "--db", "none.db"], in: scratch.root)
        XCTAssertEqual(created.status, 0, created.stderr)
        let id = try storeID("none.db", in: scratch)
        XCTAssertEqual(id.count, 32)
        XCTAssertEqual(created.stdout, "store none.db at schema 14 (applied 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), id \(id)\n")
        XCTAssertEqual(try Binary.run(["init", "--db", "none.db"], in: scratch.root).stdout,
                       "store none.db is up to date (schema 14, id \(id))\n")
        XCTAssertEqual(try Binary.run(["init", "--db", "empty.db"], in: scratch.root).status, 0)
        let run = try Binary.run(["run", "--inbox", "inbox", "--db", "none.db"] + common, in: scratch.root)
        XCTAssertEqual(run.status, 0, run.stderr)

        // A command that only reads leaves the store's bytes, time and folder as they were.
        sh("touch -d '2026-01-02 03:04:05' none.db", in: scratch.root)
        let store = try snapshot(scratch.root)
        for command in [["status"], ["export", "fee-lines"], ["verify"]] {
            XCTAssertEqual(try Binary.run(command + ["--db", "none.db"], in: scratch.root).status, 0, command[0])
        }
        XCTAssertEqual(try snapshot(scratch.root), store, "reading wrote nothing, left no -wal or -shm")
    }

    func testAnOlderStoreIsBroughtUpToDateByWritersAndRefusedByReaders() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try scratch.write("inbox/orders-1110.csv", Self.orderHeader + Self.order("O-1"))
        try Binary.initStore("old.db", in: scratch.root)
        // The store as a mallsettle of schema 10 left it: without the analysts' views (11), the
        // reports' kept facts (12), the matched items apart (13) nor the movements waiting for
        // their bill (14).
        let downgraded = sh("""
            python3 -c "import sqlite3
            c = sqlite3.connect('old.db')
            for (name,) in c.execute(\\"SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'v!_%' ESCAPE '!'\\").fetchall():
                c.execute('DROP VIEW ' + name)
            for (name,) in c.execute(\\"SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'report!_%' ESCAPE '!'\\").fetchall():
                c.execute('DROP TABLE ' + name)
            c.execute('DROP INDEX refunds_accepted_run')
            c.execute('ALTER TABLE refunds DROP COLUMN accepted_run')
            c.execute('DROP TABLE recon_matched')
            c.execute('DROP TABLE credit_unbilled')
            c.execute('DELETE FROM schema_migrations WHERE version IN (11, 12, 13, 14)')
            c.commit()
            c.close()"
            """, in: scratch.root)
        guard downgraded == 0 else { throw XCTSkip("python3 with sqlite3 is needed to make a store of schema 10") }
        sh("touch -d '2026-01-02 03:04:05' old.db", in: scratch.root)
        let before = try snapshot(scratch.root)
        for command in [["status"], ["export", "sheets"], ["verify"]] {
            let refused = try Binary.run(command + ["--db", "old.db"], in: scratch.root)
            XCTAssertEqual(refused.status, 2, command[0])
            XCTAssertEqual(refused.stderr, "mallsettle: the store old.db is at schema 10 and this mallsettle reads schema 14: "
                           + "bring it up to date with `mallsettle init --db old.db` (this command only reads the store)\n")
        }
        XCTAssertEqual(try snapshot(scratch.root), before, "a command that only reads never writes, even to migrate")
        // A command that writes brings it up to date.
        let run = try Binary.run(["run", "--inbox", "inbox", "--config", "mall.json", "--db", "old.db", "--reports", "R",
                                  "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(run.status, 0, run.stderr)
        let status = try Binary.run(["status", "--db", "old.db"], in: scratch.root)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("store id: \(try storeID("old.db", in: scratch)) (schema 14)\n"), status.stdout)
    }

    func testAReportsFolderBelongsToOneStoreAndClosedStatementsStayClosed() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try scratch.write("inbox/orders-1110.csv", Self.orderHeader + Self.order("O-1") + Self.order("O-2"))
        try Binary.initStore("a.db", in: scratch.root)
        try Binary.initStore("b.db", in: scratch.root)
        let (a, b) = (try storeID("a.db", in: scratch), try storeID("b.db", in: scratch))
        func run(_ db: String, _ date: String) throws -> Outcome {
            try Binary.run(["run", "--inbox", "inbox", "--config", "mall.json", "--db", db, "--reports", "R", "--date", date],
                           in: scratch.root)
        }
        XCTAssertEqual(try run("a.db", "2026-11-30").status, 0)
        XCTAssertEqual(try scratch.read("R/.mallsettle-store"), "\(a)\n\(realRoot(scratch))/a.db\n")
        let close = try Binary.run(["close", "--through", "2026-11-30", "--config", "mall.json", "--db", "a.db", "--reports", "R"],
                                   in: scratch.root)
        XCTAssertEqual(close.status, 0, close.stderr)
        let closed = try scratch.tree("R/statements")
        XCTAssertTrue(closed.keys.contains { $0.hasSuffix("/lines.csv") }, "\(closed.keys)")
        let outputs = try scratch.tree("R")

        // Store b may not write into a's reports folder: refused before anything is written.
        let refusal = "mallsettle: the reports folder R belongs to another store: it holds the outputs of store \(a) "
            + "(\(realRoot(scratch))/a.db), and this is store \(b) (\(realRoot(scratch))/b.db); "
            + "give this store a reports folder of its own with --reports DIR\n"
        for command in [["run", "--inbox", "inbox", "--date", "2026-11-30"], ["close", "--through", "2026-10-31"],
                        ["ingest", "orders", "inbox/orders-1110.csv", "--date", "2026-11-30"]] {
            let refused = try Binary.run(command + ["--config", "mall.json", "--db", "b.db", "--reports", "R"], in: scratch.root)
            XCTAssertEqual(refused.status, 2, command[0])
            XCTAssertEqual(refused.stderr, refusal, command[0])
        }
        XCTAssertEqual(try scratch.tree("R"), outputs, "a's statements and manifests are untouched")
        XCTAssertTrue(try Binary.run(["status", "--db", "b.db"], in: scratch.root).stdout.contains("recent commands:\n"))
        XCTAssertFalse(try Binary.run(["status", "--db", "b.db"], in: scratch.root).stdout.contains("  2026"), "b ran nothing")

        // A later night of a brings a late line of the closed period and December's first:
        // the closed sheet's statement files stay as the close wrote them; December gets a draft.
        try scratch.write("inbox/orders-1201.csv", Self.orderHeader + Self.order("O-3", paid: "2026-11-20T09:00:00+08:00")
                          + Self.order("O-4", paid: "2026-12-01T09:00:00+08:00"))
        XCTAssertEqual(try run("a.db", "2026-12-01").status, 0)
        let after = try scratch.tree("R/statements")
        for (name, bytes) in closed { XCTAssertEqual(after[name], bytes, "\(name) of the closed sheet is unchanged") }
        XCTAssertTrue(after.keys.contains { $0.hasPrefix("2026-12-01/") && $0.hasSuffix("/summary.csv") }, "\(after.keys)")
    }

    func testMakeRunDeletesOnlyTheStoreAndReportsItMade() throws {
        let scratch = try Scratch()
        // A checkout with one sample night: the script, its pipeline and the sample's journal.
        for file in ["Pipelines/sample-nights.sh", "Pipelines/nightly.json", "Pipelines/mall.json",
                     "SampleData/journal.jsonl", "SampleData/catalog.json"] {
            try FileManager.default.createDirectory(atPath: (scratch.path(file) as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Binary.packageRoot + "/" + file, toPath: scratch.path(file))
        }
        try FileManager.default.createDirectory(atPath: scratch.path("SampleData/days"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Binary.packageRoot + "/SampleData/days/2026-10-01",
                                         toPath: scratch.path("SampleData/days/2026-10-01"))
        func bash() throws -> Outcome {
            try Binary.run(["Pipelines/sample-nights.sh", Binary.path], in: scratch.root, executable: "/bin/bash")
        }

        // Someone's own store at the default path: make run refuses and changes nothing.
        try Binary.initStore("var/mallsettle.db", in: scratch.root)
        let theirs = try storeID("var/mallsettle.db", in: scratch)
        let before = try snapshot(scratch.path("var"))
        let refused = try bash()
        XCTAssertEqual(refused.status, 2, refused.stdout)
        XCTAssertEqual(refused.stderr, "make run: var/mallsettle.db was not made by make run (store id \(theirs)); "
                       + "move it away, or use it with --db, and run make run again.\n"
                       + "make run deletes only the store and reports it made itself; nothing was changed.\n")
        XCTAssertEqual(try snapshot(scratch.path("var")), before)
        try FileManager.default.moveItem(atPath: scratch.path("var"), toPath: scratch.path("mine"))

        // Reports of no recorded store: refused too.
        try scratch.write("Reports/runs/20261001-r000001.json", "{}\n")
        let unowned = try bash()
        XCTAssertEqual(unowned.status, 2)
        XCTAssertTrue(unowned.stderr.hasPrefix("make run: Reports/runs holds outputs that no store is recorded for"), unowned.stderr)
        XCTAssertEqual(try scratch.read("Reports/runs/20261001-r000001.json"), "{}\n")
        try FileManager.default.removeItem(atPath: scratch.path("Reports/runs"))

        // A clean checkout: make run makes its store and records it; a second make run starts afresh.
        let first = try bash()
        XCTAssertEqual(first.status, 0, first.stderr)
        let made = try storeID("var/mallsettle.db", in: scratch)
        XCTAssertEqual(try scratch.read("var/.made-by-make-run"), made + "\n")
        XCTAssertEqual(ReportsOwner.id(scratch.path("Reports")), made)
        let second = try bash()
        XCTAssertEqual(second.status, 0, second.stderr)
        let again = try storeID("var/mallsettle.db", in: scratch)
        XCTAssertNotEqual(again, made, "a fresh store")
        XCTAssertEqual(ReportsOwner.id(scratch.path("Reports")), again)

        // Reports that another store wrote into: refused, and nothing is deleted.
        try Binary.initStore("mine/other.db", in: scratch.root)
        try FileManager.default.removeItem(atPath: scratch.path("Reports/.mallsettle-store"))
        let reconcile = try Binary.run(["reconcile", "--replay", "SampleData/journal.jsonl", "--catalog", "SampleData/catalog.json",
                                        "--db", "mine/other.db"], in: scratch.root)
        XCTAssertEqual(reconcile.status, 3, reconcile.stderr)  // the other store holds none of the journal's rows
        let other = try storeID("mine/other.db", in: scratch)
        let reports = try scratch.tree("Reports")
        let foreign = try bash()
        XCTAssertEqual(foreign.status, 2)
        XCTAssertEqual(foreign.stderr, "make run: Reports/ holds the outputs of store \(other), which make run did not make; "
                       + "give that store's commands --reports DIR of their own, or move Reports/ away.\n"
                       + "make run deletes only the store and reports it made itself; nothing was changed.\n")
        XCTAssertEqual(try scratch.tree("Reports"), reports)
    }

    // MARK: - Item 9: input the contract pins

    func testAHeaderNamingAColumnTwiceRejectsTheFileWhole() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try Binary.initStore(in: scratch.root)
        let header = "order_id,line_no,supplier_id,sku,category,quantity,unit_price,paid_cash,payment_channel,ordered_at,paid_at,sku\n"
        try scratch.write("orders-dup.csv", header + "O-1,1,SUP-A,SKU-1,digital/phone,1,100.00,100.00,wechat,"
                          + "2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00,SKU-OTHER\n")
        // Unknown extra columns may repeat.
        try scratch.write("orders-extra.csv", String(Self.orderHeader.dropLast()) + ",note,note\n"
                          + String(Self.order("O-2").dropLast()) + ",a,b\n")
        let ingest = try Binary.run(["ingest", "orders", "orders-dup.csv", "orders-extra.csv", "--config", "mall.json", "--db", "s.db",
                                     "--reports", "R", "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(ingest.status, 3, ingest.stderr)
        XCTAssertEqual(ingest.stdout, """
            ingest 20261110-r000001 as of 2026-11-10; 2 new file(s), 0 already stored, 1 rows read; 1 quarantined (see quarantine/20261110-r000001.csv)
            REJECTED orders-dup.csv: duplicate_column — nothing of it was stored; deliver it again
              the header names column "sku" twice (fields 4 and 12)

            """)
        XCTAssertEqual(try scratch.read("R/quarantine/20261110-r000001.csv"), """
            file,line,column,reason,message,raw
            orders-dup.csv,0,12,duplicate_column,"the header names column ""sku"" twice (fields 4 and 12)",

            """)
        let lines = try Binary.run(["export", "fee-lines", "--db", "s.db"], in: scratch.root).stdout
        XCTAssertFalse(lines.contains("O-1"), "nothing of the rejected file was stored")
    }

    func testCafeInNFCAndInNFDAreDifferentValues() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try Binary.initStore(in: scratch.root)
        let nfc = "Caf\u{E9}", nfd = "Cafe\u{301}"
        XCTAssertEqual(nfc, nfd, "Swift's == calls them equal")
        XCTAssertNotEqual(Array(nfc.utf8), Array(nfd.utf8))
        try scratch.write("orders-a.csv", Self.orderHeader + Self.order("O-1", sku: nfc))
        try scratch.write("orders-b.csv", Self.orderHeader + Self.order("O-1", sku: nfd))
        try scratch.write("orders-c.csv", Self.orderHeader + Self.order("O-1", sku: nfc) + Self.order("O-9"))
        let ingest = try Binary.run(["ingest", "orders", "orders-a.csv", "orders-b.csv", "orders-c.csv", "--config", "mall.json",
                                     "--db", "s.db", "--reports", "R", "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(ingest.status, 3, ingest.stderr)
        XCTAssertEqual(try scratch.read("R/quarantine/20261110-r000001.csv"), """
            file,line,column,reason,message,raw
            orders-b.csv,2,4,conflicting_redelivery,sku differs from the row already stored (first delivered at line 2); the stored row is kept,"O-1,1,SUP-A,\(nfd),digital/phone,1,100.00,100.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00"

            """)
        let manifest = try scratch.read("R/runs/20261110-r000001.json")
        XCTAssertTrue(manifest.contains(#""duplicate" : 1"#), manifest)  // orders-c's O-1, byte for byte the same
    }

    func testImpossibleValuesAndUnreadableFilesSayWhy() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try Binary.initStore(in: scratch.root)
        try FileManager.default.createDirectory(atPath: scratch.path("a-folder.csv"), withIntermediateDirectories: true)
        try scratch.write("orders.csv", Self.orderHeader + Self.order("O-1"))
        let common = ["--config", "mall.json", "--db", "s.db", "--reports", "R"]
        for (arguments, message) in [
            (["ingest", "orders", "orders.csv", "--date", "2026-02-30"] + common, "mallsettle: --date '2026-02-30': there is no such date"),
            (["ingest", "widgets", "orders.csv"] + common,
             "mallsettle: 'widgets' is not a kind of feed; KIND is one of orders, refunds, payments, repayments, adjustments, payouts"),
            (["export", "sheets", "--period", "2026-10-32", "--db", "s.db"], "mallsettle: --period '2026-10-32': there is no such date"),
            (["export", "sheets", "--period", "2026-10-32", "--db", "no-store.db"], "mallsettle: --period '2026-10-32': there is no such date"),
            (["ingest", "orders", "missing.csv"] + common, "mallsettle: cannot read missing.csv: no such file"),
            (["ingest", "orders", "a-folder.csv"] + common, "mallsettle: cannot read a-folder.csv: it is a folder, not a file"),
            (["replay", "--journal", "a-folder.csv", "--catalog", "mall.json", "--out", "x"],
             "mallsettle: cannot read a-folder.csv: it is a folder, not a file"),
        ] {
            let refused = try Binary.run(arguments, in: scratch.root)
            XCTAssertEqual(refused.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(refused.stderr, message + "\nRun `mallsettle --help` for usage.\n", arguments.joined(separator: " "))
        }
        for (arguments, message) in [
            (["run", "--inbox", "inbox", "--config", "missing.json", "--db", "s.db"],
             "mallsettle: configuration error: missing.json: $: cannot read the configuration file: no such file\n"),
            (["ingest", "orders", "orders.csv", "--config", "a-folder.csv", "--db", "s.db"],
             "mallsettle: configuration error: a-folder.csv: $: cannot read the configuration file: it is a folder, not a file\n"),
        ] {
            let refused = try Binary.run(arguments, in: scratch.root)
            XCTAssertEqual(refused.status, 2, arguments.joined(separator: " "))
            XCTAssertEqual(refused.stderr, message)
        }
        guard getuid() != 0 else { return }  // root reads every file: no "permission denied" to see
        try scratch.write("locked.csv", Self.orderHeader)
        XCTAssertEqual(chmod(scratch.path("locked.csv"), 0), 0)
        let denied = try Binary.run(["ingest", "orders", "locked.csv"] + common, in: scratch.root)
        XCTAssertEqual(denied.stderr, "mallsettle: cannot read locked.csv: permission denied\nRun `mallsettle --help` for usage.\n")
    }

    func testAGBKExportIsRejectedWholeSayingWhereAndHowToFixIt() throws {
        let scratch = try Scratch()
        try scratch.write("mall.json", CommandLineTests.config)
        try Binary.initStore(in: scratch.root)
        // Excel's plain "CSV" on a Chinese system: an ASCII header, then GBK (中文 = D6 D0 CE C4).
        var bytes = Array(Self.orderHeader.utf8)
        for id in ["O-1", "O-2"] {
            bytes += Array("\(id),1,SUP-A,SKU-".utf8) + [0xD6, 0xD0, 0xCE, 0xC4]
                + Array(",digital,1,100.00,100.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00\n".utf8)
        }
        try scratch.write("inbox/orders-ok.csv", Self.orderHeader + Self.order("O-3", sku: "SKU-中文"))
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.path("inbox/orders-gbk.csv")))
        let run = try Binary.run(["run", "--inbox", "inbox", "--config", "mall.json", "--db", "s.db", "--reports", "R",
                                  "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(run.status, 3, run.stderr)
        let advice = "the file is not UTF-8: line 2, column 17 holds the byte 0xD6, which UTF-8 does not allow there "
            + "(GBK or another legacy encoding, as Excel's plain \"CSV\" saves Chinese text); "
            + "save it as \"CSV UTF-8\" or convert it (iconv -f GBK -t UTF-8 FILE > FILE.utf8) and deliver it again"
        XCTAssertEqual(run.stdout, """
            run 20261110-r000001 as of 2026-11-10; 2 new file(s), 0 already stored, 1 rows read; 2 fee lines posted; 1 quarantined (see quarantine/20261110-r000001.csv)
            REJECTED inbox/orders-gbk.csv: not_utf8 — nothing of it was stored; deliver it again
              \(advice)

            """)
        let quarantine = try scratch.read("R/quarantine/20261110-r000001.csv")
        XCTAssertEqual(quarantine, "file,line,column,reason,message,raw\ninbox/orders-gbk.csv,0,0,not_utf8,\""
                       + advice.replacingOccurrences(of: "\"", with: "\"\"") + "\",\n")
        // One stray byte in a UTF-8 file is still only its row's error.
        try Data(Array(Self.orderHeader.utf8) + Array("O-4,1,SUP-A,SKU-".utf8) + [0xD6]
                 + Array(",digital,1,100.00,100.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:00:00+08:00\n".utf8)
                 + Array(Self.order("O-5").utf8)).write(to: URL(fileURLWithPath: scratch.path("inbox/orders-stray.csv")))
        let night = try Binary.run(["run", "--inbox", "inbox", "--config", "mall.json", "--db", "s.db", "--reports", "R",
                                    "--date", "2026-11-10"], in: scratch.root)
        XCTAssertEqual(night.status, 3)
        XCTAssertTrue(try scratch.read("R/quarantine/20261110-r000002.csv").contains("inbox/orders-stray.csv,2,4,malformed_row,invalid UTF-8 in field 4,"))
    }

    // MARK: - Item 5: generate

    func testGenerateExitsZeroWhenOnlyItsOwnRefusalsWereRefused() throws {
        let scratch = try Scratch()
        let outcome = try Binary.run(["generate", "--days", "10", "--orders-per-day", "60", "--suppliers", "4", "--buyers", "60",
                                      "--seed", "1", "--out", "g"], in: scratch.root)
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(outcome.stdout, """
            generate: catalog.json, mall.json and journal.jsonl in g/; 2142 events (2139 accepted, 3 refused); 1357 order rows, 28 refund rows, 176 payment rows, 1 repayment rows over 10 days; feeds in g/days/
            generate: 3 refused on purpose (a frozen dealer paying, a buyer too late for the last units), listed in g/days/rejected.csv

            """)
        XCTAssertEqual(try scratch.read("g/days/rejected.csv"), """
            line,event,reason,message
            1131,pay,credit_frozen,the buyer's credit account is frozen
            1595,pay,credit_frozen,the buyer's credit account is frozen
            1649,pay,credit_frozen,the buyer's credit account is frozen

            """)
    }
}

/// The store id a reports folder records.
enum ReportsOwner {
    static func id(_ folder: String) -> String? {
        guard let data = FileManager.default.contents(atPath: folder + "/.mallsettle-store") else { return nil }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}
