// Money: exact amounts in integer minor units (fen), parsed from and written as plain decimals.
//
// SPEC §1: feeds carry decimal strings with at most two fraction digits; inside, an amount is
// an Int64 count of fen limited to ±9,000,000,000,000.00. Binary floating point never touches it.

/// An exact amount of money in minor units (fen for CNY).
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The amount in minor units.
    public let fen: Int64

    /// The largest magnitude a feed may carry: 9,000,000,000,000.00 (in fen).
    public static let magnitudeMaxFen: Int64 = 900_000_000_000_000
    public static let zero = Money(fen: 0)

    public init(fen: Int64) { self.fen = fen }

    /// Why a money text was refused; `message` is written for a finance user.
    public enum ParseError: Error, Equatable, Sendable {
        case notADecimal(String)
        case tooManyFractionDigits(String)
        case outOfRange(String)

        public var message: String {
            switch self {
            case .notADecimal(let t): return "'\(t)' is not a plain decimal amount (like 12.30 or -0.05)"
            case .tooManyFractionDigits(let t): return "'\(t)' has more than 2 fraction digits"
            case .outOfRange(let t): return "'\(t)' is outside ±9,000,000,000,000.00"
            }
        }
    }

    /// Parses `-?digits(.d{1,2})?`: no exponent, no separators, no sign other than a leading
    /// minus, no spaces. `-0` and `-0.00` are zero.
    public static func parse(_ text: String) -> Result<Money, ParseError> {
        let original = text
        var text = text
        return text.withUTF8 { parse(utf8: $0, original: original) }
    }

    /// Parses from UTF-8 bytes; `original` is only used in error messages.
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, original: @autoclosure () -> String)
        -> Result<Money, ParseError>
    {
        let wholeCap: Int64 = 1_000_000_000_000_000 // beyond this the value is out of range anyway
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count && bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        let integerStart = index
        var whole: Int64 = 0
        var tooLarge = false
        while index < count, bytes[index] >= 48, bytes[index] <= 57 {
            if whole >= wholeCap { tooLarge = true } else { whole = whole * 10 + Int64(bytes[index] - 48) }
            index += 1
        }
        guard index > integerStart else { return .failure(.notADecimal(original())) }
        var fraction: Int64 = 0
        if index < count {
            guard bytes[index] == UInt8(ascii: ".") else { return .failure(.notADecimal(original())) }
            index += 1
            var fractionDigits = 0
            while index < count, bytes[index] >= 48, bytes[index] <= 57 {
                fractionDigits += 1
                if fractionDigits <= 2 { fraction = fraction * 10 + Int64(bytes[index] - 48) }
                index += 1
            }
            guard fractionDigits > 0, index == count else { return .failure(.notADecimal(original())) }
            if fractionDigits > 2 { return .failure(.tooManyFractionDigits(original())) }
            if fractionDigits == 1 { fraction *= 10 }
        }
        guard !tooLarge, whole <= magnitudeMaxFen / 100 else { return .failure(.outOfRange(original())) }
        let magnitude = whole * 100 + fraction
        guard magnitude <= magnitudeMaxFen else { return .failure(.outOfRange(original())) }
        return .success(Money(fen: negative ? -magnitude : magnitude))
    }

    /// Whether the amount is inside the range a feed may carry.
    public var isInRange: Bool { fen >= -Money.magnitudeMaxFen && fen <= Money.magnitudeMaxFen }

    /// Plain decimal with two fraction digits: `-15.60`, `0.00`.
    public var description: String {
        let magnitude = fen.magnitude
        let whole = magnitude / 100
        let cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(whole) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }
    public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen - b.fen) }
    public static prefix func - (a: Money) -> Money { Money(fen: -a.fen) }
    public static func += (a: inout Money, b: Money) { a = a + b }
    public static func -= (a: inout Money, b: Money) { a = a - b }

    /// `quantity × self`, or nil when the product leaves the feed range (a row error, `bad_money`).
    public func times(_ quantity: Int64) -> Money? {
        let (product, overflow) = fen.multipliedReportingOverflow(by: quantity)
        guard !overflow else { return nil }
        let result = Money(fen: product)
        return result.isInRange ? result : nil
    }

    /// `round(self × rate)`, half away from zero, exact through a 128-bit intermediate.
    public func applying(_ rate: Rate) -> Money {
        Money(fen: Exact.roundedQuotient(Int128(fen) * Int128(rate.ppm), Int128(Rate.ppmPerUnit)))
    }

    /// `round(self × numerator / denominator)`, half away from zero; `denominator` > 0.
    public func scaled(by numerator: Int64, over denominator: Int64) -> Money {
        precondition(denominator > 0, "a share needs a positive denominator")
        return Money(fen: Exact.roundedQuotient(Int128(fen) * Int128(numerator), Int128(denominator)))
    }
}

/// A rate in parts per million: 8% = 80000, 0.6% = 6000.
public struct Rate: Hashable, Sendable, CustomStringConvertible {
    public static let ppmPerUnit: Int64 = 1_000_000
    public let ppm: Int64
    public init(ppm: Int64) { self.ppm = ppm }
    public var description: String { "\(ppm) ppm" }
}

