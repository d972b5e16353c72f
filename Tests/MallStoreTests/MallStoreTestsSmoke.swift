import XCTest

final class MallStoreTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
