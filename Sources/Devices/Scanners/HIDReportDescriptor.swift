/// The fields of a HID report descriptor (Device Class Definition for HID 1.11, §6.2.2): for
/// every Input, Output and Feature item, where its elements sit in which report and which usages
/// they carry. Enough to find the barcode data in a HID POS scanner's reports without assuming
/// one vendor's layout.
public struct HIDReportDescriptor: Sendable, Hashable {
    /// The main item a field comes from.
    public enum ReportKind: Sendable, Hashable {
        case input, output, feature
    }

    /// Usages as 32-bit extended usages: usage page in the high 16 bits, usage ID in the low.
    public typealias Usage = UInt32

    /// One Input/Output/Feature item: `count` elements of `bitSize` bits.
    public struct Field: Sendable, Hashable {
        /// Input, Output or Feature.
        public var kind: ReportKind
        /// The report ID in effect, or `nil` when the descriptor declares none.
        public var reportID: UInt8?
        /// Bit position of element 0, counted from the first byte after the report ID.
        public var bitOffset: Int
        /// Report Size: bits per element.
        public var bitSize: Int
        /// Report Count: number of elements.
        public var count: Int
        /// Declared usages in order; single usages are one-element ranges.
        public var usages: [ClosedRange<Usage>]
        /// The item's data bits (bit 0 Constant, bit 1 Variable, bit 8 Buffered Bytes, …).
        public var flags: UInt32

        /// Padding or fixed data, never a value.
        public var isConstant: Bool { flags & 0x01 != 0 }
        /// Each element is a value of its usage (rather than an array of usage selectors).
        public var isVariable: Bool { flags & 0x02 != 0 }

        /// The usage of element `index` of a Variable item: the index-th declared usage, or the
        /// last one for elements beyond the list (HID 1.11 §6.2.2.8).
        public func usage(ofElement index: Int) -> Usage? {
            var remaining = index
            for range in usages {
                let size = Int(range.upperBound - range.lowerBound) + 1
                if remaining < size { return range.lowerBound + Usage(remaining) }
                remaining -= size
            }
            return usages.last?.upperBound
        }
    }

    /// Every main data item in descriptor order.
    public let fields: [Field]
    /// True when the descriptor declares report IDs, so every report starts with one byte of ID.
    public let usesReportIDs: Bool

