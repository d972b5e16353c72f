// Proportional amounts (SPEC §1): the cumulative-difference rule and largest-remainder allocation.

import MallCore
import XCTest

final class CumulativeDifferenceTests: XCTestCase {
    func testSpecWorkedExample() {
        // SPEC §5: a return of 92.50 of goods 185.00 is a share of 1/2.
        let half = Share(9_250, of: 18_500)
        XCTAssertEqual(cumulativeDifference(of: money("-15.60"), from: .none, to: half), money("-7.80"))
        XCTAssertEqual(cumulativeDifference(of: money("15.60"), from: .none, to: Share(1, of: 2)), money("7.80"))
        XCTAssertEqual(cumulativeDifference(of: money("10.00"), from: .none, to: half), money("5.00"))
        // The second half nets the forward amounts to zero.
        XCTAssertEqual(cumulativeDifference(of: money("-15.60"), from: half, to: Share(18_500, of: 18_500)), money("-7.80"))
        XCTAssertEqual(cumulativeDifference(of: money("10.00"), from: half, to: Share(1, of: 1)), money("5.00"))
    }

    func testThirdsNetExactly() {
        let forward = money("0.10")
        let steps = [cumulativeDifference(of: forward, from: .none, to: Share(1, of: 3)),
                     cumulativeDifference(of: forward, from: Share(1, of: 3), to: Share(2, of: 3)),
                     cumulativeDifference(of: forward, from: Share(2, of: 3), to: Share(3, of: 3))]
        XCTAssertEqual(steps, [Money(fen: 3), Money(fen: 4), Money(fen: 3)]) // 3.33→3, 6.67→7, 10
        XCTAssertEqual(steps.reduce(.zero, +), forward)
        let negative = money("-0.10")
        XCTAssertEqual(cumulativeDifference(of: negative, from: .none, to: Share(1, of: 2)), Money(fen: -5))
        XCTAssertEqual(cumulativeDifference(of: money("-0.01"), from: .none, to: Share(1, of: 2)), Money(fen: -1))
        XCTAssertEqual(cumulativeDifference(of: money("-0.01"), from: Share(1, of: 2), to: Share(1, of: 1)), Money.zero)
        XCTAssertEqual(cumulativeDifference(of: forward, from: Share(1, of: 4), to: Share(1, of: 4)), Money.zero)
        XCTAssertTrue(Share(7, of: 7).isWhole)
        XCTAssertFalse(Share(6, of: 7).isWhole)
    }

    /// Random refund histories of random forward amounts: the steps always net to the forward
    /// amount, and no step is larger than the forward amount.
    func testAnySequenceEndingInTheWholeNetsExactly() {
        var generator = SeededGenerator(seed: 0x4375_6D44_6966)
        for _ in 0..<3_000 {
            let magnitudeMax: Int64 = [100, 10_000, 1_000_000_000_000].randomElement(using: &generator)!
            let forward = Money(fen: Int64.random(in: -magnitudeMax...magnitudeMax, using: &generator))
            let denominator = Int64.random(in: 1...[3, 100, 1_000_000, 1_000_000_000_000].randomElement(using: &generator)!,
                                           using: &generator)
            var before = Share.none
            var numerator: Int64 = 0
            var total = Money.zero
            var stepCount = 0
            while numerator < denominator {
                let remaining = denominator - numerator
                numerator += stepCount >= 20 ? remaining : Int64.random(in: 0...remaining, using: &generator)
                // Shares arrive with differing denominators; scale this one by a random factor.
                let factor = Int64.random(in: 1...3, using: &generator)
                let after = Share(numerator * factor, of: denominator * factor)
                let step = cumulativeDifference(of: forward, from: before, to: after)
                XCTAssertLessThanOrEqual(step.fen.magnitude, forward.fen.magnitude,
                                         "forward \(forward) step \(before) → \(numerator)/\(denominator)")
                if forward.fen >= 0 { XCTAssertGreaterThanOrEqual(step.fen, 0) } else { XCTAssertLessThanOrEqual(step.fen, 0) }
                total += step
                before = after
                stepCount += 1
            }
            XCTAssertTrue(before.isWhole)
            XCTAssertEqual(total, forward, "forward \(forward) over \(stepCount) steps of /\(denominator)")
        }
    }
}

final class AllocationTests: XCTestCase {
    func testWorkedCases() {
        XCTAssertEqual(allocateLargestRemainder(1000, weights: [1, 1, 1]), [334, 333, 333])
        XCTAssertEqual(allocateLargestRemainder(1000, weights: [3000, 2000, 5000]), [300, 200, 500])
        XCTAssertEqual(allocateLargestRemainder(100, weights: [1, 2]), [33, 67])       // 33.3, 66.7
        XCTAssertEqual(allocateLargestRemainder(10, weights: [3, 3, 4]), [3, 3, 4])
        XCTAssertEqual(allocateLargestRemainder(5, weights: [2, 2, 2, 2]), [2, 1, 1, 1])
        XCTAssertEqual(allocateLargestRemainder(7, weights: [1, 1, 1, 1]), [2, 2, 2, 1])
        XCTAssertEqual(allocateLargestRemainder(2000, weights: [18500, 100, 2400]), [1762, 9, 229]) // 1761.90, 9.52, 228.57
        XCTAssertEqual(allocateLargestRemainder(0, weights: [1, 5, 9]), [0, 0, 0])
    }

