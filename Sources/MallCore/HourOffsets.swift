// HourOffsets: the business zone's UTC offsets, hour by hour, for one writer thread, and local
// timestamps appended straight into a byte buffer. `generate` and `replay` write several
// timestamps per journal line and feed row (millions in all); BusinessCalendar answers each one
// under a lock from a dictionary and `Instant.formatted` builds a String, so the writers use
// this table and `Instant.appendFormatted` instead. The bytes are the same.

/// The UTC offset of the business zone for each UTC hour of a window that grows to cover the
/// instants asked for (at most `spanHoursMax` hours; instants further away are asked of the
/// calendar). A value type without a lock: each thread that writes timestamps keeps its own.
public struct HourOffsets: Sendable {
    public let calendar: BusinessCalendar
    /// The UTC hour (hours since the epoch) of `offsets[0]`.
    private var firstHour: Int64 = 0
    /// Seconds east of UTC per hour; `HourOffsets.changes` when the offset changes inside the hour.
    private var offsets: [Int32] = []

    /// Longest window kept: ten years of hours (350 KiB).
    public static let spanHoursMax: Int64 = 10 * 366 * 24
    /// The window grows by whole weeks, so that a run fills it a few times, not per hour.
    static let growHours: Int64 = 7 * 24
    private static let changes = Int32.min
    /// The previous timestamp's local date (`YYYY-MM-` and `DDT`) and offset (`+08:00` or `Z`).
    private var lastOrdinal = Int.min
    private var lastDate: UInt64 = 0
    private var lastDateTail: UInt32 = 0
    private var lastOffset = Int.min
    private var lastOffsetText: UInt64 = 0
    private var lastOffsetCount = 0
    /// Hours cached at most this far from 1970 (about 228 years either way).
    static let hourMagnitudeMax: Int64 = 2_000_000

    public init(calendar: BusinessCalendar) { self.calendar = calendar }

    /// The offset from UTC, in seconds, in force at `instant`: what `calendar.offsetSeconds(at:)` says.
    @inline(__always)
    public mutating func offsetSeconds(at instant: Instant) -> Int {
        let seconds = instant.epochSeconds
        let hour = seconds >= 0 ? seconds / 3600 : (seconds - 3599) / 3600
        let slot = hour &- firstHour
        if slot >= 0 && slot < Int64(offsets.count) {
            let offset = offsets[Int(slot)]
            if offset != HourOffsets.changes { return Int(offset) }
            return calendar.offsetSeconds(at: instant)
        }
        return grow(to: hour) ? offsetSeconds(at: instant) : calendar.offsetSeconds(at: instant)
    }

