import XCTest

final class MallCoreTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
