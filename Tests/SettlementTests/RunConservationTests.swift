// The conservation check of a run: money neither appears nor vanishes between the feeds
// and the store, or the night's posting fails and keeps nothing.

import Foundation
import MallCore
import MallStore
import XCTest
@testable import Settlement

final class RunConservationTests: XCTestCase {
    /// The run's conservation check (order lines summed on another connection while posting
    /// runs, refunds in the posting transaction) fails a night whose stored rows do not
    /// conserve money, and nothing of its posting is kept.
    func testAPostingOverRowsThatDoNotConserveMoneyFailsAndKeepsNothing() throws {
        let ws = try Workspace()
        let config = try Fixture.config()
        try ws.write("orders-1110.csv", Fixture.orders(Fixture.workedOrder))
        try ws.write("refunds-1110.csv", Fixture.refunds(Fixture.workedReturn))
        let nightly = Nightly(db: ws.db, config: config, reportsDir: ws.reports, progress: ProgressLog(enabled: false))
        var record = try nightly.begin(command: "run", asOf: Day(parsing: "2026-11-10")!)
        try nightly.ingest([(ws.inbox + "/orders-1110.csv", .orders), (ws.inbox + "/refunds-1110.csv", .refunds)],
                           into: &record, useInboxCache: false)
        // A fen appears between ingest and posting.
        try ws.db.run("UPDATE order_lines SET paid_cash = paid_cash + 1")
        XCTAssertThrowsError(try nightly.post(into: &record)) { error in
            XCTAssertEqual("\(error)", "money is not conserved over this run's rows: tenders paid 193.01 − refunded 92.50 = 100.51, but goods and freight 193.00 − refunded 92.50 = 100.50")
        }
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM forward_fees"), .int(0))
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM refunds WHERE state = 'accepted'"), .int(0))
        // Put back, the same night posts.
        try ws.db.run("UPDATE order_lines SET paid_cash = paid_cash - 1")
        try nightly.post(into: &record)
        XCTAssertEqual(try ws.db.scalar("SELECT count(*) FROM refunds WHERE state = 'accepted' AND posted = 1"), .int(1))
        XCTAssertEqual(try Verifier.verify(ws.db).map(\.description), [])
    }
}