    /// Appends `instant` in local time with its offset, the bytes of
    /// `instant.formatted(offsetSeconds: offsetSeconds(at: instant))`. The date's and the
    /// offset's bytes are kept from the previous call: consecutive timestamps share them.
    public mutating func append(_ instant: Instant, to bytes: inout [UInt8]) {
        let offset = offsetSeconds(at: instant) / 60 * 60
        let (shifted, overflow) = instant.nanos.addingReportingOverflow(Int64(offset) * Instant.nanosPerSecond)
        guard !overflow, abs(offset) < 100 * 3600 else {
            instant.appendFormatted(offsetSeconds: offset, to: &bytes)
            return
        }
        var (seconds, fraction) = shifted.quotientAndRemainder(dividingBy: Instant.nanosPerSecond)
        if fraction < 0 { seconds -= 1; fraction += Instant.nanosPerSecond }
        let ordinal = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        if ordinal != lastOrdinal {
            let (year, month, day) = Day.civil(from: ordinal)
            guard (0...9999).contains(year) else {
                instant.appendFormatted(offsetSeconds: offset, to: &bytes)
                return
            }
            lastOrdinal = ordinal
            lastDate = HourOffsets.digits(year, 4) | 45 << 32 | HourOffsets.digits(month, 2) << 40 | 45 << 56
            lastDateTail = UInt32(truncatingIfNeeded: HourOffsets.digits(day, 2) | 84 << 16)
        }
        if offset != lastOffset {
            lastOffset = offset
            if offset == 0 {
                lastOffsetText = 90; lastOffsetCount = 1
            } else {
                let magnitude = abs(offset)
                lastOffsetText = UInt64(offset < 0 ? 45 : 43) | HourOffsets.digits(magnitude / 3600, 2) << 8
                    | 58 << 24 | HourOffsets.digits(magnitude / 60 % 60, 2) << 32
                lastOffsetCount = 6
            }
        }
        let secondOfDay = Int(seconds - Int64(ordinal) * 86_400)
        // "HH:MM:SS"
        let clock = HourOffsets.digits(secondOfDay / 3600, 2) | 58 << 16 | HourOffsets.digits(secondOfDay / 60 % 60, 2) << 24
            | 58 << 40 | HourOffsets.digits(secondOfDay % 60, 2) << 48
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 48) { out in
            let raw = UnsafeMutableRawPointer(out.baseAddress!)
            raw.storeBytes(of: lastDate.littleEndian, as: UInt64.self)
            raw.storeBytes(of: lastDateTail.littleEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: clock.littleEndian, toByteOffset: 11, as: UInt64.self)
            var at = 19
            Instant.putFraction(fraction, into: out, at: &at)
            raw.storeBytes(of: lastOffsetText.littleEndian, toByteOffset: at, as: UInt64.self)
            at += lastOffsetCount
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<at]))
        }
    }

    /// `value` (0 ≤ value < 10^count, count ≤ 4) as `count` ASCII digits, first digit in the lowest byte.
    @inline(__always)
    private static func digits(_ value: Int, _ count: Int) -> UInt64 {
        var result: UInt64 = 0
        var v = value
        for position in stride(from: count - 1, through: 0, by: -1) {
            result |= UInt64(48 + v % 10) << (8 * UInt64(position))
            v /= 10
        }
        return result
    }

    /// The local date of `instant`: what `calendar.businessDate(of:)` says.
    @inline(__always)
    public mutating func businessDate(of instant: Instant) -> Day {
        let local = instant.epochSeconds + Int64(offsetSeconds(at: instant))
        return Day(ordinal: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    /// Widens the window to cover `hour` by whole weeks; false when it would pass `spanHoursMax`.
    private mutating func grow(to hour: Int64) -> Bool {
        // Far from now, hour × 3600 s in nanoseconds nears Int64's range: ask the calendar.
        guard abs(hour) < HourOffsets.hourMagnitudeMax else { return false }
        let chunkStart = hour - ((hour % HourOffsets.growHours) + HourOffsets.growHours) % HourOffsets.growHours
        let chunkEnd = chunkStart + HourOffsets.growHours
        let start = offsets.isEmpty ? chunkStart : min(firstHour, chunkStart)
        let end = offsets.isEmpty ? chunkEnd : max(firstHour + Int64(offsets.count), chunkEnd)
        guard end - start <= HourOffsets.spanHoursMax else { return false }
        var table: [Int32] = []
        table.reserveCapacity(Int(end - start))
        for h in start..<end {
            let slot = h - firstHour
            if slot >= 0 && slot < Int64(offsets.count) {
                table.append(offsets[Int(slot)])
            } else {
                table.append(HourOffsets.offset(ofHour: h, calendar: calendar))
            }
        }
        firstHour = start
        offsets = table
        return true
    }

    /// One hour's offset, or `changes` when the calendar gives its first and last second
    /// different offsets (the calendar then answers each instant itself).
    private static func offset(ofHour hour: Int64, calendar: BusinessCalendar) -> Int32 {
        let start = calendar.offsetSeconds(at: Instant(nanos: hour * 3600 * Instant.nanosPerSecond))
        let end = calendar.offsetSeconds(at: Instant(nanos: (hour * 3600 + 3599) * Instant.nanosPerSecond))
        guard start == end, let offset = Int32(exactly: start), offset != changes else { return changes }
        return offset
    }
}
