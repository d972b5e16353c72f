// Instant: a point in time parsed from an ISO 8601 timestamp that carries its offset (SPEC §2).

/// A point in time: nanoseconds since 1970-01-01T00:00:00Z.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let nanos: Int64
    public init(nanos: Int64) { self.nanos = nanos }

    public static let nanosPerSecond: Int64 = 1_000_000_000
    public var epochSeconds: Int64 { secondsAndFraction.seconds }

    /// Whole seconds (floored) and the nanoseconds past them (0 ..< 1e9). Computed from the
    /// remainder: `nanos - (nanosPerSecond - 1)` or `seconds * nanosPerSecond` would overflow
    /// within a second of `Int64.min`.
    private var secondsAndFraction: (seconds: Int64, fraction: Int64) {
        let (quotient, remainder) = nanos.quotientAndRemainder(dividingBy: Instant.nanosPerSecond)
        return remainder < 0 ? (quotient - 1, remainder + Instant.nanosPerSecond) : (quotient, remainder)
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanos < b.nanos }

    /// Why a timestamp text was refused.
    public enum ParseError: Error, Equatable, Sendable {
        case malformed(String)
        case missingOffset(String)

        public var message: String {
            switch self {
            case .malformed(let t): return "'\(t)' is not an ISO 8601 timestamp like 2026-11-03T14:05:00+08:00"
            case .missingOffset(let t): return "'\(t)' has no offset: add Z or +08:00"
            }
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM|±HHMM|±HH)`, up to 9 fraction digits.
    public static func parse(_ text: String) -> Result<Instant, ParseError> {
        let original = text
        var text = text
        return text.withUTF8 { parse(utf8: $0, original: original) }
    }

    public static func parse(utf8 b: UnsafeBufferPointer<UInt8>, original: @autoclosure () -> String)
        -> Result<Instant, ParseError>
    {
        let n = b.count
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= n else { return nil }
            var value = 0
            for index in at..<(at + count) {
                let byte = b[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard n >= 16, let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              b[7] == UInt8(ascii: "-"), let day = digits(8, 2), b[10] == UInt8(ascii: "T"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              let date = Day(year: year, month: month, day: day), hour <= 23, minute <= 59
        else { return .failure(.malformed(original())) }
        var index = 16
        var second = 0
        var fractionNanos: Int64 = 0
        if index < n && b[index] == UInt8(ascii: ":") {
            guard let s = digits(index + 1, 2), s <= 59 else { return .failure(.malformed(original())) }
            second = s
            index += 3
            if index < n && b[index] == UInt8(ascii: ".") {
                index += 1
                var fractionDigits = 0
                while index < n, b[index] >= 48, b[index] <= 57 {
                    guard fractionDigits < 9 else { return .failure(.malformed(original())) }
                    fractionNanos = fractionNanos * 10 + Int64(b[index] - 48)
                    fractionDigits += 1
                    index += 1
                }
                guard fractionDigits > 0 else { return .failure(.malformed(original())) }
                for _ in fractionDigits..<9 { fractionNanos *= 10 }
            }
        }
        guard index < n else { return .failure(.missingOffset(original())) }
        var offsetSeconds = 0
        switch b[index] {
        case UInt8(ascii: "Z"):
            guard index + 1 == n else { return .failure(.malformed(original())) }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(index + 1, 2), oh <= 18 else { return .failure(.malformed(original())) }
            var om = 0
            if index + 3 == n {
                om = 0
            } else if index + 6 == n, b[index + 3] == UInt8(ascii: ":"), let m = digits(index + 4, 2), m <= 59 {
                om = m
            } else if index + 5 == n, let m = digits(index + 3, 2), m <= 59 {
                om = m
            } else {
                return .failure(.malformed(original()))
            }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        default:
            return .failure(.malformed(original()))
        }
        let seconds = Int64(date.ordinal) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        // Wide intermediate: near Int64.min, `seconds × 1e9` alone overflows although adding the
        // fraction brings the instant back into range.
        let total = Int128(seconds) * Int128(nanosPerSecond) + Int128(fractionNanos)
        guard let nanos = Int64(exactly: total) else { return .failure(.malformed(original())) }
        return .success(Instant(nanos: nanos))
    }

    /// UTC form, `2026-11-03T06:05:00Z` (fraction shown only when present).
    public var description: String { formatted(offsetSeconds: 0) }

    /// Local form with its offset, `2026-11-03T14:05:00+08:00` (`Z` for offset 0), the way the
    /// mall's feeds write timestamps. Parsing it back gives the same instant. Written byte by
    /// byte: replay formats millions of timestamps.
    ///
    /// An offset is written in whole minutes, and the clock is shifted by the offset as written
    /// (its seconds dropped, toward zero). Zones had offsets with seconds before standard time
    /// (Asia/Shanghai's local mean time until 1901 is +08:05:43); shifting the clock by the
    /// whole offset but writing `+08:05` would read back 43 s off.
    public func formatted(offsetSeconds: Int) -> String {
        let offsetSeconds = offsetSeconds / 60 * 60
        let text = String(unsafeUninitializedCapacity: Instant.formattedBytesMax) {
            writeFormatted(offsetSeconds: offsetSeconds, into: $0) ?? 0
        }
        if !text.isEmpty { return text }
        let (_, overflow) = nanos.addingReportingOverflow(Int64(offsetSeconds) * Instant.nanosPerSecond)
        return overflow ? formatted(offsetSeconds: 0) : slowFormatted(offsetSeconds: offsetSeconds)
    }

    /// Appends `formatted(offsetSeconds:)` to `bytes` without building a String.
    public func appendFormatted(offsetSeconds: Int, to bytes: inout [UInt8]) {
        bytes.append(writingAtMost: Instant.formattedRoom) { putFormatted(offsetSeconds: offsetSeconds, into: &$0) }
    }

    /// The room `putFormatted` (and `HourOffsets.put`) may write into: the fixed form is at
    /// most `TimestampWords.bytesMax`, the general one (a clock shifted past Int64, an offset
    /// of 100 hours or more: no zone has one) a few bytes more.
    public static let formattedRoom = 64

    /// Writes `formatted(offsetSeconds:)` through `out`, which has `formattedRoom` bytes left.
    public func putFormatted(offsetSeconds: Int, into out: inout ByteCursor) {
        let offsetSeconds = offsetSeconds / 60 * 60
        out.write(atMost: Instant.formattedRoom) { room in
            if let count = writeFormatted(offsetSeconds: offsetSeconds, into: room) { return count }
            let text = Array(formatted(offsetSeconds: offsetSeconds).utf8)
            precondition(text.count <= room.count, "a timestamp of more than \(room.count) bytes")
            _ = room.initialize(from: text)
            return text.count
        }
    }

    /// The buffer `writeFormatted` writes into (a 9-digit fraction, an offset, a word's slack).
    static let formattedBytesMax = TimestampWords.bytesMax

    /// Writes the local form for `offsetSeconds` (whole minutes) into `out`, returning its
    /// length; nil when the shifted clock overflows or the year or offset is outside what the
    /// fixed form holds (`formatted` then takes another way).
    private func writeFormatted(offsetSeconds: Int, into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let (shifted, overflow) = nanos.addingReportingOverflow(Int64(offsetSeconds) * Instant.nanosPerSecond)
        let magnitude = abs(offsetSeconds)
        guard !overflow, magnitude < 100 * 3600 else { return nil }
        let (seconds, fraction) = Instant(nanos: shifted).secondsAndFraction
        let ordinal = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let (year, month, day) = Day.civil(from: ordinal)
        guard (0...9999).contains(year) else { return nil }
        let secondOfDay = Int(seconds - Int64(ordinal) * 86_400)
        return TimestampWords.store(date: TimestampWords.date(year: year, month: month, day: day),
                                    clock: TimestampWords.clock(secondOfDay: secondOfDay), fraction: fraction,
                                    offset: TimestampWords.offset(offsetSeconds), into: out)
    }

    /// `.` and a nonzero fraction of a second (nanoseconds), trailing zeros left out, at
    /// `out[at...]`; nothing for 0.
    static func putFraction(_ fraction: Int64, into out: UnsafeMutableBufferPointer<UInt8>, at: inout Int) {
        guard fraction != 0 else { return }
        out[at] = 46
        at += 1
        var width = 9
        var f = Int(fraction)
        while f % 10 == 0 { f /= 10; width -= 1 }
        var i = at + width - 1
        while i >= at { out[i] = UInt8(48 + f % 10); f /= 10; i -= 1 }
        at += width
    }

    /// The general form, for years outside 0000–9999.
    private func slowFormatted(offsetSeconds: Int) -> String {
        let local = Instant(nanos: nanos + Int64(offsetSeconds) * Instant.nanosPerSecond)
        let (seconds, fraction) = local.secondsAndFraction
        let day = Day(ordinal: Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400))
        let secondOfDay = Int(seconds - Int64(day.ordinal) * 86_400)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(day)T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        if offsetSeconds == 0 { return text + "Z" }
        let magnitude = abs(offsetSeconds)
        text += offsetSeconds < 0 ? "-" : "+"
        return text + "\(two(magnitude / 3600)):\(two(magnitude / 60 % 60))"
    }
}

/// The one writer of the fixed timestamp form `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`: its
/// pieces as little-endian words (first character in the lowest byte) and `store`, which lays
/// them down. `Instant.formatted` builds every piece; `HourOffsets.append` keeps the date's and
/// the offset's words from one timestamp to the next, so consecutive timestamps share them.
public enum TimestampWords {
    /// `YYYY-MM-` and `DDT` (0 ≤ year ≤ 9999).
    public typealias Date = (head: UInt64, tail: UInt32)
    /// `Z`, or `±HH:MM`, and how many of its bytes count.
    public typealias Offset = (text: UInt64, count: Int)

    /// `value` (0 ≤ value < 10^count, count ≤ 4) as `count` ASCII digits, first digit lowest.
    @inline(__always)
    static func digits(_ value: Int, _ count: Int) -> UInt64 {
        var result: UInt64 = 0
        var v = value
        var shift = UInt64(8 * count)
        for _ in 0..<count {
            shift &-= 8
            result |= UInt64(48 + v % 10) << shift
            v /= 10
        }
        return result
    }

    public static func date(year: Int, month: Int, day: Int) -> Date {
        (digits(year, 4) | 45 << 32 | digits(month, 2) << 40 | 45 << 56,
         UInt32(truncatingIfNeeded: digits(day, 2) | 84 << 16))
    }

    /// `HH:MM:SS` for a second of the day (0 ..< 86,400).
    @inline(__always)
    public static func clock(secondOfDay: Int) -> UInt64 {
        digits(secondOfDay / 3600, 2) | 58 << 16 | digits(secondOfDay / 60 % 60, 2) << 24
            | 58 << 40 | digits(secondOfDay % 60, 2) << 48
    }

    /// The offset as written, for whole minutes under 100 hours either way.
    public static func offset(_ seconds: Int) -> Offset {
        guard seconds != 0 else { return (90, 1) }
        let magnitude = abs(seconds)
        return (UInt64(seconds < 0 ? 45 : 43) | digits(magnitude / 3600, 2) << 8
                    | 58 << 24 | digits(magnitude / 60 % 60, 2) << 32, 6)
    }

    /// The longest timestamp `store` writes, with room for its last word.
    public static let bytesMax = 40

    /// Writes the timestamp into `out` (at least `bytesMax` bytes) and returns its length.
    @inline(__always)
    public static func store(date: Date, clock: UInt64, fraction: Int64, offset: Offset,
                             into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(out.count >= bytesMax)
        let raw = UnsafeMutableRawPointer(out.baseAddress!)
        raw.storeBytes(of: date.head.littleEndian, as: UInt64.self)
        raw.storeBytes(of: date.tail.littleEndian, toByteOffset: 8, as: UInt32.self)
        raw.storeBytes(of: clock.littleEndian, toByteOffset: 11, as: UInt64.self)
        var at = 19
        Instant.putFraction(fraction, into: out, at: &at)
        raw.storeBytes(of: offset.text.littleEndian, toByteOffset: at, as: UInt64.self)
        return at + offset.count
    }
}
