import XCTest

final class MallIOTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
