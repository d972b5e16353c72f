// The journal's fast path (JournalLineScanner, JournalLineFields) against the general reader
// (`JournalCodec.decodeTree`): for every line, valid or not, `decode` must give exactly what
// the general reader gives (the same event, or the same error with its line, column and
// field), and the lines `generate` writes must take the fast path.

import Foundation
import XCTest
import MallCore
@testable import MallIO

final class JournalFastPathTests: XCTestCase {
    let shanghai = BusinessCalendar(timezone: "Asia/Shanghai")!

    func instant(_ text: String) -> Instant { try! Instant.parse(text).get() }

    /// One line of each shape the generator writes, plus optional fields left out.
    var canonicalLines: [String] {
        let at = instant("2026-10-01T04:00:00.123Z")
        let commands: [MallCommand] = [
            .placeOrder(orderID: "O2026100100001", buyerID: "EMP-029482",
                        lines: [CartLine(sku: "SKU-0123-009", quantity: 1), CartLine(sku: "SKU-0288-015", quantity: 12)],
                        coupons: ["CPN-0247", "CPN-1"], pointsLimit: Money(fen: 1050)),
            .placeOrder(orderID: "O-2", buyerID: "B-1", lines: [CartLine(sku: "S-1", quantity: 1_000_000)], coupons: [], pointsLimit: nil),
            .pay(orderID: "O-2", channel: "wechat", txnID: "T-1"),
            .pay(orderID: "O-3", channel: nil, txnID: nil),
            .cancel(orderID: "O-2", refundID: "R-9"),
            .cancel(orderID: "O-2", refundID: nil),
            .ship(childOrderID: "O2026100100001-1"),
            .complete(childOrderID: "O2026100100001-12"),
            .refund(refundID: "R-1", childOrderID: "O-2-1", kind: .return, lines: [RefundRequestLine(lineNo: 1, quantity: 2)], txnID: nil),
            .refund(refundID: "R-2", childOrderID: "O-2-1", kind: .refundOnly,
                    lines: [RefundRequestLine(lineNo: 1, quantity: 1, amount: Money(fen: 5)), RefundRequestLine(lineNo: 2, amount: Money(fen: 0))],
                    txnID: "X"),
            .grantPoints(grantID: "G-1", buyerID: "B-1", amount: Money(fen: 500_000), expiresAt: instant("2027-03-31T16:00:00Z")),
            .repay(repaymentID: "P-1", buyerID: "DLR-2668", amount: Money(fen: 320_000)),
        ]
        return commands.enumerated().map { JournalCodec.encode(JournalEvent(line: $0.offset + 1, at: at, command: $0.element), calendar: shanghai) }
    }

    /// `decode` and the general reader agree on `text`; returns whether the fast path read it.
    @discardableResult
    func assertSame(_ text: String, line: Int = 7, file: StaticString = #filePath, at: UInt = #line) -> Bool {
        assertSame(bytes: Array(text.utf8), line: line, file: file, at: at)
    }

    /// `assertSame` of bytes that need not be UTF-8.
    @discardableResult
    func assertSame(bytes: [UInt8], line: Int = 7, file: StaticString = #filePath, at: UInt = #line) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let fast = bytes.withUnsafeBufferPointer { JournalLineFields.event($0, lineNumber: line) }
        let general = JournalCodec.decodeTree(bytes, lineNumber: line)
        XCTAssertEqual(JournalCodec.decode(bytes, lineNumber: line), general, text, file: file, line: at)
        if let fast { XCTAssertEqual(.success(fast), general, text, file: file, line: at) }
        return fast != nil
    }

    func testWrittenLinesTakeTheFastPathAndReadTheSame() {
        for text in canonicalLines {
            XCTAssertTrue(assertSame(text), "not on the fast path: \(text)")
        }
    }

    func testEveryCutAndEveryDroppedByteReadsTheSame() {
        for text in canonicalLines {
            let bytes = Array(text.utf8)
            for cut in 0..<bytes.count {
                assertSame(bytes: Array(bytes[..<cut]))
                var dropped = bytes
                dropped.remove(at: cut)
                assertSame(bytes: dropped)
            }
        }
    }

