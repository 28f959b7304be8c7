/// Pure parsers for descriptor bytes, kept apart from libusb so they can be unit-tested
/// with captured bytes instead of devices.
enum USBDescriptorParsing {
    static let hidDescriptorType: UInt8 = 0x21
    static let hidReportDescriptorType: UInt8 = 0x22
    static let stringDescriptorType: UInt8 = 0x03

    /// Finds the report descriptor length in the class-specific bytes that follow an
    /// interface descriptor (libusb's `extra`), i.e. in the HID descriptor (type 0x21).
    static func hidReportDescriptorLength(extra: [UInt8]) -> Int? {
        var offset = 0
        while offset + 2 <= extra.count {
            let length = Int(extra[offset])
            guard length >= 2, offset + length <= extra.count else { return nil }
            if extra[offset + 1] == hidDescriptorType, length >= 9 {
                // bcdHID(2) bCountryCode(1) bNumDescriptors(1), then (type, wLength) triples.
                let count = Int(extra[offset + 5])
                for index in 0..<count {
                    let entry = offset + 6 + index * 3
                    guard entry + 3 <= offset + length else { break }
                    if extra[entry] == hidReportDescriptorType {
                        return Int(extra[entry + 1]) | Int(extra[entry + 2]) << 8
                    }
                }
            }
            offset += length
        }
        return nil
    }

    /// The first Usage Page (global item, tag 0) of a HID report descriptor, which names what
    /// the top-level collection is: 0x01 generic desktop (keyboard), 0x8C bar code scanner.
    static func firstUsagePage(reportDescriptor bytes: [UInt8]) -> UInt16? {
        var offset = 0
        while offset < bytes.count {
            let prefix = bytes[offset]
            if prefix == 0xFE {  // long item: bDataSize, bLongItemTag, data
                guard offset + 1 < bytes.count else { return nil }
                offset += 3 + Int(bytes[offset + 1])
                continue
            }
            let size = [0, 1, 2, 4][Int(prefix & 0x03)]
            guard offset + 1 + size <= bytes.count else { return nil }
            if prefix & 0xFC == 0x04, size > 0 {  // type global (1), tag usage page (0)
                var value: UInt32 = 0
                for index in 0..<size { value |= UInt32(bytes[offset + 1 + index]) << (8 * index) }
                return UInt16(truncatingIfNeeded: value)
            }
            offset += 1 + size
        }
        return nil
    }

    /// Decodes a string descriptor (bLength, bDescriptorType 3, UTF-16LE text).
    static func decodeString(descriptor bytes: [UInt8]) throws -> String {
        guard bytes.count >= 2, bytes[1] == stringDescriptorType else {
            throw USBError.malformedReply("not a string descriptor (\(bytes.count) bytes)")
        }
        let length = min(Int(bytes[0]), bytes.count)
        guard length >= 2 else { throw USBError.malformedReply("string descriptor length \(bytes[0])") }
        var units: [UInt16] = []
        var index = 2
        while index + 1 < length {
            units.append(UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
            index += 2
        }
        // Some firmware pads with NULs; they are never part of a product name or serial.
        while units.last == 0 { units.removeLast() }
        return String(decoding: units, as: UTF16.self)
    }

    /// The language IDs listed in string descriptor 0.
    static func languageIDs(descriptor bytes: [UInt8]) -> [UInt16] {
        guard bytes.count >= 4, bytes[1] == stringDescriptorType else { return [] }
        let length = min(Int(bytes[0]), bytes.count)
        return stride(from: 2, to: length - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }
}
