/// Where a HID POS scanner (HID Point of Sale Usage Tables, Bar Code Scanner page 0x8C) puts a
/// scan in its Scanned Data Report (usage 0x8C:0x12).
///
/// Offsets are byte positions within the report as read from the endpoint, report ID included.
public struct HIDPOSReportLayout: Sendable, Hashable {
    /// Report ID of the scanned data report; reports with other IDs (trigger, status) are
    /// ignored. `nil` when the device uses no report IDs.
    public var reportID: UInt8?
    /// Bytes a report must have to contain every field below.
    public var minimumLength: Int
    /// Generic Desktop Byte Count (0x01:0x3B): how many data bytes of this report are valid.
    /// Without it, trailing NULs are taken as padding.
    public var byteCountOffset: Int?
    /// Symbology Identifier 1–3 (0x8C:0xFB–0xFD): the AIM identifier's three characters.
    public var symbologyOffsets: [Int]
    /// First byte of Decoded Data (0x8C:0xFE).
    public var dataOffset: Int
    /// Decoded Data bytes per report.
    public var dataCapacity: Int
    /// Decode Data Continued (0x8C:0xFF): set while more reports of the same scan follow.
    public var continuedOffset: Int?
    /// The bit of the byte at ``continuedOffset`` that is Decode Data Continued.
    public var continuedMask: UInt8

    /// A layout given field by field, for scanners whose descriptor cannot be read.
    public init(reportID: UInt8?, minimumLength: Int, byteCountOffset: Int?, symbologyOffsets: [Int],
                dataOffset: Int, dataCapacity: Int, continuedOffset: Int?, continuedMask: UInt8) {
        self.reportID = reportID
        self.minimumLength = minimumLength
        self.byteCountOffset = byteCountOffset
        self.symbologyOffsets = symbologyOffsets
        self.dataOffset = dataOffset
        self.dataCapacity = dataCapacity
        self.continuedOffset = continuedOffset
        self.continuedMask = continuedMask
    }

    /// The 64-byte layout Honeywell, Zebra and Datalogic scanners share in HID POS mode: report
    /// ID 2, byte count, three AIM identifier bytes, 56 data bytes, two vendor bytes, and a
    /// flags byte whose bit 0 is Decode Data Continued. Used when the report descriptor cannot
    /// be read or does not describe the fields.
    public static let common = HIDPOSReportLayout(
        reportID: 2, minimumLength: 64, byteCountOffset: 1, symbologyOffsets: [2, 3, 4],
        dataOffset: 5, dataCapacity: 56, continuedOffset: 63, continuedMask: 0x01)

    static let decodedData: HIDReportDescriptor.Usage = 0x008C_00FE
    static let decodeDataContinued: HIDReportDescriptor.Usage = 0x008C_00FF
    static let symbologyIdentifiers: [HIDReportDescriptor.Usage] = [0x008C_00FB, 0x008C_00FC, 0x008C_00FD]
    static let byteCount: HIDReportDescriptor.Usage = 0x0001_003B

    /// Finds the fields in a parsed report descriptor. Decoded Data must be byte-aligned 8-bit
    /// elements; the other fields are optional.
    public init(descriptor: HIDReportDescriptor) throws(HIDPOSLayoutError) {
        guard let first = descriptor.elements(withUsage: Self.decodedData).first else { throw .noDecodedData }
        let field = first.field
        guard field.bitSize == 8, field.bitOffset % 8 == 0 else {
            throw .unsupported("Decoded Data elements of \(field.bitSize) bits at bit \(field.bitOffset)")
        }
        let idBytes = descriptor.usesReportIDs ? 1 : 0
        func byteOffset(_ field: HIDReportDescriptor.Field, _ element: Int) -> Int? {
            let bit = field.bitOffset + element * field.bitSize
            guard field.bitSize == 8, bit % 8 == 0 else { return nil }
            return idBytes + bit / 8
        }
        func inReport(_ usage: HIDReportDescriptor.Usage) -> [(field: HIDReportDescriptor.Field, element: Int)] {
            descriptor.elements(withUsage: usage).filter { $0.field.reportID == field.reportID }
        }
        var capacity = 0
        while first.element + capacity < field.count, field.usage(ofElement: first.element + capacity) == Self.decodedData {
            capacity += 1
        }
        let symbology = Self.symbologyIdentifiers.compactMap { usage in inReport(usage).first.flatMap { byteOffset($0.field, $0.element) } }
        var continuedOffset: Int?
        var continuedMask: UInt8 = 0
        if let element = inReport(Self.decodeDataContinued).first {
            let bit = element.field.bitOffset + element.element * element.field.bitSize
            continuedOffset = idBytes + bit / 8
            continuedMask = 1 << UInt8(bit % 8)
        }
        self.init(reportID: field.reportID,
                  minimumLength: descriptor.reportLength(kind: .input, reportID: field.reportID),
                  byteCountOffset: inReport(Self.byteCount).first.flatMap { byteOffset($0.field, $0.element) },
                  symbologyOffsets: symbology.count == 3 ? symbology : [],
                  dataOffset: idBytes + (field.bitOffset + first.element * 8) / 8, dataCapacity: capacity,
                  continuedOffset: continuedOffset, continuedMask: continuedMask)
    }

    /// The layout a descriptor describes, or ``common`` when it describes none.
    public static func resolve(descriptor bytes: [UInt8]?) -> (layout: HIDPOSReportLayout, fromDescriptor: Bool) {
        guard let bytes, let descriptor = try? HIDReportDescriptor(parsing: bytes),
              let layout = try? HIDPOSReportLayout(descriptor: descriptor) else { return (common, false) }
        return (layout, true)
    }
}

