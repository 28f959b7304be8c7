import CZBar

/// Barcode symbologies the station reads.
public enum Symbology: String, Sendable, Codable, CaseIterable {
    case qrCode = "QR-Code"
    case ean13 = "EAN-13"
    case ean8 = "EAN-8"
    case upcA = "UPC-A"
    case upcE = "UPC-E"
    case code128 = "CODE-128"
    case gs1_128 = "GS1-128"
    case dataBar = "DataBar"
    case dataBarExpanded = "DataBar-Exp"
    case code39 = "CODE-39"
    case i25 = "I2/5"
    /// Data Matrix ECC 200. zbar has no Data Matrix decoder: these come from the second decoder
    /// (zxing-cpp) in ``PhotoDecoder``.
    case dataMatrix = "DataMatrix"
    case other = "other"

    /// zbar's symbol type for this symbology, nil for those zbar cannot read.
    var zbarType: zbar_symbol_type_t? {
        switch self {
        case .qrCode: return ZBAR_QRCODE
        case .ean13: return ZBAR_EAN13
        case .ean8: return ZBAR_EAN8
        case .upcA: return ZBAR_UPCA
        case .upcE: return ZBAR_UPCE
        case .code128, .gs1_128: return ZBAR_CODE128
        case .dataBar: return ZBAR_DATABAR
        case .dataBarExpanded: return ZBAR_DATABAR_EXP
        case .code39: return ZBAR_CODE39
        case .i25: return ZBAR_I25
        case .dataMatrix, .other: return nil
        }
    }

    init(zbarType: zbar_symbol_type_t, isGS1: Bool) {
        switch zbarType {
        case ZBAR_QRCODE: self = .qrCode
        case ZBAR_EAN13: self = .ean13
        case ZBAR_EAN8: self = .ean8
        case ZBAR_UPCA: self = .upcA
        case ZBAR_UPCE: self = .upcE
        case ZBAR_CODE128: self = isGS1 ? .gs1_128 : .code128
        case ZBAR_DATABAR: self = .dataBar
        case ZBAR_DATABAR_EXP: self = .dataBarExpanded
        case ZBAR_CODE39: self = .code39
        case ZBAR_I25: self = .i25
        default: self = .other
        }
    }
}

/// One code found in an image.
public struct DecodedSymbol: Sendable, Equatable {
    public let symbology: Symbology
    /// The raw bytes the symbol carries (QR is read in binary mode, so nothing is re-encoded).
    public let bytes: [UInt8]
    /// `bytes` as UTF-8, or nil when they are not valid UTF-8.
    public var text: String? { String(validating: bytes, as: UTF8.self) }
    /// zbar's confidence: how many times the symbol was seen in the scan.
    public let quality: Int
    /// The symbol's corner points in image coordinates.
    public let points: [(x: Int, y: Int)]

    public static func == (a: DecodedSymbol, b: DecodedSymbol) -> Bool {
        a.symbology == b.symbology && a.bytes == b.bytes && a.quality == b.quality
            && a.points.map { [$0.x, $0.y] } == b.points.map { [$0.x, $0.y] }
    }
}

/// Reads barcodes from grayscale images with zbar.
///
/// QR codes are decoded in zbar's binary mode (`ZBAR_CFG_BINARY`): zbar otherwise guesses the
/// text encoding and has turned UTF-8 Vietnamese into Big5 or Shift-JIS. The caller decodes UTF-8.
/// One decoder owns one zbar scanner; it is not thread-safe, make one per task.
public final class BarcodeDecoder {
    private let scanner: OpaquePointer

    /// - Parameter symbologies: the symbologies to look for; nil (the default) enables every one
    ///   zbar reads. Fewer symbologies scan faster and leave fewer chances for a false 1-D read in
    ///   a noisy photo.
    public convenience init(symbologies: Set<Symbology>? = nil) {
        self.init(symbologies: symbologies, lineDensity: 1)
    }

    /// - Parameter lineDensity: zbar scans every n-th row and column (1 = every line).
    init(symbologies: Set<Symbology>?, lineDensity: Int32) {
        scanner = zbar_image_scanner_create()
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, lineDensity)
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, lineDensity)
        if let symbologies {
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
            for s in symbologies { if let t = s.zbarType { zbar_image_scanner_set_config(scanner, t, ZBAR_CFG_ENABLE, 1) } }
        } else {
            zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 1)
        }
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
        // Record the number of times each symbol was seen, used as a confidence figure.
        zbar_image_scanner_enable_cache(scanner, 0)
    }

    deinit { zbar_image_scanner_destroy(scanner) }

    /// Every symbol zbar finds in `image`.
    public func decode(_ image: GrayImage) -> [DecodedSymbol] {
        image.pixels.withUnsafeBufferPointer { buf -> [DecodedSymbol] in
            let zimg = zbar_image_create()!
            defer { zbar_image_destroy(zimg) }
            zbar_image_set_format(zimg, 0x3030_3859) // fourcc "Y800": 8-bit grayscale
            zbar_image_set_size(zimg, UInt32(image.width), UInt32(image.height))
            // No cleanup handler: the buffer outlives the zbar image, which is destroyed above.
            zbar_image_set_data(zimg, buf.baseAddress, UInt(buf.count), nil)
            guard zbar_scan_image(scanner, zimg) > 0 else { return [] }
            var out: [DecodedSymbol] = []
            var sym = zbar_image_first_symbol(zimg)
            while let s = sym {
                let len = Int(zbar_symbol_get_data_length(s))
                var bytes = [UInt8](repeating: 0, count: len)
                if len > 0, let p = zbar_symbol_get_data(s) {
                    p.withMemoryRebound(to: UInt8.self, capacity: len) { src in
                        for i in 0..<len { bytes[i] = src[i] }
                    }
                }
                let modifiers = zbar_symbol_get_modifiers(s)
                let isGS1 = (modifiers & (1 << ZBAR_MOD_GS1.rawValue)) != 0
                var points: [(x: Int, y: Int)] = []
                for i in 0..<zbar_symbol_get_loc_size(s) {
                    points.append((Int(zbar_symbol_get_loc_x(s, i)), Int(zbar_symbol_get_loc_y(s, i))))
                }
                out.append(DecodedSymbol(symbology: Symbology(zbarType: zbar_symbol_get_type(s), isGS1: isGS1),
                                         bytes: bytes, quality: Int(zbar_symbol_get_quality(s)), points: points))
                sym = zbar_symbol_next(s)
            }
            return out
        }
    }
}
