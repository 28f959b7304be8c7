import Foundation

/// A calendar day without a time of day or zone: what a stamp prints for production and expiry.
///
/// Dates on a stamp are days in the producer's calendar, so converting from a `Date` needs the
/// zone (Vietnam, UTC+7, by default); after that nothing can shift them by a day.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Year, month (1–12) and day (1–31) of the Gregorian calendar.
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid Gregorian date, or nil (for example 30 February).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1,
              day <= CalendarDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day `date` falls on in `timeZone` (Vietnam by default).
    public init(_ date: Date, timeZone: TimeZone = CalendarDate.vietnam) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    /// Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
    public static let vietnam = TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? TimeZone(secondsFromGMT: 7 * 3600)!

    /// `dd/mm/yyyy`, the form Vietnamese stamps print (`13/03/2026`).
    public var vietnameseFormat: String {
        var s = ""
        s.reserveCapacity(10)
        Self.twoDigits(day, into: &s); s.append("/")
        Self.twoDigits(month, into: &s); s.append("/")
        s.append(String(year))
        return s
    }

    /// `YYMMDD`, the GS1 date form of AI (11) and (17).
    public var gs1Format: String {
        var s = ""
        Self.twoDigits(year % 100, into: &s)
        Self.twoDigits(month, into: &s)
        Self.twoDigits(day, into: &s)
        return s
    }

    /// ISO 8601 `yyyy-mm-dd`.
    public var description: String {
        var s = String(year)
        s.append("-"); Self.twoDigits(month, into: &s)
        s.append("-"); Self.twoDigits(day, into: &s)
        return s
    }

    /// Chronological order.
    public static func < (a: CalendarDate, b: CalendarDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    private static func twoDigits(_ v: Int, into s: inout String) {
        s.unicodeScalars.append(Unicode.Scalar(UInt8(48 + v / 10)))
        s.unicodeScalars.append(Unicode.Scalar(UInt8(48 + v % 10)))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A value a template can place on a label, named in templates as `{name}`.
///
/// The standard fields are what Circular 02/2024/TT-BKHCN asks a stamp to carry; anything else a
/// product needs (net weight, origin, grade) is an ``extra(_:)`` field the template declares.
public enum LabelField: Hashable, Sendable, CustomStringConvertible {
    /// The GS1 Digital Link URI the QR code carries.
    case digitalLink
    /// A GS1 element string (AIs concatenated, variable-length ones ended by GS, U+001D).
    case elementString
    case productName
    case producer
    case producerAddress
    case lot
    /// Printed `dd/mm/yyyy`.
    case productionDate
    /// Printed `dd/mm/yyyy`.
    case expiryDate
    case serial
    /// The short verification tag an inspector can type in.
    case tag
    case gtin
    case sscc
    /// A product-specific value declared in the template's `extra_fields`.
    case extra(String)

    /// The standard fields in template-name order of the documentation.
    public static let standard: [LabelField] = [
        .digitalLink, .elementString, .productName, .producer, .producerAddress, .lot,
        .productionDate, .expiryDate, .serial, .tag, .gtin, .sscc,
    ]

    /// The name templates use (`digital_link`, `expiry_date`, ...; an extra field's own name).
    public var templateName: String {
        switch self {
        case .digitalLink: return "digital_link"
        case .elementString: return "element_string"
        case .productName: return "product_name"
        case .producer: return "producer"
        case .producerAddress: return "producer_address"
        case .lot: return "lot"
        case .productionDate: return "production_date"
        case .expiryDate: return "expiry_date"
        case .serial: return "serial"
        case .tag: return "tag"
        case .gtin: return "gtin"
        case .sscc: return "sscc"
        case .extra(let name): return name
        }
    }

    /// The standard field called `name` in templates, or nil.
    public init?(standardName name: String) {
        guard let f = LabelField.standard.first(where: { $0.templateName == name }) else { return nil }
        self = f
    }

    /// The template name.
    public var description: String { templateName }
}

/// The values printed on one label.
///
/// Strings are printed as given (templates decide the layout); dates are calendar days so a
/// stamp never shows the wrong day because of a time zone. Extras are keyed by the names the
/// template declares in `extra_fields`.
public struct LabelData: Sendable, Equatable {
    /// The GS1 Digital Link URI for the QR code, already percent-encoded.
    public var digitalLink: String
    /// The GS1 element string (GS-separated) for Data Matrix and GS1-128.
    public var elementString: String
    /// Product name as printed, in Vietnamese.
    public var productName: String
    /// Producer's name and address (Circular 02/2024 asks for both).
    public var producer: String
    public var producerAddress: String
    /// Batch/lot (AI 10).
    public var lot: String
    /// Production (AI 11) and expiry (AI 17) dates.
    public var productionDate: CalendarDate?
    public var expiryDate: CalendarDate?
    /// Serial number (AI 21), as printed (not percent-encoded).
    public var serial: String
    /// Short verification tag.
    public var tag: String
    /// GTIN-14 (AI 01) and, for cartons, SSCC (AI 00).
    public var gtin: String
    public var sscc: String
    /// Values of the template's `extra_fields`.
    public var extras: [String: String]

    /// Label data; fields a template does not use may stay empty.
    public init(digitalLink: String = "", elementString: String = "", productName: String = "",
                producer: String = "", producerAddress: String = "", lot: String = "",
                productionDate: CalendarDate? = nil, expiryDate: CalendarDate? = nil,
                serial: String = "", tag: String = "", gtin: String = "", sscc: String = "",
                extras: [String: String] = [:]) {
        self.digitalLink = digitalLink
        self.elementString = elementString
        self.productName = productName
        self.producer = producer
        self.producerAddress = producerAddress
        self.lot = lot
        self.productionDate = productionDate
        self.expiryDate = expiryDate
        self.serial = serial
        self.tag = tag
        self.gtin = gtin
        self.sscc = sscc
        self.extras = extras
    }

    /// The printed text of `field`, or nil when the label has no value for it (a date not set,
    /// an extra not given). Standard text fields are always present, possibly empty.
    public func value(of field: LabelField) -> String? {
        switch field {
        case .digitalLink: return digitalLink
        case .elementString: return elementString
        case .productName: return productName
        case .producer: return producer
        case .producerAddress: return producerAddress
        case .lot: return lot
        case .productionDate: return productionDate?.vietnameseFormat
        case .expiryDate: return expiryDate?.vietnameseFormat
        case .serial: return serial
        case .tag: return tag
        case .gtin: return gtin
        case .sscc: return sscc
        case .extra(let name): return extras[name]
        }
    }
}
