// What `close` prints: one row per supplier whose sheets it closed, with the sheets, their
// lines and the payable, then a total row (issue 15, item 8).

import Foundation
import MallCore
import XCTest
@testable import Settlement

final class CloseReportTests: XCTestCase {
    func testCloseSaysWhatItClosedPerSupplier() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        let b = Fixture.workedOrder.replacingOccurrences(of: "SUP-A", with: "SUP-B").replacingOccurrences(of: "O-1,", with: "O-2,")
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder, b))
        try ws.run("2026-11-30", config: config)
        let (record, status, _) = try ws.close("2026-11-30", config: config)
        XCTAssertEqual(status, .done)
        let report = try CloseReport.read(ws.db, config: config, through: Day(parsing: "2026-11-30")!,
                                          closedSheetIDs: try XCTUnwrap(record).closed)
        // SUP-A: the SPEC §5 worked line (net 186.36) in its November sheet; SUP-B: the same
        // line shipped by the platform (delivery 12.00 and warehousing 2.40 charged, no
        // freight owed: 185.00 + 10.00 − 15.60 − 1.04 − 12.00 − 2.40 = 163.96) in the week
        // of Nov 9; SUP-P: its empty sheet for the second half of November (the period of
        // the night's as-of date, made by the run).
        XCTAssertEqual(report.text(), """
            closed 3 sheets of 3 suppliers through 2026-11-30:
            supplier  name           sheets  lines  payable
            SUP-A     Acme Digital        1      5   186.36
            SUP-B     Bamboo Office       1      6   163.96
            SUP-P     Pine Foods          1      0     0.00
            total                         3     11   350.32
            """)
        XCTAssertEqual(CloseReport.groupedMoney(155_132_754_760), "1,551,327,547.60")
        XCTAssertEqual(CloseReport.groupedMoney(-1_234_50), "-1,234.50")
        XCTAssertEqual(CloseReport.groupedMoney(5), "0.05")
    }
}
