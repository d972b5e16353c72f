import XCTest

final class EndToEndTestsSmoke: XCTestCase {
    func testBuilds() { XCTAssertTrue(true) }
}
