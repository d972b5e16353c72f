// Test support for MallCoreTests: a fixed-seed random generator for the property tests and
// small helpers that keep the assertions short and exact.

import MallCore
import XCTest

/// SplitMix64: a tiny deterministic generator, so every property test replays the same cases.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Money from a literal the test trusts (a failing parse fails the test, not the process).
func money(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Money {
    switch Money.parse(text) {
    case .success(let value): return value
    case .failure(let error):
        XCTFail("'\(text)' did not parse: \(error.message)", file: file, line: line)
        return .zero
    }
}

/// A day from `YYYY-MM-DD` the test trusts.
func day(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Day {
    guard let value = Day(parsing: text) else {
        XCTFail("'\(text)' is not a date", file: file, line: line)
        return Day(ordinal: 0)
    }
    return value
}

/// An instant from an ISO 8601 timestamp the test trusts.
func instant(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Instant {
    switch Instant.parse(text) {
    case .success(let value): return value
    case .failure(let error):
        XCTFail("'\(text)' did not parse: \(error.message)", file: file, line: line)
        return Instant(nanos: 0)
    }
}
