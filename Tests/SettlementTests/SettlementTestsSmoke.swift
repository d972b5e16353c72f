import XCTest

final class SettlementTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
