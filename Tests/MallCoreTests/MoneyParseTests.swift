// Money parsing and formatting (SPEC §1 "Numbers"): the exact decimal format feeds carry.

import MallCore
import XCTest

final class MoneyParseTests: XCTestCase {
    private let maxFen: Int64 = 900_000_000_000_000

    private func assertParses(_ text: String, _ fen: Int64, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Money.parse(text), .success(Money(fen: fen)), "'\(text)'", file: file, line: line)
    }

    private func assertNotADecimal(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Money.parse(text), .failure(.notADecimal(text)), "'\(text)'", file: file, line: line)
    }

    private func assertOutOfRange(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(Money.parse(text), .failure(.outOfRange(text)), "'\(text)'", file: file, line: line)
    }

    func testAcceptsThePlainDecimalForms() {
        assertParses("12.30", 1230)
        assertParses("12.3", 1230)
        assertParses("12", 1200)
        assertParses("-0.05", -5)
        assertParses("0.5", 50)
        assertParses("0", 0)
        assertParses("0.00", 0)
        assertParses("-15.60", -1560)
        assertParses("007.01", 701)
        XCTAssertEqual(money("12.3"), money("12.30"))
    }

    func testNegativeZeroIsZero() {
        assertParses("-0", 0)
        assertParses("-0.00", 0)
        assertParses("-0.0", 0)
        XCTAssertEqual(money("-0").description, "0.00")
    }

    func testRejectsEverythingThatIsNotAPlainDecimal() {
        for text in ["1e3", "1E3", "1,000.00", "1 000", "+5", " 5", "5 ", "\t5", "5\n", ".5", "-.5", "5.",
                     "-5.", "¥5", "5¥", "$5", "--5", "-", "", "5..0", "5.0.0", "0x10", "１２", "5-", "- 5",
                     "12.3a", "NaN", "inf", "1_000"]
        {
            assertNotADecimal(text)
        }
    }

    func testRejectsThreeOrMoreFractionDigits() {
        XCTAssertEqual(Money.parse("12.345"), .failure(.tooManyFractionDigits("12.345")))
        XCTAssertEqual(Money.parse("12.300"), .failure(.tooManyFractionDigits("12.300")))
        XCTAssertEqual(Money.parse("-0.001"), .failure(.tooManyFractionDigits("-0.001")))
        let hugeFraction = "1." + String(repeating: "9", count: 100_000)
        XCTAssertEqual(Money.parse(hugeFraction), .failure(.tooManyFractionDigits(hugeFraction)))
        let hugeFractionJunk = "1." + String(repeating: "0", count: 10_000) + "x"
        XCTAssertEqual(Money.parse(hugeFractionJunk), .failure(.notADecimal(hugeFractionJunk)))
    }

    func testErrorMessagesNameTheText() {
        XCTAssertEqual(Money.ParseError.notADecimal("1e3").message, "'1e3' is not a plain decimal amount (like 12.30 or -0.05)")
        XCTAssertEqual(Money.ParseError.tooManyFractionDigits("12.345").message, "'12.345' has more than 2 fraction digits")
        XCTAssertEqual(Money.ParseError.outOfRange("1e30").message, "'1e30' is outside ±9,000,000,000,000.00")
    }

    func testRangeLimitsAreInclusive() {
        assertParses("9000000000000.00", maxFen)
        assertParses("9000000000000", maxFen)
        assertParses("-9000000000000.00", -maxFen)
        assertParses("8999999999999.99", maxFen - 1)
        assertOutOfRange("9000000000000.01")
        assertOutOfRange("-9000000000000.01")
        assertOutOfRange("9000000000001")
        assertOutOfRange("10000000000000")
    }

    func testHugeNumbersAreOutOfRangeWithoutOverflow() {
        for text in ["123456789012345678901234567890", "999999999999999999999999999999",
                     "-999999999999999999999999999999", "9999999999999999999", "9223372036854775807",
                     "9223372036854775808", "18446744073709551616", "922337203685477580.70",
                     "999999999999999999.99", String(repeating: "9", count: 10_000),
                     "00000000000000000000000000009000000000000.01"]
        {
            assertOutOfRange(text)
        }
        // Leading zeros do not count towards the magnitude.
        assertParses("00000000000000000000000000009000000000000.00", maxFen)
    }

    func testDescriptionRoundTrips() {
        XCTAssertEqual(Money(fen: -1560).description, "-15.60")
        XCTAssertEqual(Money.zero.description, "0.00")
        XCTAssertEqual(Money(fen: -5).description, "-0.05")
        XCTAssertEqual(Money(fen: 5).description, "0.05")
        XCTAssertEqual(Money(fen: 50).description, "0.50")
        XCTAssertEqual(Money(fen: 100).description, "1.00")
        XCTAssertEqual(Money(fen: maxFen).description, "9000000000000.00")
        XCTAssertEqual(Money(fen: -maxFen).description, "-9000000000000.00")
        XCTAssertEqual(Money(fen: .min).description, "-92233720368547758.08")
        for text in ["-15.60", "0.00", "-0.05", "9000000000000.00", "-9000000000000.00", "12.30", "0.01"] {
            XCTAssertEqual(money(text).description, text)
        }
        var generator = SeededGenerator(seed: 0x4D6F_6E65_79)
        for _ in 0..<2_000 {
            let value = Money(fen: Int64.random(in: -maxFen...maxFen, using: &generator))
            XCTAssertEqual(Money.parse(value.description), .success(value))
        }
    }

    func testArithmeticAndOrder() {
        XCTAssertEqual(money("12.30") + money("-0.05"), money("12.25"))
        XCTAssertEqual(money("1.00") - money("2.50"), money("-1.50"))
        XCTAssertEqual(-money("1.00"), money("-1"))
        var total = Money.zero
        total += money("3.33")
        total -= money("1.11")
        XCTAssertEqual(total, money("2.22"))
        XCTAssertLessThan(money("-0.01"), Money.zero)
        XCTAssertTrue(Money(fen: maxFen).isInRange)
        XCTAssertFalse(Money(fen: maxFen + 1).isInRange)
        XCTAssertFalse(Money(fen: -maxFen - 1).isInRange)
    }

    func testTimesStaysInRangeOrReturnsNil() {
        XCTAssertEqual(money("100.00").times(2), money("200.00"))
        XCTAssertEqual(money("-0.05").times(3), money("-0.15"))
        XCTAssertEqual(money("12.30").times(0), Money.zero)
        XCTAssertEqual(Money(fen: maxFen).times(1), Money(fen: maxFen))
        XCTAssertEqual(Money(fen: maxFen).times(-1), Money(fen: -maxFen))
        XCTAssertNil(Money(fen: maxFen).times(2))
        XCTAssertEqual(Money(fen: 1).times(maxFen), Money(fen: maxFen))
        XCTAssertNil(Money(fen: 1).times(maxFen + 1))
        XCTAssertNil(Money(fen: -1).times(maxFen + 1))
        XCTAssertEqual(money("9.00").times(1_000_000_000_000), money("9000000000000.00"))
        XCTAssertNil(money("9.01").times(1_000_000_000_000))
        // Products that overflow Int64 itself are nil, never a trap.
        XCTAssertNil(money("100.00").times(.max))
        XCTAssertNil(money("100.00").times(.min))
        XCTAssertNil(money("-100.00").times(.max))
        XCTAssertNil(Money(fen: maxFen).times(1_000_000))
        XCTAssertNil(Money(fen: 3_037_000_500).times(3_037_000_500))
    }
}
