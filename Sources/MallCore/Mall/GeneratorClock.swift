// GeneratorClock: local business times (a date and seconds after local midnight) turned into
// instants and back, in the configured IANA zone (SPEC §2). The generator plans in local time,
// because that is where the daily rhythm lives, and writes instants.

/// Converts between business-local times and instants, reading offsets from its own copy of
/// the zone's hour table (`HourOffsets`, no lock).
struct GenZoneClock {
    let calendar: BusinessCalendar
    private var offsets: HourOffsets
    /// The business day last asked for by `date(of:)`, as nanosecond bounds.
    private var lastDay = Day(ordinal: Int.min / 2)
    private var lastDayStart: Int64 = 0
    private var lastDayEnd: Int64 = 0
    /// A day's offset when it changes during the day (each time is then converted on its own).
    private static let changes = Int64.min
    /// Offsets of the days asked for lately: the generator converts several times a day for
    /// every order, and a day's offset takes four look-ups.
    private var dayOffsets = RecentDays<Int64>(empty: 0)

    init(calendar: BusinessCalendar) {
        self.calendar = calendar
        offsets = HourOffsets(calendar: calendar)
    }

    /// The instant (nanoseconds since the epoch) of `second` seconds after local midnight of
    /// `day`; `second` may pass 86,400 to reach the next days.
    mutating func nanos(_ day: Day, second: Int64) -> Int64 {
        let offset = dayOffset(day)
        let local = Int64(day.ordinal) * 86_400 + second
        if offset != GenZoneClock.changes && second >= 0 && second < 86_400 {
            return (local - offset) * Instant.nanosPerSecond
        }
        return exactSeconds(local: local) * Instant.nanosPerSecond
    }

    /// The business date of an instant.
    mutating func date(of nanos: Int64) -> Day {
        if nanos >= lastDayStart && nanos < lastDayEnd { return lastDay }
        let day = offsets.businessDate(of: Instant(nanos: nanos))
        lastDay = day
        lastDayStart = self.nanos(day, second: 0)
        lastDayEnd = self.nanos(day.adding(days: 1), second: 0)
        return day
    }

    /// The day's offset, or `changes` when its midnights have different offsets.
    private mutating func dayOffset(_ day: Day) -> Int64 {
        if let kept = dayOffsets[day.ordinal] { return kept }
        let midnight = Int64(day.ordinal) * 86_400
        let startOffset = midnight - exactSeconds(local: midnight)
        let endOffset = (midnight + 86_400) - exactSeconds(local: midnight + 86_400)
        let offset = startOffset == endOffset ? startOffset : GenZoneClock.changes
        dayOffsets.keep(offset, for: day.ordinal)
        return offset
    }

    /// Local seconds → UTC seconds: guess with the offset at the local reading taken as UTC,
    /// then correct once with the offset at the guess (exact except inside a DST gap or overlap,
    /// where it picks one of the two readings).
    private mutating func exactSeconds(local: Int64) -> Int64 {
        let first = Int64(offsets.offsetSeconds(at: Instant(nanos: local * Instant.nanosPerSecond)))
        let guess = local - first
        let second = Int64(offsets.offsetSeconds(at: Instant(nanos: guess * Instant.nanosPerSecond)))
        return second == first ? guess : local - second
    }
}
