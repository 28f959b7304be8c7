import CZXing

/// zxing-cpp (Debian `libzxing-dev`) behind the C wrapper in `CZXing`: the decoder for what zbar
/// cannot read. That is Data Matrix (carton labels carry the products' GS1 element string in one),
/// and the QR codes zbar misses after all its passes (strong perspective, a stamp only 2 pixels
/// per module). zbar stays the first decoder.
enum SecondDecoder {
    /// Library name and version reported in diagnostics.
    static let name = "zxing-cpp"

    /// Data Matrix symbols in `image`, searched in the whole image and then, when none was found,
    /// in nine overlapping half-size tiles: zxing-cpp 1.4's Data Matrix detector misses a symbol
    /// that shares the frame with a QR code and a 1-D barcode (a carton label), and finds it in a
    /// tile that holds it alone.
    static func readDataMatrixTiled(_ image: GrayImage) throws(PhotoDecodingError) -> [DecodedSymbol] {
        let whole = try read(image, qrCode: false, dataMatrix: true)
        if !whole.isEmpty || image.width < 64 || image.height < 64 { return whole }
        var found: [DecodedSymbol] = []
        let tw = image.width / 2, th = image.height / 2
        for ty in 0..<3 {
            for tx in 0..<3 {
                let x0 = tx * image.width / 4, y0 = ty * image.height / 4
                var tile = [UInt8](repeating: 255, count: tw * th)
                image.pixels.withUnsafeBufferPointer { src in
                    tile.withUnsafeMutableBufferPointer { dst in
                        for y in 0..<th {
                            for x in 0..<tw { dst[y * tw + x] = src[(y0 + y) * image.width + x0 + x] }
                        }
                    }
                }
                for s in try read(GrayImage(width: tw, height: th, pixels: tile), qrCode: false, dataMatrix: true)
                where !found.contains(where: { $0.bytes == s.bytes }) {
                    found.append(DecodedSymbol(symbology: s.symbology, bytes: s.bytes, quality: s.quality,
                                               points: s.points.map { ($0.x + x0, $0.y + y0) }))
                }
            }
        }
        return found
    }

    /// Every QR and/or Data Matrix symbol zxing-cpp finds in `image`; throws the wrapper's
    /// message when the library failed (it never lets a C++ exception through).
    static func read(_ image: GrayImage, qrCode: Bool, dataMatrix: Bool) throws(PhotoDecodingError) -> [DecodedSymbol] {
        let formats = (qrCode ? UInt32(CZX_FORMAT_QRCODE) : 0) | (dataMatrix ? UInt32(CZX_FORMAT_DATAMATRIX) : 0)
        guard formats != 0 else { return [] }
        var results = CZXResults()
        defer { czx_results_free(&results) }
        let status = image.pixels.withUnsafeBufferPointer {
            czx_read_gray($0.baseAddress, Int32(image.width), Int32(image.height), formats, 1, &results)
        }
        guard status == 0 else {
            let message = withUnsafeBytes(of: &results.error) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw PhotoDecodingError.decoderCrashed(detail: "\(name): \(message)")
        }
        var out: [DecodedSymbol] = []
        for i in 0..<results.count {
            let s = results.symbols[i]
            let bytes = s.length == 0 || s.bytes == nil ? [] : Array(UnsafeBufferPointer(start: s.bytes, count: s.length))
            let xs = withUnsafeBytes(of: s.x) { Array($0.bindMemory(to: Int32.self)) }
            let ys = withUnsafeBytes(of: s.y) { Array($0.bindMemory(to: Int32.self)) }
            let symbology: Symbology = s.format == UInt32(CZX_FORMAT_QRCODE) ? .qrCode : .dataMatrix
            out.append(DecodedSymbol(symbology: symbology, bytes: bytes, quality: 1,
                                     points: zip(xs, ys).map { (Int($0), Int($1)) }))
        }
        return out
    }
}
