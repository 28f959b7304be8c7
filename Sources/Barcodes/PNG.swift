import CPNG

public enum ImageCodecError: Error, Equatable, CustomStringConvertible {
    case malformed(format: String, reason: String)
    case tooLarge(width: Int, height: Int, maxPixels: Int)

    public var description: String {
        switch self {
        case .malformed(let f, let r): return "not a readable \(f) image: \(r)"
        case .tooLarge(let w, let h, let m): return "image is \(w)×\(h) pixels, more than the limit of \(m) pixels"
        }
    }
}

/// PNG files via libpng's simplified API (which catches libpng's longjmp errors itself).
public enum PNGCodec {
    /// Encodes an 8-bit grayscale PNG.
    public static func encode(_ image: GrayImage) throws -> [UInt8] {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        img.format = UInt32(PNG_FORMAT_GRAY)
        return try image.pixels.withUnsafeBufferPointer { px -> [UInt8] in
            var size = 0
            guard png_image_write_to_memory(&img, nil, &size, 0, px.baseAddress, Int32(image.width), nil) != 0 else {
                throw ImageCodecError.malformed(format: "PNG", reason: message(&img))
            }
            var out = [UInt8](repeating: 0, count: size)
            let ok = out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&img, dst.baseAddress, &size, 0, px.baseAddress, Int32(image.width), nil)
            }
            guard ok != 0 else { throw ImageCodecError.malformed(format: "PNG", reason: message(&img)) }
            out.removeSubrange(size...)
            return out
        }
    }

    /// Decodes any PNG (colour, alpha, palette, 16-bit) to grayscale, refusing images over `maxPixels`.
    public static func decode(_ bytes: [UInt8], maxPixels: Int = 50_000_000) throws -> GrayImage {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        guard began != 0 else { throw ImageCodecError.malformed(format: "PNG", reason: message(&img)) }
        defer { png_image_free(&img) }
        let w = Int(img.width), h = Int(img.height)
        guard w > 0, h > 0, w * h <= maxPixels else {
            throw ImageCodecError.tooLarge(width: w, height: h, maxPixels: maxPixels)
        }
        img.format = UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 255, count: w * h)
        // Transparent pixels are composed over white, as they would look on a label.
        var white = png_color(red: 255, green: 255, blue: 255)
        let ok = pixels.withUnsafeMutableBytes { png_image_finish_read(&img, &white, $0.baseAddress, Int32(w), nil) }
        guard ok != 0 else { throw ImageCodecError.malformed(format: "PNG", reason: message(&img)) }
        return GrayImage(width: w, height: h, pixels: pixels)
    }

    private static func message(_ img: inout png_image) -> String {
        withUnsafeBytes(of: &img.message) { raw in
            let b = raw.prefix { $0 != 0 }
            return String(decoding: b, as: UTF8.self)
        }
    }
}
