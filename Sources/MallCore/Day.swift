// Day: a calendar date (a business day, SPEC §2), stored as days since 1970-01-01.

/// A calendar date with no time zone: days since 1970-01-01 (negative before).
public struct Day: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let ordinal: Int

    public init(ordinal: Int) { self.ordinal = ordinal }

    /// The date `year-month-day`; nil when it does not exist (Feb 30, month 13).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Day.daysIn(year: year, month: month) else { return nil }
        self.ordinal = Day.ordinalFrom(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD` strictly (four-digit year, two-digit month and day).
    public init?(parsing text: String) {
        // A native text's bytes are read in place (an array of them per date read cost more
        // than the parse: credit and reconcile read tens of thousands of dates a night).
        let parsed = text.utf8.withContiguousStorageIfAvailable { Day.parse($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Day.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Day? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        return Day(year: year, month: month, day: day)
    }

    public var components: (year: Int, month: Int, day: Int) { Day.civil(from: ordinal) }
    public var year: Int { components.year }
    public var month: Int { components.month }
    public var dayOfMonth: Int { components.day }

    /// ISO weekday: Monday = 1 … Sunday = 7. 1970-01-01 was a Thursday.
    public var isoWeekday: Int { ((ordinal % 7 + 7) % 7 + 3) % 7 + 1 }

    public func adding(days: Int) -> Day { Day(ordinal: ordinal + days) }

    /// The same day of month `months` later, clamped to the month's length.
    public func adding(months: Int) -> Day {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        return Day(ordinal: Day.ordinalFrom(year: year, month: month, day: min(d, Day.daysIn(year: year, month: month))))
    }

    /// The first day of this date's month.
    public var firstOfMonth: Day { Day(ordinal: ordinal - dayOfMonth + 1) }

    /// `YYYY-MM-DD`.
    public var description: String { digits(separator: UInt8(ascii: "-")) }

    /// `YYYYMMDD`, as used in sheet ids.
    public var compact: String { digits(separator: nil) }

    /// The date's digits, with `separator` between year, month and day when there is one.
    /// Years 0–9999 are written digit by digit into the text (joining padded parts made four
    /// texts per date: 2,500 instructions, where credit and reconcile write tens of thousands
    /// of dates a night); any other year as the padded parts spell it.
    private func digits(separator: UInt8?) -> String {
        let (y, m, d) = components
        guard (0...9999).contains(y) else {
            let dash = separator == nil ? "" : "-"
            return Day.pad(y, 4) + dash + Day.pad(m, 2) + dash + Day.pad(d, 2)
        }
        return String(unsafeUninitializedCapacity: separator == nil ? 8 : 10) { text in
            var at = 0
            func put(_ value: Int, _ width: Int) {
                var divisor = width == 4 ? 1000 : 10
                while divisor > 0 {
                    text[at] = UInt8(ascii: "0") + UInt8(value / divisor % 10)
                    at += 1
                    divisor /= 10
                }
            }
            put(y, 4)
            if let separator { text[at] = separator; at += 1 }
            put(m, 2)
            if let separator { text[at] = separator; at += 1 }
            put(d, 2)
            return at
        }
    }

    public static func < (a: Day, b: Day) -> Bool { a.ordinal < b.ordinal }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func ordinalFrom(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(from ordinal: Int) -> (year: Int, month: Int, day: Int) {
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// `YYYY-MM-DD` texts of days, each made once: for writers that store a date per row of a
/// night's hundreds of thousands, over a few dozen days.
public struct DayTexts {
    private var texts: [Day: String] = [:]
    public init() {}

    public mutating func text(_ day: Day) -> String {
        if let text = texts[day] { return text }
        let text = day.description
        texts[day] = text
        return text
    }
}
