/// Maps a point of a derived image (shrunk, enlarged) back to the photo it came from, so symbol
/// corners are always reported in the coordinates of the photo the inspector took.
struct PixelTransform: Sendable {
    // x' = a·x + b·y + c,  y' = d·x + e·y + f
    var a = 1.0, b = 0.0, c = 0.0, d = 0.0, e = 1.0, f = 0.0

    static let identity = PixelTransform()

    /// A derived image `factor` times the size of its source.
    static func scale(_ factor: Double) -> PixelTransform {
        PixelTransform(a: 1 / factor, b: 0, c: 0, d: 0, e: 1 / factor, f: 0)
    }

    /// First `self`, then `next` (both map derived → source).
    func then(_ next: PixelTransform) -> PixelTransform {
        PixelTransform(a: next.a * a + next.b * d, b: next.a * b + next.b * e, c: next.a * c + next.b * f + next.c,
                       d: next.d * a + next.e * d, e: next.d * b + next.e * e, f: next.d * c + next.e * f + next.f)
    }

    func apply(_ p: (x: Int, y: Int)) -> (x: Int, y: Int) {
        let x = Double(p.x), y = Double(p.y)
        return (Int((a * x + b * y + c).rounded()), Int((d * x + e * y + f).rounded()))
    }
}