    func testEveryByteReplacedReadsTheSame() {
        // Single bytes of a UTF-8 sequence (é) too: the line is then not UTF-8.
        let replacements: [UInt8] = Array(#" "\:,{}[]0-9.eEnxé"#.utf8) + [0x09, 0x7F, 0x00, 0xFF]
        for text in canonicalLines.prefix(3) + canonicalLines.suffix(3) {
            let bytes = Array(text.utf8)
            for position in 0..<bytes.count {
                for byte in replacements {
                    var changed = bytes
                    changed[position] = byte
                    assertSame(bytes: changed)
                }
            }
        }
    }

    /// The eight-byte test of string content against the byte-by-byte rule: every byte value
    /// at every position of a word of plain letters, then behind a quote and before one.
    func testWordsFindTheirFirstByteThatIsNotPlainText() {
        func packed(_ word: [UInt8]) -> UInt64 {
            word.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        for position in 0..<8 {
            for value in 0...255 {
                var word = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                word[position] = UInt8(value)
                let plain = value >= 0x20 && value < 0x80 && value != 0x22 && value != 0x5C
                XCTAssertEqual(JournalLineScanner.firstNonPlainByte(packed(word)), plain ? 8 : position,
                               "byte \(value) at \(position)")
                // A quote before it is found first; one after it is not.
                if position > 0 {
                    var quoted = word
                    quoted[position - 1] = 0x22
                    XCTAssertEqual(JournalLineScanner.firstNonPlainByte(packed(quoted)), position - 1)
                }
                if position < 7 {
                    word[position + 1] = 0x22
                    XCTAssertEqual(JournalLineScanner.firstNonPlainByte(packed(word)), plain ? position + 1 : position,
                                   "byte \(value) at \(position), a quote after it")
                }
            }
        }
    }

    func testWhiteSpaceAndFieldOrderAreReadOnTheFastPath() {
        XCTAssertTrue(assertSame(" { \"order_id\" : \"O-1-1\" ,\t\"at\":\"2026-10-01T12:04:00Z\", \"event\":\"ship\" }\r\n"))
        XCTAssertTrue(assertSame(#"{"lines":[ { "quantity" : 2 , "sku":"S-1" } ],"buyer_id":"B-1","order_id":"O-1","at":"2026-10-01T12:04:00Z","event":"place_order"}"#))
        XCTAssertTrue(assertSame(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"refund_only","lines":[{"amount":"2.5","line_no":3}]}"#))
        XCTAssertTrue(assertSame(#"{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":"O-1","channel":"","txn_id":""}"#))
        XCTAssertFalse(assertSame(#"{"event":"place_order","at":"2026-10-01T12:04:00Z","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":-0007}]}"#))
        XCTAssertTrue(assertSame(#"{"event":"place_order","at":"2026-10-01T12:04:00Z","order_id":"O-1","buyer_id":"B-1","lines":[]}"#))
    }

    /// What the fast path leaves to the general reader, which accepts or refuses it as before.
    func testOtherFormsGoToTheGeneralReader() {
        let place = #"{"event":"place_order","at":"2026-10-01T12:04:00Z","order_id":"O-1","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":QTY}]COUPONS}"#
        let quantities = ["2", "\"7\"", "\"+7\"", "007", "-0", "2.0", "2e0", "1000001", "0", "null", "true", "[]", "{}", "99999999999999999999", "\" 7\""]
        for quantity in quantities {
            for coupons in ["", #","coupons":[]"#, #","coupons":null"#, #","coupons":[""]"#, #","coupons":["C-1",1]"#, #","coupons":"C-1""#] {
                assertSame(place.replacingOccurrences(of: "QTY", with: quantity).replacingOccurrences(of: "COUPONS", with: coupons))
            }
        }
        let pay = #"{"event":"pay","at":"2026-10-01T12:04:00Z","order_id":ID}"#
        let ids = [#""O-1""#, #""O\u002d1""#, #""O\"1""#, #""订单""#, #""e\u0301""#, #""""#, "null", "1", #""O-1","order_id":"O-2""#,
                   #""O-1","extra":1"#, #""O-1","channel":null"#, #""O-1","channel":"x","txn_id":"y""#,
                   "\"" + String(repeating: "x", count: 64) + "\"", "\"" + String(repeating: "x", count: 65) + "\"",
                   #""O-1","channel":""# + String(repeating: "c", count: 33) + "\""]
        for id in ids {
            assertSame(pay.replacingOccurrences(of: "ID", with: id))
        }
        assertSame(#"{"event":"place_order","at":"2026-10-01T12:04:00Z","order_id":""# + String(repeating: "o", count: 57)
                   + #"","buyer_id":"B-1","lines":[{"sku":"S-1","quantity":1}]}"#)
        assertSame(#"{"event":"grant_points","at":"2026-10-01T08:00:00+08:00","grant_id":"G-1","buyer_id":"B-1","amount":"-1.00","expires_at":"2027-01-01T00:00:00+08:00"}"#)
        assertSame(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"return","lines":[{"line_no":1,"quantity":1,"amount":null}]}"#)
        assertSame(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"refund_only","lines":[{"line_no":1}]}"#)
        assertSame(#"{"event":"refund","at":"2026-10-01T12:04:00Z","refund_id":"R","order_id":"O-1-1","type":"return","lines":[]}"#)
        assertSame(#"{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}{}"#)
        assertSame(#"{"event":"sh\u0069p","at":"2026-10-01T12:04:00Z","order_id":"O-1-1"}"#)
        assertSame(#"{"event":"ship","at":"2026-10-01T12:04:00Z","order_id":"O-1-1","":1}"#)
        assertSame("")
        assertSame("[]")
    }

    /// Every line of the journal fuzz target's corpus and saved crashers (Fuzz/), plain files
    /// only, and each of its cuts.
    func testFuzzCorpusLinesReadTheSame() throws {
        let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz")
        var lines = 0
        for folder in ["corpus/journal", "crashers/journal"] {
            let directory = fuzz.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
                let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
                guard bytes.prefix(2) != [0x1F, 0x8B] else { continue }
                for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                    lines += 1
                    for cut in stride(from: 0, through: line.count, by: max(1, line.count / 16)) {
                        assertSame(bytes: Array(line.prefix(cut)))
                    }
                    assertSame(bytes: Array(line))
                }
            }
        }
        XCTAssertGreaterThan(lines, 10)
    }

    func testReaderFindsLinesAcrossReadsOfTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fastpath-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let line = canonicalLines[0]
        let count = 2 * FeedLimits.readChunkBytes / line.utf8.count + 3
        let path = directory.appendingPathComponent("j.jsonl").path
        try Data(Array(repeating: line, count: count).joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let reader = try JournalReader(path: path)
        var read = 0
        while let next = try reader.next() {
            read += 1
            XCTAssertEqual(try next.get().line, read)
        }
        XCTAssertEqual(read, count)
    }
}
