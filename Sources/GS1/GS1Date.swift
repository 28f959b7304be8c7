import Foundation

/// A GS1 YYMMDD date (GS1 General Specifications §7.12), with its century resolved.
///
/// GS1 dates carry only two year digits; §7.12 resolves the century with a sliding window around
/// the current year (up to 49 years back, 50 years ahead), so a 2-digit year alone is never stored.
/// Day 00 (allowed for AIs 11–17) means the date is given to the month only; ``day`` is then `nil`
/// and ``lastDay`` gives the day GS1 says to use for expiry ("the last day of the month").
public struct GS1Date: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The full year, e.g. 2025.
    public let year: Int
    /// The month, 1–12.
    public let month: Int
    /// The day of the month, or `nil` when the data had day 00.
    public let day: Int?

    /// Creates a date from validated parts.
    ///
    /// Returns `nil` if the month or day does not exist.
    public init?(year: Int, month: Int, day: Int?) {
        guard (1...12).contains(month) else { return nil }
        if let day, !(1...GS1Date.daysIn(month: month, year: year)).contains(day) { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses six digits YYMMDD, resolving the century relative to `referenceYear` (§7.12).
    ///
    /// Day 00 is accepted only with `zeroDayAllowed`. Returns `nil` for anything that is not a
    /// valid date.
    public init?(yymmdd: String, zeroDayAllowed: Bool = true, referenceYear: Int = GS1Date.currentYear) {
        guard GS1Date.isValid(yymmdd: yymmdd, zeroDayAllowed: zeroDayAllowed) else { return nil }
        let digits = yymmdd.unicodeScalars.compactMap(CheckDigit.asciiDigit)
        let yy = digits[0] * 10 + digits[1]
        let mm = digits[2] * 10 + digits[3]
        let dd = digits[4] * 10 + digits[5]
        self.init(year: GS1Date.resolveCentury(yy: yy, referenceYear: referenceYear), month: mm, day: dd == 0 ? nil : dd)
    }

    /// The six-digit YYMMDD form, with day 00 when ``day`` is `nil`.
    public var yymmdd: String {
        let yy = ((year % 100) + 100) % 100
        return pad(yy, 2) + pad(month, 2) + pad(day ?? 0, 2)
    }

    /// ``day``, or the last day of the month when the day was given as 00.
    public var lastDay: Int { day ?? GS1Date.daysIn(month: month, year: year) }

    /// ISO 8601 form, `2025-03-14`, or `2025-03` for a month-only date.
    public var description: String {
        let ym = pad(year, 4) + "-" + pad(month, 2)
        return day.map { ym + "-" + pad($0, 2) } ?? ym
    }

    /// Orders by year, month, then ``lastDay`` (a month-only date compares as its last day).
    public static func < (lhs: GS1Date, rhs: GS1Date) -> Bool {
        (lhs.year, lhs.month, lhs.lastDay) < (rhs.year, rhs.month, rhs.lastDay)
    }

    /// The start of ``lastDay`` in `timeZone` (expiry is "until the end of" this day).
    public func date(in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month, day: lastDay))
    }

    /// The full year for a 2-digit year `yy` per the §7.12 sliding window: a difference from the
    /// reference year's last two digits of 51…99 means the previous century, −99…−50 the next.
    public static func resolveCentury(yy: Int, referenceYear: Int) -> Int {
        let century = referenceYear - ((referenceYear % 100) + 100) % 100
        let difference = yy - (referenceYear - century)
        if (51...99).contains(difference) { return century - 100 + yy }
        if (-99...(-50)).contains(difference) { return century + 100 + yy }
        return century + yy
    }

    /// The current Gregorian year (UTC), the default reference for century resolution.
    public static var currentYear: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.component(.year, from: Date())
    }

    /// Whether `yymmdd` is six digits forming a real date.
    ///
    /// February 29 is accepted when YY is divisible by 4: that is the Gregorian rule for every year
    /// 1901–2099, which contains every year the §7.12 window can produce until 2050, and it keeps
    /// validation independent of the current date.
    static func isValid(yymmdd: String, zeroDayAllowed: Bool) -> Bool {
        let digits = yymmdd.unicodeScalars.compactMap(CheckDigit.asciiDigit)
        guard digits.count == 6, yymmdd.unicodeScalars.count == 6 else { return false }
        let yy = digits[0] * 10 + digits[1]
        let mm = digits[2] * 10 + digits[3]
        let dd = digits[4] * 10 + digits[5]
        guard (1...12).contains(mm) else { return false }
        if dd == 0 { return zeroDayAllowed }
        return dd <= daysIn(month: mm, year: 2000 + yy)
    }

    private func pad(_ number: Int, _ width: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        case 4, 6, 9, 11:
            return 30
        default:
            return 31
        }
    }
}