/// Exact integer arithmetic shared by the money rules.
public enum Exact {
    /// `numerator / denominator` rounded half away from zero (0.5 → 1, −0.5 → −1).
    /// `denominator` must be positive; the result must fit in Int64.
    public static func roundedQuotient(_ numerator: Int128, _ denominator: Int128) -> Int64 {
        precondition(denominator > 0, "rounding needs a positive denominator")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        var rounded = quotient
        if remainder.magnitude * 2 >= denominator.magnitude {
            rounded += numerator < 0 ? -1 : 1
        }
        return Int64(rounded)
    }
}

/// A cumulative share of a whole: `numerator / denominator`, 0 ≤ share ≤ 1 in practice.
public struct Share: Hashable, Sendable {
    public let numerator: Int64
    public let denominator: Int64
    public init(_ numerator: Int64, of denominator: Int64) {
        precondition(denominator > 0, "a share needs a positive denominator")
        self.numerator = numerator
        self.denominator = denominator
    }
    public static let none = Share(0, of: 1)
    public var isWhole: Bool { numerator == denominator }
}

/// The cumulative-difference rule (SPEC §1): the reversal of a forward amount `forward` when
/// the refunded share moves from `before` to `after` is
/// `round(forward × after) − round(forward × before)`. Any sequence ending at a share of 1
/// nets `forward` to exactly zero.
public func cumulativeDifference(of forward: Money, from before: Share, to after: Share) -> Money {
    forward.scaled(by: after.numerator, over: after.denominator)
        - forward.scaled(by: before.numerator, over: before.denominator)
}

/// Largest-remainder allocation (SPEC §1): splits `total` over `weights` in proportion,
/// the parts summing exactly to `total`; leftover units go to the largest remainders, ties to
/// the lower index. Negative totals are split as their magnitude and negated. Weights must be
/// ≥ 0; when they are all 0 the total is split equally (ties again to the lower index).
public func allocateLargestRemainder(_ total: Int64, weights: [Int64]) -> [Int64] {
    precondition(!weights.isEmpty, "allocation needs at least one weight")
    return weights.withUnsafeBufferPointer { weights in
        Array(unsafeUninitializedCapacity: weights.count) { parts, count in
            parts.initialize(repeating: 0)
            allocateLargestRemainder(total, weights: weights, into: parts)
            count = weights.count
        }
    }
}

/// `allocateLargestRemainder` written into `parts` (one per weight): the mall core allocates
/// freight, coupons and points over the lines of every order, and the arrays of the allocation
/// cost more than its arithmetic. Up to `largestRemainderSmall` weights it keeps its
/// remainders on the stack and hands out the leftover units by scanning for the largest.
public func allocateLargestRemainder(_ total: Int64, weights: UnsafeBufferPointer<Int64>,
                                     into parts: UnsafeMutableBufferPointer<Int64>) {
    precondition(!weights.isEmpty, "allocation needs at least one weight")
    precondition(parts.count == weights.count, "one part per weight")
    precondition(weights.allSatisfy { $0 >= 0 }, "allocation weights are never negative")
    if total < 0 {
        allocateLargestRemainder(-total, weights: weights, into: parts)
        for i in parts.indices { parts[i] = -parts[i] }
        return
    }
    let count = weights.count
    var weightSum = weights.reduce(Int128(0)) { $0 + Int128($1) }
    let equal = weightSum == 0
    if equal { weightSum = Int128(count) }
    withUnsafeTemporaryAllocation(of: Int128.self, capacity: count) { remainders in
        var allocated: Int64 = 0
        for index in 0..<count {
            let product = Int128(total) * Int128(equal ? 1 : weights[index])
            parts[index] = Int64(product / weightSum)
            allocated += parts[index]
            remainders[index] = product % weightSum
        }
        var leftover = total - allocated
        guard leftover > 0 else { return }
        if count <= largestRemainderSmall {
            // The largest remainder not yet served, ties to the lower index; served ones are
            // marked −1 (remainders are never negative).
            while leftover > 0 {
                var best = 0
                for index in 1..<count where remainders[index] > remainders[best] { best = index }
                parts[best] += 1
                remainders[best] = -1
                leftover -= 1
            }
        } else {
            let order = (0..<count).sorted {
                remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1
            }
            for index in order.prefix(Int(leftover)) { parts[index] += 1 }
        }
    }
}

/// Room for `count` weights and their parts (on the stack for small counts), for
/// `allocateLargestRemainder(_:weights:into:)` without arrays.
@inline(__always)
public func withAllocationRoom<R>(_ count: Int, _ body: (_ weights: UnsafeMutableBufferPointer<Int64>,
                                                        _ parts: UnsafeMutableBufferPointer<Int64>) throws -> R) rethrows -> R {
    try withUnsafeTemporaryAllocation(of: Int64.self, capacity: 2 * count) { room in
        room.initialize(repeating: 0)
        return try body(UnsafeMutableBufferPointer(rebasing: room[0..<count]),
                        UnsafeMutableBufferPointer(rebasing: room[count..<(2 * count)]))
    }
}

/// Weights up to which `allocateLargestRemainder` scans instead of sorting (a cart's lines,
/// an order's children).
let largestRemainderSmall = 32