/// Why a report descriptor does not give a usable HID POS layout.
public enum HIDPOSLayoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No input field carries Decoded Data (0x8C:0xFE).
    case noDecodedData
    case unsupported(String)

    public var description: String {
        switch self {
        case .noDecodedData: return "the report descriptor has no Decoded Data (0x8C:0xFE) input field"
        case let .unsupported(detail): return "unsupported HID POS report layout: \(detail)"
        }
    }
}

/// Reassembles scans from HID POS scanned data reports: a scan longer than one report's data
/// field continues in the following reports while Decode Data Continued is set.
///
/// Pure, like ``HIDKeyboardDecoder``: times are passed in. A scan whose next report does not come
/// within the framing's inter-character timeout is rejected as incomplete.
public struct HIDPOSDecoder: Sendable {
    /// Where the fields are and how scans are checked.
    public struct Configuration: Sendable, Hashable {
        /// Field positions, usually from the report descriptor.
        public var layout: HIDPOSReportLayout
        /// Length limit, continuation timeout, symbology and GS handling.
        public var framing: ScanFraming

        /// Defaults: the common layout and default framing.
        public init(layout: HIDPOSReportLayout = .common, framing: ScanFraming = ScanFraming()) {
            self.layout = layout
            self.framing = framing
        }
    }

    /// Where the decoder is within a scan.
    public enum State: Sendable, Hashable {
        case idle
        /// Reports of a scan are arriving (Decode Data Continued was set).
        case assembling
        /// The scan in progress is already rejected; its remaining reports are dropped.
        case discarding(ScanRejectionReason)
    }

    /// The configuration the decoder was made with.
    public let configuration: Configuration
    /// Where the decoder is within a scan.
    public private(set) var state: State = .idle
    private var data: [UInt8] = []
    private var symbology: AIMIdentifier?
    private var lastReportAt: Duration?

    /// A decoder with no scan in progress.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Decodes one input report received at `time`.
    public mutating func feed(report: [UInt8], at time: Duration) -> [DecodedScan] {
        var output = advance(to: time)
        let layout = configuration.layout
        if let reportID = layout.reportID, report.first != reportID { return output }
        lastReportAt = time
        guard report.count >= layout.minimumLength else {
            output += end(with: .malformedReport("scanned data report of \(report.count) bytes, expected \(layout.minimumLength)"))
            return output
        }
        let region = report[layout.dataOffset..<layout.dataOffset + layout.dataCapacity]
        let count: Int
        if let offset = layout.byteCountOffset {
            count = Int(report[offset])
            guard count <= layout.dataCapacity else {
                output += end(with: .malformedReport("byte count \(count) exceeds the \(layout.dataCapacity)-byte data field"))
                return output
            }
        } else {
            count = (region.lastIndex { $0 != 0 }).map { $0 - region.startIndex + 1 } ?? 0
        }
        let continued = layout.continuedOffset.map { report[$0] & layout.continuedMask != 0 } ?? false
        if state == .idle {
            symbology = Self.symbology(layout.symbologyOffsets.map { report[$0] })
            state = .assembling
        }
        let chunk = region.prefix(count)
        switch state {
        case .assembling:
            if data.count + chunk.count > configuration.framing.maxLength {
                state = .discarding(.tooLong(limit: configuration.framing.maxLength))
                data = Array((data + chunk).prefix(ScanRejection.prefixLimit))
            } else {
                data += chunk
            }
        case .discarding, .idle:
            break
        }
        if !continued { output += complete() }
        return output
    }

    /// Decodes reports that arrived together at `time`.
    public mutating func feed(reports: [[UInt8]], at time: Duration) -> [DecodedScan] {
        reports.flatMap { feed(report: $0, at: time) }
    }

    /// Rejects a scan whose continuation has not arrived by `time`.
    public mutating func advance(to time: Duration) -> [DecodedScan] {
        guard state != .idle, let last = lastReportAt, time - last > configuration.framing.interCharacterTimeout else { return [] }
        return finish()
    }

    /// The device is gone: a scan in progress is rejected as incomplete.
    public mutating func finish() -> [DecodedScan] {
        switch state {
        case .idle: return []
        case .assembling: return end(with: .incomplete)
        case let .discarding(reason): return end(with: reason)
        }
    }

    private mutating func end(with reason: ScanRejectionReason) -> [DecodedScan] {
        let prefix = Array(data.prefix(ScanRejection.prefixLimit))
        reset()
        return [.rejected(reason, prefix: prefix)]
    }

    private mutating func complete() -> [DecodedScan] {
        defer { reset() }
        if case let .discarding(reason) = state { return [.rejected(reason, prefix: data)] }
        var bytes = data
        // A suffix configured on the scanner (CR, LF, CRLF, TAB) is not part of the code.
        while let last = bytes.last, configuration.framing.terminators.contains(where: { $0.byte == last }) {
            bytes.removeLast()
        }
        guard !bytes.isEmpty || symbology != nil else { return [] }
        return [ScanValidator.validate(bytes, framing: configuration.framing, symbology: symbology)]
    }

    private mutating func reset() {
        state = .idle
        data = []
        symbology = nil
    }

    /// The three symbology bytes as an AIM identifier: `]`, code, modifier; some firmware omits
    /// the `]` and sends code, modifier, NUL.
    static func symbology(_ bytes: [UInt8]) -> AIMIdentifier? {
        guard bytes.count == 3 else { return nil }
        if let identifier = AIMIdentifier(bytes: bytes) { return identifier }
        guard bytes[0] != 0x5D, bytes[0] < 0x80, bytes[1] < 0x80, bytes[2] == 0 else { return nil }
        return AIMIdentifier(code: Character(Unicode.Scalar(bytes[0])), modifier: Character(Unicode.Scalar(bytes[1])))
    }
}
