// BusinessCalendar: the business timezone (SPEC §2) and settlement cycles and periods.

import Foundation

/// Maps instants to business dates in the configured IANA timezone.
///
/// Offsets come from one `HourOffsets` table kept under a lock, so a million rows cost a
/// million array reads, not a million time-zone computations.
public final class BusinessCalendar: @unchecked Sendable {
    public let timezoneName: String
    /// The zone itself, uncached (what `HourOffsets` fills its tables from).
    let rule: ZoneRule
    private var offsets: HourOffsets
    private let lock = NSLock()

    /// Nil when `timezone` is not a known IANA name.
    public init?(timezone: String) {
        guard BusinessCalendar.hasIanaShape(timezone), let zone = TimeZone(identifier: timezone) else { return nil }
        self.timezoneName = timezone
        rule = ZoneRule(zone: zone)
        offsets = HourOffsets(rule: rule)
    }

    /// Foundation also accepts names that are not IANA names: offsets (`GMT+8`, `UTC+08:00`) and
    /// ICU's old three-letter ids, where `CST` means America/Chicago and `IST` Asia/Kolkata. A
    /// config saying `CST` for China Standard Time would silently settle on US dates, so only
    /// `Area/Location` names in an IANA area and the IANA names without an area are let through.
    static func hasIanaShape(_ name: String) -> Bool {
        if let slash = name.firstIndex(of: "/") { return ianaAreas.contains(String(name[..<slash])) }
        return ianaNamesWithoutArea.contains(name)
    }

    private static let ianaAreas: Set<String> = [
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Brazil", "Canada", "Chile",
        "Etc", "Europe", "Indian", "Mexico", "Pacific", "US",
    ]

    private static let ianaNamesWithoutArea: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST", "EST5EDT", "Egypt", "Eire", "GB", "GB-Eire", "GMT", "GMT+0", "GMT-0",
        "GMT0", "Greenwich", "HST", "Hongkong", "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya",
        "MET", "MST", "MST7MDT", "NZ", "NZ-CHAT", "Navajo", "PRC", "PST8PDT", "Poland", "Portugal", "ROC", "ROK",
        "Singapore", "Turkey", "UCT", "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    /// The offset from UTC, in seconds, in force at `instant`.
    public func offsetSeconds(at instant: Instant) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return offsets.offsetSeconds(at: instant)
    }

    /// The local date of `instant` in the business timezone.
    public func businessDate(of instant: Instant) -> Day {
        let local = instant.epochSeconds + Int64(offsetSeconds(at: instant))
        return Day(ordinal: Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400))
    }
}

/// A supplier's settlement cycle (SPEC §2).
public enum Cycle: Hashable, Sendable {
    /// Periods start on day `startDay` (1…28) of each month.
    case monthly(startDay: Int)
    /// 1st–15th and 16th–end of month.
    case semimonthly
    /// Periods start on ISO weekday `startWeekday` (Monday = 1).
    case weekly(startWeekday: Int)
    case daily

    /// The first day of the period containing `day`.
    public func periodStart(containing day: Day) -> Day {
        switch self {
        case .monthly(let startDay):
            let first = day.firstOfMonth
            let candidate = first.adding(days: startDay - 1)
            return day >= candidate ? candidate : first.adding(months: -1).adding(days: startDay - 1)
        case .semimonthly:
            return day.dayOfMonth >= 16 ? day.firstOfMonth.adding(days: 15) : day.firstOfMonth
        case .weekly(let startWeekday):
            return day.adding(days: -((day.isoWeekday - startWeekday + 7) % 7))
        case .daily:
            return day
        }
    }

    /// The first day of the period after the one starting at `start`.
    public func nextPeriodStart(after start: Day) -> Day {
        switch self {
        case .monthly:
            return start.adding(months: 1)
        case .semimonthly:
            return start.dayOfMonth >= 16 ? start.firstOfMonth.adding(months: 1) : start.adding(days: 15)
        case .weekly:
            return start.adding(days: 7)
        case .daily:
            return start.adding(days: 1)
        }
    }

    /// The period containing `day`.
    public func period(containing day: Day) -> Period {
        let start = periodStart(containing: day)
        return Period(start: start, end: nextPeriodStart(after: start).adding(days: -1))
    }

    /// The period that starts on `start` (which must be a period start of this cycle).
    public func period(startingOn start: Day) -> Period {
        Period(start: start, end: nextPeriodStart(after: start).adding(days: -1))
    }
}

/// A settlement period: `start` and `end` both inclusive; its id is its start date.
public struct Period: Hashable, Comparable, Sendable {
    public let start: Day
    public let end: Day
    public init(start: Day, end: Day) { self.start = start; self.end = end }
    public var id: String { start.description }
    public func contains(_ day: Day) -> Bool { day >= start && day <= end }
    public static func < (a: Period, b: Period) -> Bool { a.start < b.start }
}