    /// Parses `bytes`; throws for truncated items and impossible values, never traps.
    public init(parsing bytes: [UInt8]) throws(HIDReportDescriptorError) {
        struct Globals {
            var usagePage: UInt32 = 0
            var reportSize = 0
            var reportCount = 0
            var reportID: UInt8?
        }
        var globals = Globals()
        var stack: [Globals] = []
        var usages: [ClosedRange<Usage>] = []
        var usageMinimum: Usage?
        var usagesNeedPage: [Bool] = []
        var fields: [Field] = []
        var bitPositions: [String: Int] = [:]
        var sawReportID = false
        var offset = 0

        func extended(_ value: UInt32, size: Int) -> (Usage, Bool) {
            size == 4 ? (value, false) : (value & 0xFFFF, true)
        }

        while offset < bytes.count {
            let prefix = bytes[offset]
            if prefix == 0xFE {  // long item: bDataSize, bLongItemTag, data (none defined by HID 1.11)
                guard offset + 2 < bytes.count else { throw .truncated(offset: offset) }
                offset += 3 + Int(bytes[offset + 1])
                guard offset <= bytes.count else { throw .truncated(offset: offset) }
                continue
            }
            let size = [0, 1, 2, 4][Int(prefix & 0x03)]
            guard offset + 1 + size <= bytes.count else { throw .truncated(offset: offset) }
            var value: UInt32 = 0
            for index in 0..<size { value |= UInt32(bytes[offset + 1 + index]) << (8 * index) }
            let type = (prefix >> 2) & 0x03
            let tag = prefix >> 4
            switch (type, tag) {
            case (0, 0x8), (0, 0x9), (0, 0xB):  // Input, Output, Feature
                let kind: ReportKind = tag == 0x8 ? .input : tag == 0x9 ? .output : .feature
                let key = "\(kind)-\(globals.reportID.map(String.init) ?? "-")"
                let position = bitPositions[key, default: 0]
                let bits = globals.reportSize * globals.reportCount
                guard position + bits <= 8 * 0xFFFF else { throw .reportTooLong(reportID: globals.reportID) }
                let resolved = zip(usages, usagesNeedPage).map { range, needsPage in
                    needsPage ? (globals.usagePage << 16 | range.lowerBound)...(globals.usagePage << 16 | range.upperBound) : range
                }
                fields.append(Field(kind: kind, reportID: globals.reportID, bitOffset: position, bitSize: globals.reportSize,
                                    count: globals.reportCount, usages: resolved, flags: value))
                bitPositions[key] = position + bits
                usages = []
                usagesNeedPage = []
                usageMinimum = nil
            case (0, 0xA), (0, 0xC):  // Collection, End Collection: locals end here too
                usages = []
                usagesNeedPage = []
                usageMinimum = nil
            case (1, 0x0): globals.usagePage = value & 0xFFFF
            case (1, 0x7):
                guard value <= 32 * 8 else { throw .invalidValue(item: "Report Size", value: value) }
                globals.reportSize = Int(value)
            case (1, 0x8):
                guard value >= 1, value <= 0xFF else { throw .invalidValue(item: "Report ID", value: value) }
                globals.reportID = UInt8(value)
                sawReportID = true
            case (1, 0x9):
                guard value <= 0xFFFF else { throw .invalidValue(item: "Report Count", value: value) }
                globals.reportCount = Int(value)
            case (1, 0xA): stack.append(globals)
            case (1, 0xB):
                guard let top = stack.popLast() else { throw .unbalancedPop(offset: offset) }
                globals = top
            case (2, 0x0):  // Usage
                let (usage, needsPage) = extended(value, size: size)
                usages.append(usage...usage)
                usagesNeedPage.append(needsPage)
            case (2, 0x1):  // Usage Minimum
                usageMinimum = value
            case (2, 0x2):  // Usage Maximum
                guard let minimum = usageMinimum else { throw .invalidValue(item: "Usage Maximum without Usage Minimum", value: value) }
                let (low, needsPage) = extended(minimum, size: size)
                let (high, _) = extended(value, size: size)
                guard low <= high else { throw .invalidValue(item: "Usage Maximum below Usage Minimum", value: value) }
                usages.append(low...high)
                usagesNeedPage.append(needsPage)
                usageMinimum = nil
            default:
                break  // logical/physical extents, units, designators, strings, delimiters
            }
            offset += 1 + size
        }
        self.fields = fields
        self.usesReportIDs = sawReportID
    }

    /// Bytes in the `kind` report with `reportID`, including the ID byte when IDs are used.
    public func reportLength(kind: ReportKind, reportID: UInt8?) -> Int {
        let bits = fields.filter { $0.kind == kind && $0.reportID == reportID }
            .map { $0.bitOffset + $0.bitSize * $0.count }.max() ?? 0
        return (bits + 7) / 8 + (usesReportIDs ? 1 : 0)
    }

    /// Every element carrying `usage` in `kind` reports: the field and element index.
    public func elements(withUsage usage: Usage, kind: ReportKind = .input) -> [(field: Field, element: Int)] {
        var found: [(Field, Int)] = []
        for field in fields where field.kind == kind && !field.isConstant && field.isVariable {
            for element in 0..<field.count where field.usage(ofElement: element) == usage {
                found.append((field, element))
            }
        }
        return found
    }
}

/// Why a report descriptor could not be parsed.
public enum HIDReportDescriptorError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated(offset: Int)
    case invalidValue(item: String, value: UInt32)
    case unbalancedPop(offset: Int)
    case reportTooLong(reportID: UInt8?)

    public var description: String {
        switch self {
        case let .truncated(offset): return "HID report descriptor ends inside the item at byte \(offset)"
        case let .invalidValue(item, value): return "HID report descriptor: \(item) \(value) is not possible"
        case let .unbalancedPop(offset): return "HID report descriptor: Pop without Push at byte \(offset)"
        case let .reportTooLong(reportID): return "HID report \(reportID.map(String.init) ?? "without ID") exceeds 65535 bytes"
        }
    }
}
