// The plain-record path of ingest (orders and refunds typed straight from CSV bytes) must
// stage exactly what the general path stages, and leave every row it does not accept to the
// general path, which refuses it with its reason, column and message.

import Foundation
import MallCore
import MallIO
import XCTest
@testable import Settlement

final class PlainRowTests: XCTestCase {
    /// Reads `path` both ways and returns (general, plain-first, rows the plain path took).
    private func bothWays(_ path: String, kind: FeedKind, config: MallConfig) throws -> ([String], [String], Int) {
        let schema = FeedSchemas.schema(for: kind)
        let stager = RowStager(config: config, fileID: 7)
        var general: [String] = []
        let first = try FeedReader(path: path, columns: schema.names, required: schema.requiredNames)
        while let row = try first.next() {
            general.append(Self.describe(Ingestor.prepare(row, kind: kind, schema: schema, stager: stager)))
        }
        var plainFirst: [String] = []
        var taken = 0
        let second = try FeedReader(path: path, columns: schema.names, required: schema.requiredNames)
        while try second.next(plain: { view in
            guard let row = Ingestor.preparePlain(view, kind: kind, stager: stager) else { return false }
            taken += 1
            plainFirst.append(Self.describe(row))
            return true
        }, otherwise: { plainFirst.append(Self.describe(Ingestor.prepare($0, kind: kind, schema: schema, stager: stager))) }) {}
        return (general, plainFirst, taken)
    }

    private static func describe(_ row: PreparedRow) -> String {
        switch row {
        case .refused(let line, let column, let reason, let message, let raw):
            return "refused \(line):\(column) \(reason.rawValue) \(message) | \(raw)"
        case .staged(let staged, let origin):
            return "staged \(staged.spec.table) \(staged.values) \(staged.extras) \(staged.laterFailure.map { "\($0.reason.rawValue):\($0.column) \($0.message)" } ?? "-") \(origin.line) \(origin.columns) \(origin.raw)"
        }
    }

    /// Cell values that are fine, odd but fine, or refused, per column type.
    private static let texts = ["", "X", "SKU-9", String(repeating: "L", count: 64), String(repeating: "L", count: 65),
                                "\"quoted, with comma\"", "\"doubled \"\"quote\"\"\"", "é"]
    private static let integers = ["", "0", "1", "2", "1000000", "1000001", "2.5", "-1", "007", "1e3",
                                   "1234567890123456789", " 1"]
    private static let amounts = ["", "0", "-0", "-0.00", "1.5", "1.555", "1e3", "12.30", "100.00", "100",
                                  "9000000000000.00", "9000000000000.01", "-1.00", ".5", "5.", "\"20.00\""]
    private static let instants = ["", "2026-11-10T09:00:00+08:00", "2026-11-10T09:00+08:00", "2026-11-10T01:00:00Z",
                                   "2026-11-10T09:00:00", "2026-02-30T09:00:00Z", "2026-11-10T09:00:00.123456789+0800",
                                   "2026-11-10T09:00:00+08"]

    /// `count` copies of the cells `good`, the n-th with id `id(n)`; a quarter of them as
    /// they are, the others with one to `editsMax` cells set to one of `choices(column, n)`.
    private static func mutations(of good: [String], count: Int, id: (Int) -> String, editsMax: UInt64, seed: UInt64,
                                  choices: (Int, Int) -> [String]) -> [String] {
        var random = SplitMix(seed: seed)
        return (0..<count).map { n in
            var cells = good
            cells[0] = id(n)
            let edits = n % 4 == 0 ? 0 : 1 + Int(random.next() % editsMax)
            for _ in 0..<edits {
                let column = Int(random.next() % UInt64(cells.count))
                let options = choices(column, n)
                cells[column] = options[Int(random.next() % UInt64(options.count))]
            }
            return cells.joined(separator: ",")
        }
    }

    func testPlainOrderRowsStageExactlyWhatTheGeneralPathStages() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let good = Fixture.workedOrder.components(separatedBy: ",")
        var rows = Self.mutations(of: good, count: 4_000, id: { "O-\($0)" }, editsMax: 3, seed: 20261205) { column, n in
            switch column {
            case 2, 8: return Self.integers
            case 9...16: return Self.amounts
            case 18...20: return Self.instants
            case 3: return ["SUP-A", "SUP-B", "SUP-P", "SUP-ZETA", ""]
            case 17: return ["", "wechat", "alipay"]
            case 21: return ["", "CNY", "USD"]
            case 1: return Self.texts + ["O-\(n)"]
            default: return Self.texts
            }
        }
        rows.append("O-short,P,1")  // a field count other than the header's
        let path = try ws.write("orders-plain.csv", Fixture.orders(rows[0], Array(rows.dropFirst())))
        let (general, plainFirst, taken) = try bothWays(path, kind: .orders, config: config)
        XCTAssertEqual(general.count, rows.count)
        for (index, pair) in zip(general, plainFirst).enumerated() where pair.0 != pair.1 {
            XCTFail("line \(index + 2): general \(pair.0)\nplain first \(pair.1)")
            break
        }
        XCTAssertEqual(general, plainFirst)
        // Every row staged without a later failure is one the plain path could take, except
        // those with a quoted cell holding a doubled quote or a non-ASCII byte.
        let cleanStaged = zip(general, rows).filter { $0.0.hasPrefix("staged") && $0.0.contains(" - ")
            && !$0.1.contains("\"\"") && !$0.1.contains("é") }.count
        XCTAssertEqual(taken, cleanStaged)
        XCTAssertGreaterThan(taken, 1_000)
        XCTAssertGreaterThan(general.filter { $0.hasPrefix("refused") }.count, 1_000)
    }

    func testPlainRefundRowsStageExactlyWhatTheGeneralPathStages() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let good = Fixture.workedReturn.components(separatedBy: ",")
        let rows = Self.mutations(of: good, count: 2_000, id: { "R-\($0)" }, editsMax: 2, seed: 7) { column, _ in
            switch column {
            case 2, 4: return Self.integers
            case 3: return ["cancel", "refund_only", "return", "swap", "", "Return"]
            case 5...9: return Self.amounts
            case 10: return Self.instants
            default: return Self.texts
            }
        }
        let path = try ws.write("refunds-plain.csv", Fixture.refunds(rows[0], Array(rows.dropFirst())))
        let (general, plainFirst, taken) = try bothWays(path, kind: .refunds, config: config)
        XCTAssertEqual(general, plainFirst)
        XCTAssertGreaterThan(taken, 500)
        XCTAssertGreaterThan(general.filter { $0.hasPrefix("refused") }.count, 300)
    }
}

private extension Fixture {
    static func orders(_ first: String, _ rest: [String]) -> String { ([orderHeader, first] + rest).joined(separator: "\n") + "\n" }
    static func refunds(_ first: String, _ rest: [String]) -> String { ([refundHeader, first] + rest).joined(separator: "\n") + "\n" }
}
