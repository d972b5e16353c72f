// Rounding (SPEC §1): rates in ppm and proportions, half away from zero, exact through Int128.

import MallCore
import XCTest

final class RoundingTests: XCTestCase {
    private let maxFen: Int64 = 900_000_000_000_000

    func testRoundedQuotientIsHalfAwayFromZero() {
        XCTAssertEqual(Exact.roundedQuotient(5, 10), 1)
        XCTAssertEqual(Exact.roundedQuotient(-5, 10), -1)
        XCTAssertEqual(Exact.roundedQuotient(4, 10), 0)
        XCTAssertEqual(Exact.roundedQuotient(-4, 10), 0)
        XCTAssertEqual(Exact.roundedQuotient(15, 10), 2)
        XCTAssertEqual(Exact.roundedQuotient(-15, 10), -2)
        XCTAssertEqual(Exact.roundedQuotient(25, 10), 3)
        XCTAssertEqual(Exact.roundedQuotient(-25, 10), -3)
        XCTAssertEqual(Exact.roundedQuotient(1, 3), 0)
        XCTAssertEqual(Exact.roundedQuotient(2, 3), 1)
        XCTAssertEqual(Exact.roundedQuotient(-2, 3), -1)
        XCTAssertEqual(Exact.roundedQuotient(0, 7), 0)
        XCTAssertEqual(Exact.roundedQuotient(21, 7), 3)
        XCTAssertEqual(Exact.roundedQuotient(-21, 7), -3)
        XCTAssertEqual(Exact.roundedQuotient(7, 1), 7)
        // Numerators far beyond Int64 are fine as long as the quotient fits.
        let big = Int128(Int64.max) * 1_000_000 + 499_999
        XCTAssertEqual(Exact.roundedQuotient(big, 1_000_000), Int64.max)
        XCTAssertEqual(Exact.roundedQuotient(-big, 1_000_000), -Int64.max)
        XCTAssertEqual(Exact.roundedQuotient(Int128(Int64.min) * 1_000_000 + 500_000, 1_000_000), Int64.min)
        XCTAssertEqual(Exact.roundedQuotient(Int128(Int64.max) * 3 + 1, 3), Int64.max)
    }

    func testRoundedQuotientAgainstAReferenceRule() {
        // Reference: round half away from zero by comparing twice the remainder.
        var generator = SeededGenerator(seed: 0x526F_756E_64)
        for _ in 0..<3_000 {
            let numerator = Int128(Int64.random(in: -1_000_000_000_000_000...1_000_000_000_000_000, using: &generator))
                * Int128(Int64.random(in: -1_000_000...1_000_000, using: &generator))
            let denominator = Int128(Int64.random(in: 1...2_000_000, using: &generator))
            let magnitude = numerator.magnitude
            var expectedMagnitude = magnitude / denominator.magnitude
            if (magnitude % denominator.magnitude) * 2 >= denominator.magnitude { expectedMagnitude += 1 }
            guard expectedMagnitude <= UInt128(Int64.max) else { continue }
            let expected = numerator < 0 ? -Int64(expectedMagnitude) : Int64(expectedMagnitude)
            XCTAssertEqual(Exact.roundedQuotient(numerator, denominator), expected, "\(numerator) / \(denominator)")
        }
    }

    func testApplyingRateRoundsTiesAwayFromZero() {
        XCTAssertEqual(money("12.50").applying(Rate(ppm: 10_000)), money("0.13"))   // 0.125
        XCTAssertEqual(money("-12.50").applying(Rate(ppm: 10_000)), money("-0.13")) // -0.125
        XCTAssertEqual(money("12.49").applying(Rate(ppm: 10_000)), money("0.12"))   // 0.1249
        XCTAssertEqual(money("-12.49").applying(Rate(ppm: 10_000)), money("-0.12"))
        XCTAssertEqual(money("0.01").applying(Rate(ppm: 500_000)), money("0.01"))   // 0.005
        XCTAssertEqual(money("-0.01").applying(Rate(ppm: 500_000)), money("-0.01"))
        XCTAssertEqual(money("0.01").applying(Rate(ppm: 499_999)), Money.zero)
        XCTAssertEqual(money("-0.01").applying(Rate(ppm: 499_999)), Money.zero)
        XCTAssertEqual(money("12.50").applying(Rate(ppm: -10_000)), money("-0.13"))
    }

    func testApplyingRateWorkedExamples() {
        XCTAssertEqual(money("173.00").applying(Rate(ppm: 6_000)), money("1.04"))   // 1.038
        XCTAssertEqual(money("195.00").applying(Rate(ppm: 80_000)), money("15.60"))
        XCTAssertEqual(money("7.80").applying(Rate(ppm: 200_000)), money("1.56"))
        XCTAssertEqual(money("-195.00").applying(Rate(ppm: 80_000)), money("-15.60"))
        XCTAssertEqual(money("100.00").applying(Rate(ppm: 0)), Money.zero)
        XCTAssertEqual(money("100.00").applying(Rate(ppm: 1_000_000)), money("100.00"))
    }

    func testApplyingRateAtTheRangeLimitDoesNotOverflow() {
        let max = Money(fen: maxFen)
        XCTAssertEqual(max.applying(Rate(ppm: 1_000_000)), max)
        XCTAssertEqual((-max).applying(Rate(ppm: 1_000_000)), -max)
        XCTAssertEqual(max.applying(Rate(ppm: 80_000)), money("720000000000.00"))
        XCTAssertEqual(max.applying(Rate(ppm: 6_000)), money("54000000000.00"))
        XCTAssertEqual(max.applying(Rate(ppm: 1)), money("9000000.00"))
        XCTAssertEqual(Money(fen: maxFen - 1).applying(Rate(ppm: 1)), money("9000000.00")) // 8999999.9999999
        XCTAssertEqual(Money(fen: .max).applying(Rate(ppm: 1_000_000)), Money(fen: .max))
        XCTAssertEqual(Money(fen: .min).applying(Rate(ppm: 1_000_000)), Money(fen: .min))
    }

    func testScaledRoundsTiesAwayFromZeroOnBothSides() {
        XCTAssertEqual(Money(fen: 5).scaled(by: 1, over: 2), Money(fen: 3))
        XCTAssertEqual(Money(fen: -5).scaled(by: 1, over: 2), Money(fen: -3))
        XCTAssertEqual(Money(fen: 3).scaled(by: 1, over: 2), Money(fen: 2))
        XCTAssertEqual(Money(fen: -3).scaled(by: 1, over: 2), Money(fen: -2))
        XCTAssertEqual(Money(fen: 7).scaled(by: 1, over: 3), Money(fen: 2))
        XCTAssertEqual(Money(fen: 7).scaled(by: 2, over: 3), Money(fen: 5))
        XCTAssertEqual(Money(fen: -7).scaled(by: 2, over: 3), Money(fen: -5))
        XCTAssertEqual(Money(fen: 1560).scaled(by: 9250, over: 18500), Money(fen: 780))
        XCTAssertEqual(Money(fen: 1).scaled(by: 0, over: 9), Money.zero)
        XCTAssertEqual(Money(fen: 1234).scaled(by: 9, over: 9), Money(fen: 1234))
        let max = Money(fen: maxFen)
        XCTAssertEqual(max.scaled(by: 1_000_000_000_000, over: 1_000_000_000_000), max)
        XCTAssertEqual(max.scaled(by: 3, over: 7), Money(fen: 385_714_285_714_286)) // …285.714
        XCTAssertEqual((-max).scaled(by: 3, over: 7), Money(fen: -385_714_285_714_286))
    }
}
