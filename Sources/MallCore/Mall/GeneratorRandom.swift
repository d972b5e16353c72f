// GeneratorRandom: the journal generator's deterministic randomness. A seeded xoshiro256**
// stream and integer-weighted choices; no Foundation, no floating point, so the same seed gives
// the same catalog and journal on every platform and every Swift version.

/// xoshiro256** (Blackman & Vigna), seeded through SplitMix64. Fast and well mixed; not for
/// anything secret. Each part of the generator draws from its own stream (`stream`), so the
/// catalog does not shift when the journal draws change.
struct GeneratorRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64, stream: UInt64) {
        var state = seed ^ (stream &* 0xD134_2543_DE82_EF95)
        func splitMix() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    mutating func next() -> UInt64 {
        let result = GeneratorRandom.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = GeneratorRandom.rotl(s3, 45)
        return result
    }

    /// Uniform in `0 ..< bound` without bias (Lemire's multiply-and-reject).
    mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "a draw needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// Uniform in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// Uniform in `range`.
    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(below(UInt64(range.upperBound - range.lowerBound) + 1))
    }

    /// True with probability `ppm` / 1,000,000.
    mutating func chance(ppm: Int) -> Bool { below(1_000_000) < UInt64(max(ppm, 0)) }

    /// A uniformly chosen element of a non-empty array.
    mutating func element<T>(_ items: [T]) -> T { items[Int(below(UInt64(items.count)))] }
}

/// Integer weights fixed once and drawn from many times, by Walker's alias method in integers:
/// two uniform draws per pick, whatever the number of weights. A weight of 0 is never drawn.
struct GenWeightTable: Sendable {
    /// Column i keeps itself when a uniform draw below `total` falls under `keep[i]`, else
    /// gives `alias[i]`.
    private let keep: [UInt64]
    private let alias: [Int32]
    let total: UInt64

    init(_ weights: [UInt64]) {
        let count = UInt64(weights.count)
        let total = weights.reduce(0, +)
        self.total = total
        guard total > 0 else { keep = []; alias = []; return }
        // Scale every weight by the count, so the average column holds exactly `total`.
        var scaled = weights.map { $0 * count }
        var keep = [UInt64](repeating: total, count: weights.count)
        var alias = [Int32](repeating: 0, count: weights.count)
        var small: [Int] = []
        var large: [Int] = []
        for index in scaled.indices { if scaled[index] < total { small.append(index) } else { large.append(index) } }
        while let low = small.popLast() {
            // Exact integers keep the columns' sum at `total` per column, so a small column
            // always finds a large one.
            guard let high = large.last else { break }
            keep[low] = scaled[low]
            alias[low] = Int32(high)
            scaled[high] -= total - scaled[low]
            if scaled[high] < total {
                large.removeLast()
                small.append(high)
            }
        }
        for index in large { keep[index] = total }
        self.keep = keep
        self.alias = alias
    }

    var isEmpty: Bool { total == 0 }

    /// An index, with probability proportional to its weight; the table must not be empty.
    @inline(__always)
    func draw(_ rng: inout GeneratorRandom) -> Int {
        precondition(!isEmpty, "drawing from a table whose weights are all 0")
        let column = Int(rng.below(UInt64(keep.count)))
        return rng.below(total) < keep[column] ? column : Int(alias[column])
    }
}

/// A small weighted menu of values, written as `(value, weight)` pairs where it is declared.
struct GenChoice<Value: Sendable>: Sendable {
    private let values: [Value]
    private let table: GenWeightTable

    init(_ pairs: [(Value, UInt64)]) {
        values = pairs.map(\.0)
        table = GenWeightTable(pairs.map(\.1))
    }

    func draw(_ rng: inout GeneratorRandom) -> Value { values[table.draw(&rng)] }
}