    func testTiesGoToTheLowerIndex() {
        XCTAssertEqual(allocateLargestRemainder(1, weights: [1, 1]), [1, 0])
        XCTAssertEqual(allocateLargestRemainder(1, weights: [0, 1, 1]), [0, 1, 0])
        XCTAssertEqual(allocateLargestRemainder(2, weights: [1, 1, 1]), [1, 1, 0])
        // 10 × 1/4 = 2.5 and 10 × 3/4 = 7.5 tie on the remainder: the lower index takes the unit.
        XCTAssertEqual(allocateLargestRemainder(10, weights: [1, 3]), [3, 7])
        XCTAssertEqual(allocateLargestRemainder(2, weights: [1, 1, 4]), [1, 0, 1]) // 1/3, 1/3, 4/3
        // A larger remainder beats a lower index: 1/3 vs 2/3.
        XCTAssertEqual(allocateLargestRemainder(1, weights: [1, 2]), [0, 1])
        XCTAssertEqual(allocateLargestRemainder(4, weights: [1, 1, 1, 3]), [1, 1, 0, 2]) // 2/3, 2/3, 2/3, 2
    }

    func testNegativeTotalsMirrorPositiveOnes() {
        XCTAssertEqual(allocateLargestRemainder(-1000, weights: [1, 1, 1]), [-334, -333, -333])
        XCTAssertEqual(allocateLargestRemainder(-1, weights: [1, 1]), [-1, 0])
        XCTAssertEqual(allocateLargestRemainder(-100, weights: [1, 2]), [-33, -67])
    }

    func testZeroWeightsSplitEquallyAndSingleWeightTakesAll() {
        XCTAssertEqual(allocateLargestRemainder(10, weights: [0, 0, 0]), [4, 3, 3])
        XCTAssertEqual(allocateLargestRemainder(-10, weights: [0, 0, 0]), [-4, -3, -3])
        XCTAssertEqual(allocateLargestRemainder(10, weights: [0, 5, 0]), [0, 10, 0])
        XCTAssertEqual(allocateLargestRemainder(12345, weights: [7]), [12345])
        XCTAssertEqual(allocateLargestRemainder(-12345, weights: [0]), [-12345])
        XCTAssertEqual(allocateLargestRemainder(900_000_000_000_000, weights: [1, 1, 1]),
                       [300_000_000_000_000, 300_000_000_000_000, 300_000_000_000_000])
        XCTAssertEqual(allocateLargestRemainder(900_000_000_000_000, weights: [.max, .max]),
                       [450_000_000_000_000, 450_000_000_000_000])
    }

    /// Random totals and weights: parts sum to the total, each within one unit of its exact share,
    /// and the units beyond the floors go to the largest remainders, ties to the lower index.
    func testRandomAllocationsAreExactAndFair() {
        var generator = SeededGenerator(seed: 0x416C_6C6F_63)
        // 3,000 rounds of up to 12 weights, 600 of 13 to 80: the leftover units are handed out
        // by scanning up to 32 weights and by sorting beyond.
        for round in 0..<3_600 {
            let count = round < 3_000 ? Int.random(in: 1...12, using: &generator) : Int.random(in: 13...80, using: &generator)
            let weightMax: Int64 = [1, 3, 1_000, 1_000_000_000_000].randomElement(using: &generator)!
            var weights = (0..<count).map { _ in Int64.random(in: 0...weightMax, using: &generator) }
            if Int.random(in: 0..<20, using: &generator) == 0 { weights = weights.map { _ in 0 } }
            let totalMax: Int64 = [10, 100_000, 900_000_000_000_000].randomElement(using: &generator)!
            let total = Int64.random(in: -totalMax...totalMax, using: &generator)
            let parts = allocateLargestRemainder(total, weights: weights)
            XCTAssertEqual(parts.count, count)
            XCTAssertEqual(parts.reduce(Int128(0)) { $0 + Int128($1) }, Int128(total), "\(total) over \(weights)")
            let effective = weights.allSatisfy { $0 == 0 } ? weights.map { _ in Int64(1) } : weights
            let weightSum = effective.reduce(Int128(0)) { $0 + Int128($1) }
            var floors = [Int128]()
            for (index, part) in parts.enumerated() {
                // |part − total × w / W| < 1  ⇔  |part × W − total × w| < W
                let exact = Int128(total) * Int128(effective[index])
                let gap = Int128(part) * weightSum - exact
                XCTAssertLessThan(gap.magnitude, weightSum.magnitude, "part \(index) of \(total) over \(weights)")
                // A part never moves the wrong way from its share: parts of a positive total are ≥ 0.
                if total >= 0 { XCTAssertGreaterThanOrEqual(part, 0) } else { XCTAssertLessThanOrEqual(part, 0) }
                floors.append(Int128(exact.magnitude / weightSum.magnitude))
            }
            // Whoever got the extra unit had a remainder at least as large as anyone who did not.
            let magnitudeTotal = Int128(total.magnitude)
            let remainders = effective.map { (magnitudeTotal * Int128($0)) % weightSum }
            let bumped = parts.indices.filter { Int128(parts[$0].magnitude) > floors[$0] }
            let passed = parts.indices.filter { Int128(parts[$0].magnitude) == floors[$0] }
            for winner in bumped {
                for loser in passed {
                    XCTAssertTrue(remainders[winner] > remainders[loser]
                                  || (remainders[winner] == remainders[loser] && winner < loser),
                                  "\(total) over \(weights): \(parts)")
                }
            }
        }
    }
}
