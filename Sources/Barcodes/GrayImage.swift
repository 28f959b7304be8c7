/// An 8-bit grayscale image (0 = black, 255 = white), row-major with no padding.
///
/// The one pixel format every part of the station agrees on: labels are drawn into it,
/// photos are converted to it, zbar reads it and PNG files are written from it.
public struct GrayImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// A blank image filled with `value` (white by default).
    public init(width: Int, height: Int, fill value: UInt8 = 255) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: value, count: width * height)
    }

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height, "pixel count must equal width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    @inlinable
    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// Fills the rectangle (clipped to the image) with `value`.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, value: UInt8 = 0) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        pixels.withUnsafeMutableBufferPointer { p in
            for row in y0..<y1 {
                let base = row * width
                for col in x0..<x1 { p[base + col] = value }
            }
        }
    }

    /// A copy scaled by an integer factor with nearest-neighbour sampling (keeps modules sharp).
    public func scaled(by factor: Int) -> GrayImage {
        precondition(factor >= 1)
        if factor == 1 { return self }
        var out = GrayImage(width: width * factor, height: height * factor)
        for y in 0..<out.height {
            let sy = y / factor
            for x in 0..<out.width { out.pixels[y * out.width + x] = pixels[sy * width + x / factor] }
        }
        return out
    }
}
