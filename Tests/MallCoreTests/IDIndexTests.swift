// IDIndex: ids found by their bytes match exactly as String keys did, ASCII or not; child
// order ids are built and looked up as before.

@testable import MallCore
import XCTest

final class IDIndexTests: XCTestCase {
    func testInsertionKeepsTheFirstValueAndFindsEveryIdThroughGrowth() {
        var index = IDIndex()
        for n in 0..<5000 { XCTAssertTrue(index.insert("O20261001\(n)", value: n)) }
        XCTAssertFalse(index.insert("O202610010", value: 99), "a second insertion keeps the first value")
        for n in 0..<5000 { XCTAssertEqual(index["O20261001\(n)"], n) }
        XCTAssertNil(index["O20261001"])
        XCTAssertNil(index["O202610015000"])
        XCTAssertNil(index[""])
        XCTAssertTrue(index.insert("", value: 5000))
        XCTAssertEqual(index[""], 5000)
    }

    func testBytesFindTheSameIds() {
        var index = IDIndex()
        index.insert("O1", value: 7)
        let id = Array("O1-2".utf8)
        id.withUnsafeBufferPointer { bytes in
            XCTAssertEqual(index[bytes: UnsafeBufferPointer(rebasing: bytes[0..<2])], 7)
            XCTAssertNil(index[bytes: UnsafeBufferPointer(rebasing: bytes[0..<1])])
        }
    }

    /// String keys matched canonically equivalent ids; the index still does, both ways.
    func testCanonicallyEquivalentIdsMatchAsStringsDo() {
        var ascii = IDIndex()
        ascii.insert("K-1", value: 1)
        XCTAssertEqual(ascii["\u{212A}-1"], 1, "KELVIN SIGN is canonically K")
        XCTAssertNil(ascii["é"])

        var mixed = IDIndex()
        mixed.insert("caf\u{E9}", value: 1)            // precomposed é
        mixed.insert("K-2", value: 2)
        XCTAssertEqual(mixed["cafe\u{301}"], 1)        // e + combining acute
        XCTAssertEqual(mixed["caf\u{E9}"], 1)
        XCTAssertEqual(mixed["\u{212A}-2"], 2)
        XCTAssertFalse(mixed.insert("cafe\u{301}", value: 3))
        Array("cafe\u{301}".utf8).withUnsafeBufferPointer { XCTAssertEqual(mixed[bytes: $0], 1) }
    }

    func testEqualIndexesCompareEqualWhateverTheirGrowth() {
        var a = IDIndex(expectedCount: 1000)
        var b = IDIndex()
        for n in 0..<100 { a.insert("id\(n)", value: n); b.insert("id\(n)", value: n) }
        XCTAssertEqual(a, b)
        b.insert("one more", value: 100)
        XCTAssertNotEqual(a, b)
    }

    func testChildOrderIDs() {
        XCTAssertEqual(MallState.childOrderID("O20261001000123", 1), "O20261001000123-1")
        XCTAssertEqual(MallState.childOrderID("O1", 10), "O1-10")
        XCTAssertEqual(MallState.childOrderID("订单", 123), "订单-123")
    }

    func testNonASCIIOrderIdsPlaceShipAndComplete() {
        var state = MallState(catalog: MallFixture.catalog())
        accept(&state, placeOrder("订单-α", "alice", [("C-TEA", 1), ("A-PHONE", 1)]), at: 0)
        accept(&state, .pay(orderID: "订单-α", channel: "wechat", txnID: nil), at: 1)
        XCTAssertEqual(state.childOrderIDs(of: "订单-α"), ["订单-α-1", "订单-α-2"])
        accept(&state, .ship(childOrderID: "订单-α-2"), at: 2)
        let rows = accept(&state, .complete(childOrderID: "订单-α-2"), at: 3).orderLines
        XCTAssertEqual(rows.map(\.orderID), ["订单-α-2"])
        XCTAssertEqual(rows.map(\.parentOrderID), ["订单-α"])
        XCTAssertEqual(state.childOrder("订单-α-1")?.supplierID, "SUP-A")
    }

    /// The hashes read ahead are the ones the lookups use: a child order's are its parent's,
    /// and reading the slots (even of a non-ASCII index, or of ids not there) changes nothing.
    func testKeyHashesNameTheSlotsTheLookupsRead() {
        let pay = MallState.keyHashes(.pay(orderID: "O-1", channel: nil, txnID: nil))
        XCTAssertEqual(pay.order, Array("O-1".utf8).withUnsafeBufferPointer(IDIndex.hash))
        XCTAssertEqual(MallState.keyHashes(.ship(childOrderID: "O-1-2")).order, pay.order)
        XCTAssertEqual(MallState.keyHashes(.complete(childOrderID: "O-1-12")).order, pay.order)
        XCTAssertEqual(MallState.keyHashes(.ship(childOrderID: "nodash")).order, 0)
        XCTAssertEqual(MallState.keyHashes(.complete(childOrderID: "O-1-12")).child, 12)
        XCTAssertEqual(MallState.keyHashes(.ship(childOrderID: "O-1-x")).child, 0)
        XCTAssertEqual(MallState.keyHashes(.ship(childOrderID: "O-1-1234567890")).order, 0, "no child has that many")
        let grant = MallState.keyHashes(.grantPoints(grantID: "G-1", buyerID: "alice", amount: .zero, expiresAt: MallFixture.at(0)))
        XCTAssertEqual(grant.order, 0)
        XCTAssertEqual(grant.buyer, Array("alice".utf8).withUnsafeBufferPointer(IDIndex.hash))
        var state = MallState(catalog: MallFixture.catalog())
        accept(&state, placeOrder("订单-α", "alice", [("C-TEA", 1)]), at: 0)
        let before = state
        let keys = [pay, grant, MallState.keyHashes(.pay(orderID: "订单-α", channel: nil, txnID: nil)), EventKeyHashes()]
        _ = keys.withUnsafeBufferPointer { state.touchSlots($0) &+ state.touchRecords($0) }
        let children = [MallState.keyHashes(.ship(childOrderID: "订单-α-1")), MallState.keyHashes(.ship(childOrderID: "O-1-9"))]
        _ = children.withUnsafeBufferPointer { state.touchSlots($0) &+ state.touchRecords($0) }
        XCTAssertEqual(state, before)
    }
}
