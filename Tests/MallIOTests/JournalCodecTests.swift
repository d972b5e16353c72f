// The journal and catalog codecs: every event kind read exactly, errors naming line, column
// and field, canonical writing that reads back to the same events.

import Foundation
import XCTest
import MallCore
import MallIO

final class JournalCodecTests: ReadersTestCase {
    let shanghai = BusinessCalendar(timezone: "Asia/Shanghai")!

    func decode(_ text: String, line: Int = 1) -> Result<JournalEvent, JSONFieldError> {
        JournalCodec.decode(Array(text.utf8), lineNumber: line)
    }

    func event(_ text: String) throws -> JournalEvent {
        try decode(text).get()
    }

    func instant(_ text: String) -> Instant { try! Instant.parse(text).get() }

    func testEveryEventKindReadsExactly() throws {
        let place = try event(#"{"event":"place_order","at":"2026-10-01T12:03:10+08:00","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":2},{"sku":"S-2","quantity":"7"}],"coupons":["C-1"],"points_limit":"100.5"}"#)
        XCTAssertEqual(place.at, instant("2026-10-01T04:03:10Z"))
        XCTAssertEqual(place.command, .placeOrder(orderID: "O-1", buyerID: "B-1",
                                                  lines: [CartLine(sku: "S-1", quantity: 2), CartLine(sku: "S-2", quantity: 7)],
                                                  coupons: ["C-1"], pointsLimit: Money(fen: 10050)))
        XCTAssertEqual(try event(#"{"event":"pay","at":"2026-10-01T12:04:00+08:00","order_id":"O-1","channel":"wechat"}"#).command,
                       .pay(orderID: "O-1", channel: "wechat", txnID: nil))
        XCTAssertEqual(try event(#"{"event":"cancel","at":"2026-10-01T12:04:00Z","order_id":"O-1","refund_id":"R-1"}"#).command,
                       .cancel(orderID: "O-1", refundID: "R-1"))
        XCTAssertEqual(try event(#"{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}"#).command, .ship(childOrderID: "O-1-1"))
        XCTAssertEqual(try event(#"{"event":"complete","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}"#).command, .complete(childOrderID: "O-1-1"))
        XCTAssertEqual(try event(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R-2","order_id":"O-1-1","type":"return","lines":[{"line_no":1,"quantity":1}]}"#).command,
                       .refund(refundID: "R-2", childOrderID: "O-1-1", kind: .return, lines: [RefundRequestLine(lineNo: 1, quantity: 1)], txnID: nil))
        XCTAssertEqual(try event(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R-3","order_id":"O-1-2","type":"refund_only","lines":[{"line_no":2,"amount":"15"}],"txn_id":"T-9"}"#).command,
                       .refund(refundID: "R-3", childOrderID: "O-1-2", kind: .refundOnly,
                               lines: [RefundRequestLine(lineNo: 2, quantity: 0, amount: Money(fen: 1500))], txnID: "T-9"))
        XCTAssertEqual(try event(#"{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":"300.00","expires_at":"2027-01-01T00:00:00+08:00"}"#).command,
                       .grantPoints(grantID: "G-1", buyerID: "B-1", amount: Money(fen: 30000), expiresAt: instant("2026-12-31T16:00:00Z")))
        XCTAssertEqual(try event(#"{"event":"repay","at":"2026-10-31T16:00:00+08:00","repayment_id":"P-9","buyer_id":"B-3","amount":"5000.00"}"#).command,
                       .repay(repaymentID: "P-9", buyerID: "B-3", amount: Money(fen: 500_000)))
    }

    func assertError(_ text: String, field: String, column: Int, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        switch decode(text, line: 42) {
        case .success(let e):
            XCTFail("expected an error, read \(e)", file: file, line: line)
        case .failure(let error):
            XCTAssertEqual(error.line, 42, file: file, line: line)
            XCTAssertEqual(error.field, field, file: file, line: line)
            XCTAssertEqual(error.column, column, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(contains), "\(error.message)", file: file, line: line)
        }
    }

    func testErrorsNameLineColumnAndField() {
        let pay = #"{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"O-1","channel":"wechat"}"#
        assertError(#"{"event":"place_order","at":"2026-10-01T12:03:10+08:00","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":0}]}"#,
                    field: "lines[0].quantity", column: 124, contains: "from 1 to 1000000, found 0")
        assertError(#"{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":"1.005","expires_at":"2027-01-01T00:00:00+08:00"}"#,
                    field: "amount", column: 101, contains: "more than 2 fraction digits")
        assertError(#"{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":300,"expires_at":"2027-01-01T00:00:00+08:00"}"#,
                    field: "amount", column: 101, contains: "amount in quotes")
        assertError(pay.replacingOccurrences(of: "2026-10-01T12:04:00Z", with: "2026-10-01 12:04"),
                    field: "at", column: 21, contains: "ISO 8601")
        assertError(pay.replacingOccurrences(of: #""channel""#, with: #""chanel""#), field: "chanel", column: 70, contains: "not a known field")
        assertError(#"{"event":"teleport","at":"2026-10-01T12:04:00Z"}"#, field: "event", column: 1, contains: "must be one of")
        assertError(#"{"event":"pay","at":"2026-10-01T12:04:00Z"}"#, field: "order_id", column: 1, contains: "is required")
        assertError(#"{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"O-1",}"#, field: "(line)", column: 61, contains: "field name")
        assertError(#"["pay"]"#, field: "(top)", column: 1, contains: "expected an object")
        assertError(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"return","lines":[{"line_no":1,"quantity":1,"amount":"2.00"}]}"#,
                    field: "lines[0].amount", column: 142, contains: "by quantity")
        assertError(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"cancel","lines":[]}"#,
                    field: "type", column: 1, contains: "refund_only or return")
        // A field named by the empty string is still named (found by the journal fuzz target).
        assertError(#"{"event":"ship","":"x","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}"#, field: "\"\"", column: 20, contains: "not a known field")
        // A column counts characters, not bytes: the Chinese id is 2 characters, 6 bytes.
        assertError(#"{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"订单","txn":1}"#, field: "txn", column: 66, contains: "not a known field")
    }

    func testWritingIsCanonicalAndReadsBack() throws {
        let events: [MallCommand] = [
            .grantPoints(grantID: "G-1", buyerID: "B-1", amount: Money(fen: 30000), expiresAt: instant("2026-12-31T16:00:00Z")),
            .placeOrder(orderID: "O-\"1\"", buyerID: "B-1", lines: [CartLine(sku: "S,1", quantity: 3)], coupons: ["C-1", "C-2"], pointsLimit: nil),
            .placeOrder(orderID: "O-2", buyerID: "B-1", lines: [CartLine(sku: "S-1", quantity: 1)], coupons: [], pointsLimit: Money(fen: 1)),
            .pay(orderID: "O-2", channel: "alipay", txnID: "T-1"),
            .pay(orderID: "O-3", channel: nil, txnID: nil),
            .cancel(orderID: "O-2", refundID: nil),
            .ship(childOrderID: "O-2-1"),
            .complete(childOrderID: "O-2-1"),
            .refund(refundID: "R-1", childOrderID: "O-2-1", kind: .return, lines: [RefundRequestLine(lineNo: 1, quantity: 2)], txnID: nil),
            .refund(refundID: "R-2", childOrderID: "O-2-1", kind: .refundOnly,
                    lines: [RefundRequestLine(lineNo: 1, quantity: 1, amount: Money(fen: 5)), RefundRequestLine(lineNo: 2, amount: Money(fen: 0))], txnID: "X"),
            .repay(repaymentID: "P-1", buyerID: "B-1", amount: Money(fen: 99)),
        ]
        for (i, command) in events.enumerated() {
            let original = JournalEvent(line: i + 1, at: instant("2026-10-01T04:00:00Z"), command: command)
            let text = JournalCodec.encode(original, calendar: shanghai)
            XCTAssertTrue(text.contains(#""at":"2026-10-01T12:00:00+08:00""#), text)
            XCTAssertEqual(try decode(text, line: i + 1).get(), original, text)
        }
        XCTAssertEqual(JournalCodec.encode(JournalEvent(line: 1, at: instant("2026-10-01T04:00:00Z"), command: .ship(childOrderID: "O-1-1")),
                                           calendar: shanghai),
                       #"{"event":"ship","at":"2026-10-01T12:00:00+08:00","order_id":"O-1-1"}"#)
    }

    /// Texts that escape at their longest (`\u0001` for each byte), in every text an event
    /// carries and in a cart of many lines: written whole (the room `put` is given is
    /// checked in debug builds) and read back.
    func testTextsEscapedAtTheirLongestAreWrittenWhole() throws {
        // 52 characters (ids are read back up to 56), 208 bytes once escaped.
        let odd = String(repeating: "\u{01}\u{1f}\"\\", count: 13)
        let lines = (1...200).map { CartLine(sku: odd + String($0), quantity: 1_000_000) }
        let events: [MallCommand] = [
            .placeOrder(orderID: odd, buyerID: odd, lines: lines, coupons: [odd, odd], pointsLimit: Money(fen: 900_000_000_000_000)),
            .placeOrder(orderID: odd, buyerID: odd, lines: [CartLine(sku: odd, quantity: 1)],
                        coupons: (1...100).map { String(odd.prefix(49)) + String($0) }, pointsLimit: nil),
            .pay(orderID: odd, channel: String(odd.prefix(32)), txnID: odd),
            .cancel(orderID: odd, refundID: odd),
            .refund(refundID: odd, childOrderID: odd, kind: .refundOnly,
                    lines: (1...50).map { RefundRequestLine(lineNo: Int64($0), quantity: 1_000_000, amount: Money(fen: 900_000_000_000_000)) },
                    txnID: odd),
            .grantPoints(grantID: odd, buyerID: odd, amount: Money(fen: 900_000_000_000_000), expiresAt: instant("2026-12-31T16:00:00Z")),
            .repay(repaymentID: odd, buyerID: odd, amount: Money(fen: 900_000_000_000_000)),
        ]
        for (i, command) in events.enumerated() {
            let original = JournalEvent(line: i + 1, at: instant("2026-10-01T04:00:00.123456789Z"), command: command)
            let text = JournalCodec.encode(original, calendar: shanghai)
            XCTAssertTrue(text.contains(#""order_id":"\u0001\u001f\"\\\u0001"#) || !text.contains("order_id"), text)
            XCTAssertLessThanOrEqual(text.utf8.count, JournalCodec.roomNeeded(original))
            XCTAssertEqual(try decode(text, line: i + 1).get(), original, String(text.prefix(200)))
        }
    }

    func testReaderSkipsBlankLinesAcceptsBOMAndCRLFAndReadsGzip() throws {
        let body = "\u{FEFF}" + #"{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"A-1"}"# + "\r\n\r\n   \n"
            + #"{"event":"ship","at":"2026-10-01T12:05:00Z""# + "\n"
            + #"{"event":"complete","at":"2026-10-01T12:06:00Z","order_id":"A-1"}"#
        for path in [try write("j.jsonl", body), try write("j.jsonl.gz", bytes: try gzip(Array(body.utf8)))] {
            let reader = try JournalReader(path: path)
            var results: [Result<JournalEvent, JSONFieldError>] = []
            while let next = try reader.next() { results.append(next) }
            XCTAssertEqual(results.count, 3)
            XCTAssertEqual(try results[0].get().command, .ship(childOrderID: "A-1"))
            guard case .failure(let error) = results[1] else { return XCTFail("line 4 must fail") }
            XCTAssertEqual(error.line, 4)
            XCTAssertEqual(try results[2].get().line, 5)
        }
    }

    func testJSONParserLimitsAndEscapes() throws {
        XCTAssertEqual(try JSONParser.parse(#"{"a":"\u00e9\ud83d\ude00\n"}"#), .object([("a", .string("é😀\n", offset: 5))], offset: 0))
        XCTAssertEqual(try JSONParser.parse("[1, -2.5e3, true, null]"),
                       .array([.number("1", offset: 1), .number("-2.5e3", offset: 4), .bool(true, offset: 12), .null(offset: 18)], offset: 0))
        XCTAssertThrowsError(try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)))
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":1,"a":2}"#))
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":"\ud83d"}"#))
        XCTAssertThrowsError(try JSONParser.parse("01x"))
        XCTAssertThrowsError(try JSONParser.parse(#"{"a":1} x"#))
    }

    /// Strings without escapes are made straight from their bytes; the result and the errors
    /// are those of the escaped path.
    func testJSONParserStringsWithAndWithoutEscapes() throws {
        XCTAssertEqual(try JSONParser.parse(#"["plain", "银杏 Café", "", "tail\u0041", "x\"y"]"#),
                       .array([.string("plain", offset: 1), .string("银杏 Café", offset: 10),
                               .string("", offset: 25), .string("tailA", offset: 29), .string("x\"y", offset: 42)], offset: 0))
        // Invalid UTF-8 (a lone continuation byte, a cut sequence), with and without an escape before it.
        for bad: [UInt8] in [[0x22, 0x61, 0x80, 0x22], [0x22, 0xE9, 0x93, 0x22], [0x22, 0x5C, 0x6E, 0x80, 0x22]] {
            XCTAssertThrowsError(try JSONParser.parse(bad)) { error in
                XCTAssertEqual((error as? JSONSyntaxError)?.message, "a string that is not valid UTF-8")
                XCTAssertEqual((error as? JSONSyntaxError)?.column, 1)
            }
        }
        XCTAssertThrowsError(try JSONParser.parse("\"a\tb\"")) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.message, "a control character inside a string")
        }
        XCTAssertThrowsError(try JSONParser.parse("\"open")) { error in
            XCTAssertEqual((error as? JSONSyntaxError)?.message, "the string is not closed")
        }
    }

    static let catalogText = """
    {
      "currency": "CNY",
      "timezone": "Asia/Shanghai",
      "points_cap_ppm": 500000,
      "level_ratios": {"enterprise": 900000, "gold": 950000},
      "channels": [{"channel": "wechat", "fee_ppm": 6000}],
      "suppliers": [
        {"id": "SUP-A", "pricing": "fixed", "freight": "8.00", "free_freight_over": "99.00"},
        {"id": "SUP-B", "pricing": "cost_plus", "markup_ppm": 250000},
        {"id": "SUP-C", "pricing": "market_minus", "discount_ppm": 100000, "freight": "12.00"}
      ],
      "skus": [
        {"sku": "S-1", "spu": "P-1", "supplier_id": "SUP-A", "category": "digital/phone", "market_price": "2999.00",
         "cost_price": "2400.00", "sale_price": "2799.00", "stock": 500, "level_prices": {"gold": "2699.00"},
         "tiers": [{"min_quantity": 10, "unit_price": "2650.00"}]},
        {"sku": "S-2", "supplier_id": "SUP-B", "category": "food/tea", "market_price": "30", "cost_price": "20", "stock": 9}
      ],
      "contracts": [{"buyer_id": "B-3", "sku": "S-1", "unit_price": "2600.00"}],
      "coupons": [
        {"id": "C-1", "kind": "amount_off", "amount": "20.00", "threshold": "199.00", "category": "digital",
         "valid_from": "2026-10-01T00:00:00+08:00", "valid_to": "2026-10-08T00:00:00+08:00", "funded_by": "platform"},
        {"id": "C-2", "kind": "percent_off", "percent_ppm": 100000, "max_off": "30.00", "supplier_id": "SUP-B",
         "skus": ["S-2"], "valid_from": "2026-10-01T00:00:00+08:00", "valid_to": "2026-11-01T00:00:00+08:00",
         "funded_by": "supplier", "per_buyer_limit": 2}
      ],
      "buyers": [
        {"id": "B-1", "level": "gold"},
        {"id": "B-3", "level": "enterprise", "pays_on_credit": true, "credit_limit": "200000.00", "frozen": true}
      ]
    }
    """

    func testCatalogReadsEveryFieldAndWritesCanonically() throws {
        let catalog = try CatalogCodec.decode(Array(Self.catalogText.utf8)).get()
        XCTAssertEqual(catalog.pointsCap, Rate(ppm: 500_000))
        XCTAssertEqual(catalog.levelRatios, ["enterprise": Rate(ppm: 900_000), "gold": Rate(ppm: 950_000)])
        XCTAssertEqual(catalog.suppliers.map(\.pricing), [.fixed, .costPlus(markup: Rate(ppm: 250_000)), .marketMinus(discount: Rate(ppm: 100_000))])
        XCTAssertEqual(catalog.suppliers[0].freight, FreightRule(flat: Money(fen: 800), freeOver: Money(fen: 9900)))
        XCTAssertEqual(catalog.skus[0], CatalogSKU(sku: "S-1", spu: "P-1", supplierID: "SUP-A", category: "digital/phone",
                                                   marketPrice: Money(fen: 299_900), costPrice: Money(fen: 240_000),
                                                   salePrice: Money(fen: 279_900), stock: 500, levelPrices: ["gold": Money(fen: 269_900)],
                                                   tiers: [TierPrice(minQuantity: 10, unitPrice: Money(fen: 265_000))]))
        XCTAssertEqual(catalog.skus[1].spu, "S-2")
        XCTAssertEqual(catalog.coupons[1].kind, .percentOff(Rate(ppm: 100_000), cap: Money(fen: 3000)))
        XCTAssertEqual(catalog.coupons[1].scope, CouponScope(supplierID: "SUP-B", skus: ["S-2"]))
        XCTAssertEqual(catalog.coupons[1].perBuyerLimit, 2)
        XCTAssertEqual(catalog.buyers[1], Buyer(id: "B-3", level: "enterprise", paysOnCredit: true, creditLimit: Money(fen: 20_000_000), frozen: true))
        let written = CatalogCodec.encode(catalog)
        XCTAssertEqual(try CatalogCodec.decode(Array(written.utf8)).get(), catalog)
        XCTAssertEqual(CatalogCodec.encode(try CatalogCodec.decode(Array(written.utf8)).get()), written)
    }

    func testCatalogErrorsNameThePath() {
        func error(_ from: String, _ to: String) -> JSONFieldError? {
            let text = Self.catalogText.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(text, Self.catalogText)
            if case .failure(let e) = CatalogCodec.decode(Array(text.utf8)) { return e }
            return nil
        }
        let price = error(#""market_price": "30""#, #""market_price": "30.001""#)
        XCTAssertEqual(price?.field, "skus[1].market_price")
        XCTAssertEqual(price?.line, 16)
        XCTAssertEqual(error(#""supplier_id": "SUP-B", "category""#, #""supplier_id": "SUP-Z", "category""#)?.field, "skus[1].supplier_id")
        XCTAssertEqual(error(#""pricing": "cost_plus""#, #""pricing": "cost+""#)?.field, "suppliers[1].pricing")
        XCTAssertEqual(error(#""funded_by": "supplier""#, #""funded_by": "bank""#)?.field, "coupons[1].funded_by")
        XCTAssertEqual(error(#""id": "B-1", "level": "gold""#, #""id": "B-1", "levle": "gold""#)?.field, "buyers[0].levle")
        XCTAssertEqual(error(#""timezone": "Asia/Shanghai""#, #""timezone": "Mars/Olympus""#)?.field, "timezone")
        XCTAssertEqual(error(#""valid_to": "2026-10-08T00:00:00+08:00""#, #""valid_to": "2026-09-08T00:00:00+08:00""#)?.field, "coupons[0].valid_to")
    }
}

final class JournalReaderLimitTests: ReadersTestCase {
    func testAnOverlongLineIsReportedAndSkippedInBoundedMemory() throws {
        let long = "{\"event\":\"ship\",\"at\":\"2026-10-01T12:04:00Z\",\"order_id\":\"" + String(repeating: "x", count: 3 << 20) + "\"}"
        let path = try write("long.jsonl", long + "\n" + #"{"event":"ship","at":"2026-10-01T12:05:00Z","order_id":"A-1"}"# + "\n")
        let reader = try JournalReader(path: path)
        guard case .failure(let error)? = try reader.next() else { return XCTFail("the long line must fail") }
        XCTAssertEqual(error.line, 1)
        XCTAssertTrue(error.message.contains("longer than 1048576 bytes"), error.message)
        XCTAssertEqual(try reader.next()?.get().command, .ship(childOrderID: "A-1"))
        XCTAssertNil(try reader.next())
    }
}
