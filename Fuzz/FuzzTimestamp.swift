// Fuzz/FuzzTimestamp.swift: libFuzzer target for Instant.parse (SPEC section 2: ISO 8601 with
// an offset or Z, `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM|±HHMM|±HH)`).
//
// Each execution parses the input bytes and checks them against a reference written from the
// grammar with its own day count: the same accept or refuse (and `missingOffset` exactly when
// only the offset is missing), the same instant. An accepted instant, written in UTC, at fixed
// offsets and at the offsets the business calendars give (what the journal writer does),
// reads back to itself.

import MallCore

let fixedOffsets = [0, 8 * 3600, -5 * 3600, 5 * 3600 + 1800, 5 * 3600 + 2700, -(9 * 3600 + 1800), 18 * 3600, -18 * 3600]
let calendars = ["Asia/Shanghai", "America/New_York", "Asia/Kolkata", "Europe/London"].map { BusinessCalendar(timezone: $0)! }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamp(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let result = Instant.parse(utf8: input, original: String(decoding: input, as: UTF8.self))
    let expected = TimestampReference.parse(Array(input))
    switch (result, expected) {
    case (.success(let instant), .instant(let nanos)):
        check(instant.nanos == nanos, "parsed \(instant.nanos) ns, the grammar gives \(nanos)")
        for offset in fixedOffsets + calendars.map({ $0.offsetSeconds(at: instant) }) {
            let text = instant.formatted(offsetSeconds: offset)
            check(Instant.parse(text) == .success(instant), "\(text) (offset \(offset) s) does not read back to \(instant.nanos) ns")
        }
    case (.failure(.missingOffset), .missingOffset), (.failure(.malformed), .refused):
        break
    default:
        check(false, "parse gives \(result), the grammar \(expected)")
    }
    if let text = String(validating: input, as: UTF8.self) {
        check(Instant.parse(text) == result, "parse(String) and parse(utf8:) disagree")
    }
    return 0
}

enum TimestampReference {
    enum Outcome: Equatable {
        case instant(Int64)
        case missingOffset
        case refused
    }

    static func parse(_ b: [UInt8]) -> Outcome {
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count, b[range].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            return b[range].reduce(0) { $0 * 10 + Int($1 - 48) }
        }
        func byte(_ i: Int, _ c: Character) -> Bool { i < b.count && b[i] == c.asciiValue! }
        guard let year = number(0..<4), byte(4, "-"), let month = number(5..<7), byte(7, "-"),
              let day = number(8..<10), byte(10, "T"), let hour = number(11..<13), byte(13, ":"),
              let minute = number(14..<16), (1...12).contains(month), hour <= 23, minute <= 59,
              day >= 1, day <= daysIn(year, month) else { return .refused }
        var i = 16
        var second = 0
        var fraction: Int128 = 0
        if byte(i, ":") {
            guard let s = number((i + 1)..<(i + 3)), s <= 59 else { return .refused }
            second = s
            i += 3
            if byte(i, ".") {
                let digits = b[(i + 1)...].prefix { $0 >= 48 && $0 <= 57 }
                guard (1...9).contains(digits.count) else { return .refused }
                fraction = digits.reduce(Int128(0)) { $0 * 10 + Int128($1 - 48) }
                for _ in digits.count..<9 { fraction *= 10 }
                i += 1 + digits.count
            }
        }
        guard i < b.count else { return .missingOffset }
        var offset = 0
        let rest = Array(b[i...])
        if rest == [UInt8(ascii: "Z")] {
            offset = 0
        } else if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") {
            let sign = rest.first == UInt8(ascii: "-") ? -1 : 1
            let body = Array(rest.dropFirst())
            let hh: Int?
            var mm: Int? = 0
            switch body.count {
            case 2: hh = digits(body[0..<2])
            case 4: hh = digits(body[0..<2]); mm = digits(body[2..<4])
            case 5 where body[2] == UInt8(ascii: ":"): hh = digits(body[0..<2]); mm = digits(body[3..<5])
            default: return .refused
            }
            guard let hh, let mm, hh <= 18, mm <= 59 else { return .refused }
            offset = sign * (hh * 3600 + mm * 60)
        } else {
            return .refused
        }
        let days = Int128(daysSinceEpoch(year, month, day))
        let seconds = days * 86_400 + Int128(hour * 3600 + minute * 60 + second - offset)
        let nanos = seconds * 1_000_000_000 + fraction
        guard let exact = Int64(exactly: nanos) else { return .refused }
        return .instant(exact)
    }

    static func digits(_ s: ArraySlice<UInt8>) -> Int? {
        guard s.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return s.reduce(0) { $0 * 10 + Int($1 - 48) }
    }

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(_ year: Int, _ month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01, counting whole years and then months (not the era arithmetic the
    /// product uses).
    static func daysSinceEpoch(_ year: Int, _ month: Int, _ day: Int) -> Int {
        func leapDaysBefore(_ y: Int) -> Int {
            let p = y - 1
            func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
            return floorDiv(p, 4) - floorDiv(p, 100) + floorDiv(p, 400)
        }
        var days = (year - 1970) * 365 + leapDaysBefore(year) - leapDaysBefore(1970)
        for m in 1..<month { days += daysIn(year, m) }
        return days + day - 1
    }
}
