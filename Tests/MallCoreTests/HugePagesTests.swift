// HugePages: advice on an array's reserved room leaves what the array holds and can hold as
// it was; a reservation under one huge page is not advised.

@testable import MallCore
import XCTest

final class HugePagesTests: XCTestCase {
    func testAdvisedRoomHoldsWhatIsWritten() {
        var values: [Int64] = []
        values.reserveCapacity(1_000_000)
        let capacity = values.capacity
        _ = HugePages.advise(&values)
        XCTAssertEqual(values.capacity, capacity)
        XCTAssertTrue(values.isEmpty)
        for i in 0..<1_000_000 { values.append(Int64(i) * 7) }
        XCTAssertEqual(values.capacity, capacity, "filled within the advised room, not moved")
        XCTAssertEqual(values[999_999], 6_999_993)
        XCTAssertEqual(values.reduce(0, &+), 7 * 499_999_500_000)
    }

    func testSmallRoomIsNotAdvised() {
        var small: [Int64] = []
        small.reserveCapacity(1_000)
        XCTAssertFalse(HugePages.advise(&small))
        var none: [Int64] = []
        XCTAssertFalse(HugePages.advise(&none))
    }
}
