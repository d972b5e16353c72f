// HourOffsets: the one cache of the business zone's UTC offsets, hour by hour, and local
// timestamps appended straight into a byte buffer. BusinessCalendar keeps one under its lock
// for everyone; `generate` and `replay` write several timestamps per journal line and feed row
// (millions in all), so each of their writer threads keeps its own copy and asks no lock.
// The bytes are `Instant.formatted`'s: both go through `TimestampWords`.

import Foundation

/// What the zone database says of one zone, uncached: the source every table fills from.
struct ZoneRule: @unchecked Sendable {
    let zone: TimeZone

    /// The offset from UTC, in seconds, at `seconds` past the epoch.
    func offsetSeconds(atEpochSeconds seconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// The UTC offset of the business zone for each UTC hour of a window that grows to cover the
/// instants asked for (at most `spanHoursMax` hours; instants further away are asked of the
/// zone). A value type without a lock: `BusinessCalendar` keeps one under its lock, and each
/// thread that writes timestamps keeps its own.
public struct HourOffsets: Sendable {
    /// The zone asked for hours the table does not hold.
    let rule: ZoneRule
    /// The UTC hour (hours since the epoch) of `offsets[0]`.
    private var firstHour: Int64 = 0
    /// Seconds east of UTC per hour; `HourOffsets.changes` when the offset changes inside the hour.
    private var offsets: [Int32] = []

    /// Longest window kept: ten years of hours (350 KiB).
    public static let spanHoursMax: Int64 = 10 * 366 * 24
    /// The window grows by whole weeks, so that a run fills it a few times, not per hour.
    static let growHours: Int64 = 7 * 24
    private static let changes = Int32.min
    /// Local dates written lately (`YYYY-MM-` and `DDT`): a feed row's timestamps name a few
    /// days (ordered, paid, completed), and consecutive rows mostly the same few.
    private var dates = RecentDays<TimestampWords.Date>(empty: (0, 0))
    /// The previous timestamp's offset (`+08:00` or `Z`).
    private var lastOffset = Int.min
    private var lastOffsetText: TimestampWords.Offset = (0, 0)
    /// Hours cached at most this far from 1970 (about 228 years either way).
    static let hourMagnitudeMax: Int64 = 2_000_000

    public init(calendar: BusinessCalendar) { rule = calendar.rule }

    init(rule: ZoneRule) { self.rule = rule }

    /// The offset from UTC, in seconds, in force at `instant`: what `calendar.offsetSeconds(at:)` says.
    @inline(__always)
    public mutating func offsetSeconds(at instant: Instant) -> Int {
        let seconds = instant.epochSeconds
        let hour = seconds >= 0 ? seconds / 3600 : (seconds - 3599) / 3600
        let slot = hour &- firstHour
        if slot >= 0 && slot < Int64(offsets.count) {
            let offset = offsets[Int(slot)]
            if offset != HourOffsets.changes { return Int(offset) }
            return rule.offsetSeconds(atEpochSeconds: seconds)
        }
        return grow(to: hour) ? offsetSeconds(at: instant) : rule.offsetSeconds(atEpochSeconds: seconds)
    }

    /// Appends `instant` in local time with its offset, the bytes of
    /// `instant.formatted(offsetSeconds: offsetSeconds(at: instant))`.
    public mutating func append(_ instant: Instant, to bytes: inout [UInt8]) {
        bytes.append(writingAtMost: Instant.formattedRoom) { put(instant, into: &$0) }
    }

    /// Writes `instant` in local time with its offset through `out`, which has
    /// `Instant.formattedRoom` bytes left: the bytes of
    /// `instant.formatted(offsetSeconds: offsetSeconds(at: instant))`, through the same
    /// `TimestampWords`. The date's words are kept for the days written lately and the
    /// offset's from the previous call: consecutive timestamps share them.
    public mutating func put(_ instant: Instant, into out: inout ByteCursor) {
        let offset = offsetSeconds(at: instant) / 60 * 60
        let (shifted, overflow) = instant.nanos.addingReportingOverflow(Int64(offset) * Instant.nanosPerSecond)
        guard !overflow, abs(offset) < 100 * 3600 else {
            instant.putFormatted(offsetSeconds: offset, into: &out)
            return
        }
        var (seconds, fraction) = shifted.quotientAndRemainder(dividingBy: Instant.nanosPerSecond)
        if fraction < 0 { seconds -= 1; fraction += Instant.nanosPerSecond }
        let ordinal = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let date: TimestampWords.Date
        if let kept = dates[ordinal] {
            date = kept
        } else {
            let (year, month, day) = Day.civil(from: ordinal)
            guard (0...9999).contains(year) else {
                instant.putFormatted(offsetSeconds: offset, into: &out)
                return
            }
            date = TimestampWords.date(year: year, month: month, day: day)
            dates.keep(date, for: ordinal)
        }
        if offset != lastOffset {
            lastOffset = offset
            lastOffsetText = TimestampWords.offset(offset)
        }
        let clock = TimestampWords.clock(secondOfDay: Int(seconds - Int64(ordinal) * 86_400))
        out.write(atMost: TimestampWords.bytesMax) { room in
            TimestampWords.store(date: date, clock: clock, fraction: fraction, offset: lastOffsetText, into: room)
        }
    }

    /// The local date of `instant`: what `calendar.businessDate(of:)` says.
    @inline(__always)
    public mutating func businessDate(of instant: Instant) -> Day {
        let local = instant.epochSeconds + Int64(offsetSeconds(at: instant))
        return Day(ordinal: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }

    /// Widens the window to cover `hour` by whole weeks; false when it would pass `spanHoursMax`.
    private mutating func grow(to hour: Int64) -> Bool {
        // Far from now, hour × 3600 s in nanoseconds nears Int64's range: ask the zone.
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
                table.append(HourOffsets.offset(ofHour: h, rule: rule))
            }
        }
        firstHour = start
        offsets = table
        return true
    }

    /// One hour's offset, or `changes` when the zone gives its first and last second
    /// different offsets (the zone then answers each instant itself). Offsets change on whole
    /// minutes in every zone in use, so an hour whose ends agree has one offset throughout.
    private static func offset(ofHour hour: Int64, rule: ZoneRule) -> Int32 {
        let start = rule.offsetSeconds(atEpochSeconds: hour * 3600)
        let end = rule.offsetSeconds(atEpochSeconds: hour * 3600 + 3599)
        guard start == end, let offset = Int32(exactly: start), offset != changes else { return changes }
        return offset
    }
}

/// Values worked out for days asked for lately, kept by day ordinal modulo their number (a
/// direct-mapped table of 64): writers of dated rows and the generator's clock ask for the
/// same few days again and again, and each value takes a calendar or zone computation.
struct RecentDays<Value: Sendable>: Sendable {
    private var slots: [(ordinal: Int, value: Value)]
    private static var slotCount: Int { 64 }

    /// `empty` fills the slots no day has taken yet (they hold ordinal `Int.min`).
    init(empty: Value) {
        slots = Array(repeating: (Int.min, empty), count: Self.slotCount)
    }

    /// The value kept for the day `ordinal`; nil when none is (never kept, or its slot taken
    /// by another day since).
    @inline(__always)
    subscript(ordinal: Int) -> Value? {
        let slot = slots[ordinal & (Self.slotCount - 1)]
        return slot.ordinal == ordinal ? slot.value : nil
    }

    /// Keeps `value` for the day `ordinal`, in place of the day that had its slot.
    @inline(__always)
    mutating func keep(_ value: Value, for ordinal: Int) {
        slots[ordinal & (Self.slotCount - 1)] = (ordinal, value)
    }
}
