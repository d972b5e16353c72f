// Fixtures: inline feeds and configurations in their real formats, a fresh folder per test.

import Foundation
import MallCore
import MallStore
import XCTest
@testable import Settlement

/// A temporary folder with a store, an inbox and a reports folder.
final class Workspace {
    let root: String
    var inbox: String { root + "/inbox" }
    var reports: String { root + "/reports" }
    var dbPath: String { root + "/store.db" }
    private(set) var db: Database!

    init() throws {
        root = NSTemporaryDirectory() + "mallsettle-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        db = try Database(path: dbPath)
        try db.migrateForSettlement()
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes `text` to `inbox/name` (or `path` when absolute).
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = name.hasPrefix("/") ? name : inbox + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: inbox + "/" + name) }

    /// Runs the nightly as of `date` over the inbox.
    @discardableResult
    func run(_ date: String, config: MallConfig) throws -> (RunRecord, ExitStatus) {
        let nightly = Nightly(db: db, config: config, reportsDir: reports, progress: ProgressLog(enabled: false))
        let (record, status) = nightly.run(asOf: Day(parsing: date)!, inbox: inbox, pipeline: .everyStage)
        return (try XCTUnwrap(record), status)
    }

    @discardableResult
    func close(_ through: String, config: MallConfig, supplier: String? = nil) throws -> (RunRecord?, ExitStatus, String?) {
        let nightly = Nightly(db: db, config: config, reportsDir: reports, progress: ProgressLog(enabled: false))
        return nightly.close(through: Day(parsing: through)!, supplierID: supplier, asOf: Day(parsing: through)!)
    }

    func export(_ kind: ExportKind, _ filter: ExportFilter = ExportFilter()) throws -> String {
        var bytes: [UInt8] = []
        try Exporter.export(kind, db: db, filter: filter) { bytes.append(contentsOf: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Fee lines as `sheet|code|source|amount|late|original` strings, in the order they were
    /// priced (within a run: forward lines by line and code, then the others as stored).
    func lines(where condition: String = "1 = 1") throws -> [String] {
        var out: [String] = []
        try db.query("SELECT sheet_id, fee_code, source_id, amount, late, original_period FROM (\(FeeLineExport.select)) WHERE \(condition) ORDER BY fee_line_id > 0, abs(fee_line_id)") {
            out.append("\($0.string(0))|\($0.string(1))|\($0.string(2))|\(Money(fen: $0.int(3)))|\($0.int(4))|\($0.string(5))")
        }
        return out
    }

    func quarantine() throws -> [String] {
        var out: [String] = []
        try db.query("SELECT file, line, col, reason FROM quarantine ORDER BY id") {
            out.append("\(($0.string(0) as NSString).lastPathComponent):\($0.int(1)):\($0.int(2)):\($0.string(3))")
        }
        return out
    }

    func sheet(_ id: String) throws -> (status: String, net: String, lines: Int64)? {
        var result: (String, String, Int64)?
        try db.query("SELECT status, net, lines FROM sheets WHERE sheet_id = ?", [.text(id)]) {
            result = ($0.string(0), Money(fen: $0.int(1)).description, $0.int(2))
        }
        return result
    }
}

enum Fixture {
    /// SPEC §4's example configuration (SUP-A monthly on completion, SUP-B weekly on payment).
    static let configJSON = """
    {
      "timezone": "Asia/Shanghai",
      "currency": "CNY",
      "suppliers": [
        {"id": "SUP-A", "name": "Acme Digital", "mode": "commission", "ships": "supplier",
         "cycle": "monthly", "cycle_day": 1, "settle_on": "completed", "entity": "ENT-BJ"},
        {"id": "SUP-B", "name": "Bamboo Office", "mode": "commission", "ships": "platform",
         "cycle": "weekly", "cycle_day": 1, "settle_on": "paid", "entity": "ENT-SH"},
        {"id": "SUP-P", "name": "Pine Foods", "mode": "purchase", "ships": "platform",
         "cycle": "semimonthly", "settle_on": "paid", "entity": "ENT-SH"}
      ],
      "fee_rules": [
        {"fee": "commission", "rate_ppm": 80000, "category": "digital"},
        {"fee": "commission", "rate_ppm": 50000},
        {"fee": "payment_fee", "rate_ppm": 6000, "channel": "wechat", "reversible": false},
        {"fee": "payment_fee", "rate_ppm": 5500, "channel": "alipay", "reversible": true},
        {"fee": "refund_admin", "rate_ppm": 200000},
        {"fee": "delivery_fee", "per_unit": "6.00"},
        {"fee": "warehousing_fee", "per_unit": "1.20", "supplier_id": "SUP-B"},
        {"fee": "return_service_fee", "per_unit": "3.00", "effective_from": "2026-11-15"}
      ],
      "rebates": [],
      "credit_accounts": []
    }
    """

    static func config(_ json: String = configJSON) throws -> MallConfig {
        try MallConfig.parse(json, file: "test.json")
    }

    static let orderHeader = "order_id,parent_order_id,line_no,supplier_id,buyer_id,member_level,sku,category,quantity,unit_price,cost_price,discount_platform,discount_supplier,freight,paid_points,paid_credit,paid_cash,payment_channel,ordered_at,paid_at,completed_at,currency"
    static let refundHeader = "refund_id,order_id,line_no,refund_type,quantity,refund_goods,refund_freight,refund_points,refund_credit,refund_cash,refunded_at"

    /// SPEC §5's worked example line: 2 × 100.00, discounts 10.00/5.00, freight 8.00,
    /// points 20.00 and wechat cash 173.00, paid and completed on 2026-11-10.
    static let workedOrder = "O-1,P-1,1,SUP-A,B-1,gold,SKU-PHONE,digital/phone,2,100.00,,10.00,5.00,8.00,20.00,0,173.00,wechat,2026-11-10T09:00:00+08:00,2026-11-10T09:01:00+08:00,2026-11-10T18:00:00+08:00,CNY"
    static let workedReturn = "R-1,O-1,1,return,1,92.50,0,10.00,0,82.50,2026-11-10T20:00:00+08:00"

    static func orders(_ rows: String...) -> String { ([orderHeader] + rows).joined(separator: "\n") + "\n" }
    static func refunds(_ rows: String...) -> String { ([refundHeader] + rows).joined(separator: "\n") + "\n" }
}