/// Image operations the photo pipeline applies before handing an image to zbar. Each returns a
/// new image; none changes the original. Loops work on raw buffers: these run on megapixel
/// images inside a time budget.
extension GrayImage {
    /// Averages `factor` × `factor` blocks (a box filter, which also removes sensor noise).
    func downscaled(by factor: Int) -> GrayImage {
        precondition(factor >= 1)
        if factor == 1 { return self }
        let ow = width / factor, oh = height / factor
        guard ow > 0, oh > 0 else { return self }
        var out = [UInt8](repeating: 0, count: ow * oh)
        let w = width
        let area = factor * factor
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var sums = [Int](repeating: 0, count: ow)
                sums.withUnsafeMutableBufferPointer { acc in
                    for oy in 0..<oh {
                        for i in 0..<ow { acc[i] = 0 }
                        for sy in (oy * factor)..<(oy * factor + factor) {
                            let row = sy * w
                            for ox in 0..<ow {
                                var s = 0
                                let base = row + ox * factor
                                for k in 0..<factor { s += Int(src[base + k]) }
                                acc[ox] += s
                            }
                        }
                        let orow = oy * ow
                        for ox in 0..<ow { dst[orow + ox] = UInt8(truncatingIfNeeded: (acc[ox] + area / 2) / area) }
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }

    /// Bilinear resampling to `newWidth` × `newHeight` (used to enlarge small codes: zbar needs
    /// roughly 3 pixels per module, and a bilinear enlargement keeps module edges findable).
    func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth > 0 && newHeight > 0)
        var out = [UInt8](repeating: 0, count: newWidth * newHeight)
        let w = width, h = height
        let sx = Double(w) / Double(newWidth), sy = Double(h) / Double(newHeight)
        // Fixed-point (8 fractional bits) source positions per output column.
        let xs: [(Int, Int)] = (0..<newWidth).map { x in
            let fx = max(0, min(Double(w - 1), (Double(x) + 0.5) * sx - 0.5))
            let x0 = Int(fx)
            return (x0, Int((fx - Double(x0)) * 256))
        }
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                xs.withUnsafeBufferPointer { xs in
                    for y in 0..<newHeight {
                        let fy = max(0, min(Double(h - 1), (Double(y) + 0.5) * sy - 0.5))
                        let y0 = Int(fy), wy = Int((fy - Double(y0)) * 256)
                        let y1 = min(y0 + 1, h - 1)
                        let r0 = y0 * w, r1 = y1 * w
                        let orow = y * newWidth
                        for x in 0..<newWidth {
                            let (x0, wx) = xs[x]
                            let x1 = min(x0 + 1, w - 1)
                            let top = Int(src[r0 + x0]) * (256 - wx) + Int(src[r0 + x1]) * wx
                            let bottom = Int(src[r1 + x0]) * (256 - wx) + Int(src[r1 + x1]) * wx
                            dst[orow + x] = UInt8(truncatingIfNeeded: (top * (256 - wy) + bottom * wy + 32768) >> 16)
                        }
                    }
                }
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: out)
    }

    /// Stretches the histogram so the `low` and `high` quantiles become black and white
    /// (dim photos, washed-out stamps).
    func contrastStretched(low: Double = 0.01, high: Double = 0.99) -> GrayImage {
        var histogram = [Int](repeating: 0, count: 256)
        pixels.withUnsafeBufferPointer { src in
            histogram.withUnsafeMutableBufferPointer { hist in
                for v in src { hist[Int(v)] += 1 }
            }
        }
        let n = pixels.count
        var lo = 0, hi = 255, acc = 0
        for v in 0..<256 { acc += histogram[v]; if acc > 0 && Double(acc) >= low * Double(n) { lo = v; break } }
        acc = 0
        for v in stride(from: 255, through: 0, by: -1) { acc += histogram[v]; if acc > 0 && Double(acc) >= (1 - high) * Double(n) { hi = v; break } }
        guard hi - lo >= 8 else { return self }
        var table = [UInt8](repeating: 0, count: 256)
        for v in 0..<256 { table[v] = UInt8(max(0, min(255, (v - lo) * 255 / (hi - lo)))) }
        return mapped(table)
    }

    /// Applies a 256-entry lookup table to every pixel.
    func mapped(_ table: [UInt8]) -> GrayImage {
        var out = pixels
        table.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count { p[i] = t[Int(p[i])] }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Column-major summed-area table with a zero first row and column: sum of the rectangle
    /// [x0, x1) × [y0, y1) = S[y1][x1] − S[y0][x1] − S[y1][x0] + S[y0][x0].
    private func integral() -> [UInt32] {
        let w1 = width + 1
        var s = [UInt32](repeating: 0, count: w1 * (height + 1))
        let w = width
        pixels.withUnsafeBufferPointer { src in
            s.withUnsafeMutableBufferPointer { s in
                for y in 0..<height {
                    var rowSum: UInt32 = 0
                    let srow = y * w, above = y * w1, here = (y + 1) * w1
                    for x in 0..<w {
                        rowSum &+= UInt32(src[srow + x])
                        s[here + x + 1] = s[above + x + 1] &+ rowSum
                    }
                }
            }
        }
        return s
    }

    /// The mean of each pixel's (2·radius+1)² neighbourhood (clipped at the borders).
    func boxBlurred(radius r: Int) -> GrayImage {
        let s = integral()
        var out = [UInt8](repeating: 0, count: pixels.count)
        let w = width, h = height, w1 = width + 1
        s.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let y0 = max(0, y - r), y1 = min(h, y + r + 1)
                    for x in 0..<w {
                        let x0 = max(0, x - r), x1 = min(w, x + r + 1)
                        let sum = s[y1 * w1 + x1] &- s[y0 * w1 + x1] &- s[y1 * w1 + x0] &+ s[y0 * w1 + x0]
                        dst[y * w + x] = UInt8(truncatingIfNeeded: Int(sum) / ((x1 - x0) * (y1 - y0)))
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Local-mean thresholding: a pixel is black when it is darker than the mean of its
    /// neighbourhood by more than `offset`. Evens out shadows, uneven light and glare halos that
    /// defeat a single global threshold.
    func adaptiveThresholded(radius r: Int, offset: Int) -> GrayImage {
        let s = integral()
        var out = [UInt8](repeating: 255, count: pixels.count)
        let w = width, h = height, w1 = width + 1
        pixels.withUnsafeBufferPointer { src in
            s.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { dst in
                    for y in 0..<h {
                        let y0 = max(0, y - r), y1 = min(h, y + r + 1)
                        for x in 0..<w {
                            let x0 = max(0, x - r), x1 = min(w, x + r + 1)
                            let sum = Int(s[y1 * w1 + x1] &- s[y0 * w1 + x1] &- s[y1 * w1 + x0] &+ s[y0 * w1 + x0])
                            let area = (x1 - x0) * (y1 - y0)
                            if Int(src[y * w + x]) * area < sum - offset * area { dst[y * w + x] = 0 }
                        }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Unsharp masking: adds `amount`/4 of the difference to a local mean back onto the image,
    /// steepening module edges that focus blur or hand shake softened.
    func sharpened(radius: Int = 1, amount: Int = 6) -> GrayImage {
        let blurred = boxBlurred(radius: radius)
        var out = pixels
        blurred.pixels.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { p in
                for i in 0..<p.count {
                    let v = Int(p[i]), m = Int(b[i])
                    p[i] = UInt8(max(0, min(255, v + (v - m) * amount / 4)))
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// Simple measurements used to advise the inspector when nothing was found.
    func photoStatistics() -> PhotoStatistics {
        var sum = 0, bright = 0, dark = 0, edge = 0, edgeCount = 0
        let w = width, h = height
        pixels.withUnsafeBufferPointer { p in
            for v in p {
                sum += Int(v)
                if v >= 250 { bright += 1 }
                if v <= 40 { dark += 1 }
            }
            // Mean absolute horizontal gradient on a sparse grid: low means blurred or empty.
            var y = 1
            while y < h - 1 {
                var x = 1
                while x < w - 1 {
                    edge += abs(Int(p[y * w + x + 1]) - Int(p[y * w + x - 1]))
                    edgeCount += 1
                    x += 3
                }
                y += 3
            }
        }
        let n = Double(pixels.count)
        return PhotoStatistics(meanLuminance: Double(sum) / n, saturatedFraction: Double(bright) / n,
                               darkFraction: Double(dark) / n,
                               meanGradient: edgeCount == 0 ? 0 : Double(edge) / Double(edgeCount))
    }
}

/// Brightness and sharpness figures of a photo, behind the advice given when no code was read.
public struct PhotoStatistics: Sendable, Codable, Equatable {
    /// 0 (black) ... 255 (white).
    public var meanLuminance: Double
    /// Share of pixels at 250 or more: large bright blobs are usually glare from a flash or lamp.
    public var saturatedFraction: Double
    /// Share of pixels at 40 or less.
    public var darkFraction: Double
    /// Mean absolute difference between pixels two apart: sharp printed edges give high values.
    public var meanGradient: Double
}

