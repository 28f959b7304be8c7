import Foundation

/// A UTC offset exactly as EPCIS writes it in `eventTimeZoneOffset` (for example `+07:00`).
///
/// The spelling is kept verbatim because the CBV 2.0 event hash includes it as text:
/// `-00:00` and `+00:00` are the same offset but produce different event hash IDs.
public struct TimeZoneOffset: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The offset as written, `±HH:MM`.
    public let rawValue: String
    /// Signed minutes east of UTC (`+07:00` is 420).
    public let minutes: Int

    /// Parses `±HH:MM` within `-14:00...+14:00` (the EPCIS 2.0 pattern); anything else is `nil`.
    public init?(rawValue: String) {
        let b = Array(rawValue.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-"), b[3] == UInt8(ascii: ":"),
              let hours = TimeParsing.digits(b, 1, 2), let mins = TimeParsing.digits(b, 4, 2),
              mins < 60, hours < 14 || (hours == 14 && mins == 0)
        else { return nil }
        self.rawValue = rawValue
        self.minutes = (b[0] == UInt8(ascii: "-") ? -1 : 1) * (hours * 60 + mins)
    }

    /// Builds the canonical `±HH:MM` spelling for a whole-minute offset within ±14 hours.
    public init?(minutes: Int) {
        guard (-840...840).contains(minutes) else { return nil }
        let sign = minutes < 0 ? "-" : "+"
        let m = abs(minutes)
        self.init(rawValue: sign + TimeParsing.pad(m / 60, 2) + ":" + TimeParsing.pad(m % 60, 2))
    }

    /// The offset a time zone has at a given instant, e.g. `Asia/Ho_Chi_Minh` gives `+07:00`.
    /// `nil` for historical offsets that are not whole minutes.
    public init?(timeZone: TimeZone, at date: Date) {
        let seconds = timeZone.secondsFromGMT(for: date)
        guard seconds % 60 == 0 else { return nil }
        self.init(minutes: seconds / 60)
    }

    /// The offset as written.
    public var description: String { rawValue }

    /// `+00:00`.
    public static let utc = TimeZoneOffset(rawValue: "+00:00")!
    /// `+07:00`, Indochina Time, the offset of every station in Việt Nam.
    public static let vietnam = TimeZoneOffset(rawValue: "+07:00")!
}

/// Whole milliseconds since 1970, the precision EPCIS timestamps and the event hash use.
///
/// `Date` is a binary floating-point value; routing every conversion through this one rounding
/// point keeps the encoded JSON and the event hash in agreement about the same instant.
enum EPCISInstant {
    /// Instants whose local time has a four-digit year at every offset within ±14:00
    /// (0001-01-01T14:00Z ... 9999-12-31T09:59:59.999Z).
    static let representable: ClosedRange<Int64> = -62_135_546_400_000...253_402_250_399_999

    /// Rounds to the millisecond and clamps into ``representable`` so that a nonsensical
    /// `Date` (a corrupted clock, `.distantFuture` arithmetic) can never trap or produce a
    /// timestamp the decoder would reject.
    static func milliseconds(_ date: Date) -> Int64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded()
        guard ms.isFinite else { return 0 }
        if ms <= Double(representable.lowerBound) { return representable.lowerBound }
        if ms >= Double(representable.upperBound) { return representable.upperBound }
        return Int64(ms)
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

/// Why a timestamp string is not an `xsd:dateTimeStamp`.
enum TimestampProblem: Error, Equatable {
    case malformed
    case outOfRange
}

enum TimeParsing {
    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func digits(_ b: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            let c = b[i]
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            v = v * 10 + Int(c - UInt8(ascii: "0"))
        }
        return v
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int) -> (year: Int, month: Int, day: Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses `YYYY-MM-DD` (an `xsd:date` without time zone), as ILMD dates are written.
    static func isCalendarDate(_ string: String) -> Bool {
        let b = Array(string.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2),
              y >= 1, (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m)
        else { return false }
        return true
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.f+](Z|±hh:mm)`, the `xsd:dateTimeStamp` form EPCIS 2.0 requires.
    ///
    /// Fractions beyond milliseconds are rounded half-up at the fourth digit (CBV 2.0 hash rule);
    /// the explicit offset is mandatory because an event time without one is ambiguous.
    static func parseTimestamp(_ string: String) throws(TimestampProblem) -> (milliseconds: Int64, offset: TimeZoneOffset?) {
        let b = Array(string.utf8)
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2),
              let hour = digits(b, 11, 2), let minute = digits(b, 14, 2), let second = digits(b, 17, 2)
        else { throw .malformed }
        var i = 19
        var millis = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
            let count = i - fractionStart
            guard count >= 1, count <= 12 else { throw .malformed }
            for k in 0..<3 {
                millis = millis * 10 + (k < count ? Int(b[fractionStart + k] - UInt8(ascii: "0")) : 0)
            }
            if count > 3, b[fractionStart + 3] >= UInt8(ascii: "5") { millis += 1 }
        }
        guard i < b.count else { throw .malformed }
        var offset: TimeZoneOffset?
        if b[i] == UInt8(ascii: "Z"), i + 1 == b.count {
            offset = nil
        } else if let parsed = TimeZoneOffset(rawValue: String(decoding: b[i...], as: UTF8.self)) {
            offset = parsed
        } else {
            throw .malformed
        }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60
        else { throw .outOfRange }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let localSeconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let utcMillis = localSeconds * 1000 + Int64(millis) - Int64((offset?.minutes ?? 0) * 60_000)
        return (utcMillis, offset)
    }

    /// Formats an instant as local time at `offset`, with milliseconds: `2025-03-14T09:15:02.481+07:00`.
    /// A `nil` offset writes UTC with `Z`, as the event hash requires.
    static func format(milliseconds: Int64, offset: TimeZoneOffset?) -> String {
        let local = milliseconds + Int64((offset?.minutes ?? 0) * 60_000)
        let (daysPart, msOfDay) = local.quotientAndRemainder(dividingBy: 86_400_000)
        let days = msOfDay < 0 ? daysPart - 1 : daysPart
        let ms = msOfDay < 0 ? msOfDay + 86_400_000 : msOfDay
        let (y, m, d) = civilFromDays(Int(days))
        let seconds = Int(ms / 1000)
        let yearText = y < 0 ? "-" + pad(-y, 4) : pad(y, 4)
        return yearText + "-" + pad(m, 2) + "-" + pad(d, 2)
            + "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
            + "." + pad(Int(ms % 1000), 3) + (offset?.rawValue ?? "Z")
    }
}
