// Fuzz/FuzzMoney.swift: libFuzzer target for Money.parse (SPEC section 1: `-?digits(.d{1,2})?`,
// at most ±9,000,000,000,000.00, no exponent, no separators, no spaces).
//
// Each execution parses the input bytes and checks them against a reference written from the
// rule with 128-bit arithmetic: the same accept or refuse, the same amount; an accepted
// amount is in range and its text reads back to itself; the String and UTF-8 entry points
// agree.

import MallCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMoney(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let result = Money.parse(utf8: input, original: String(decoding: input, as: UTF8.self))
    let expected = MoneyReference.fen(Array(input))
    switch result {
    case .success(let money):
        check(expected == money.fen, "parsed \(money.fen) fen, the rule gives \(String(describing: expected))")
        check(money.isInRange, "\(money.fen) fen is outside the feed range")
        check(Money.parse(money.description) == .success(money), "\(money.description) does not read back")
    case .failure(let error):
        check(expected == nil, "refused (\(error.message)), the rule reads \(expected ?? 0) fen")
    }
    if let text = String(validating: input, as: UTF8.self) {
        check(Money.parse(text) == result, "parse(String) and parse(utf8:) disagree")
    }
    return 0
}

enum MoneyReference {
    /// The amount in fen, or nil when the text is not a plain decimal in range.
    static func fen(_ b: [UInt8]) -> Int64? {
        var digits = b[...]
        var negative = false
        if digits.first == UInt8(ascii: "-") { negative = true; digits = digits.dropFirst() }
        let parts = digits.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(isDigit) else { return nil }
        var fraction: ArraySlice<UInt8> = []
        if parts.count == 2 {
            fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy(isDigit) else { return nil }
        }
        // Leading zeros do not count towards the size; more than 20 digits is out of range anyway.
        let significant = whole.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 20 else { return nil }
        var magnitude: Int128 = 0
        for d in significant { magnitude = magnitude * 10 + Int128(d - 48) }
        var cents: Int128 = 0
        for d in fraction { cents = cents * 10 + Int128(d - 48) }
        if fraction.count == 1 { cents *= 10 }
        magnitude = magnitude * 100 + cents
        guard magnitude <= 900_000_000_000_000 else { return nil }
        return Int64(negative ? -magnitude : magnitude)
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
}
