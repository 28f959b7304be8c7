/// Limits applied to an untrusted photo before and during decoding.
///
/// The defaults accept any phone photo up to 12 MP comfortably (and larger ones at a reduced
/// JPEG scale) while refusing files that would cost the station seconds or gigabytes.
public struct PhotoDecodeLimits: Sendable, Codable, Equatable {
    /// Largest file accepted, checked before anything is parsed.
    public var maxFileBytes: Int
    /// Largest decoded image. JPEGs above it are decoded at 1/2, 1/4 or 1/8 scale; PNGs above it
    /// are refused (PNG cannot be decoded at a reduced scale).
    public var maxPixels: Int
    /// Largest image a file may declare in its header at all.
    public var maxSourcePixels: Int
    /// Time for the whole decode, in seconds. Passes start only while time remains; the isolated
    /// decoder additionally kills the process shortly after it.
    public var timeBudget: Double

    /// Limits with the station's defaults for anything not given.
    public init(maxFileBytes: Int = 30 << 20, maxPixels: Int = 16_000_000,
                maxSourcePixels: Int = 120_000_000, timeBudget: Double = 1.5) {
        self.maxFileBytes = maxFileBytes
        self.maxPixels = maxPixels
        self.maxSourcePixels = maxSourcePixels
        self.timeBudget = timeBudget
    }

    /// The station's defaults.
    public static let standard = PhotoDecodeLimits()
}

/// One preprocessing pass: what image zbar (or the second decoder) saw and what it found.
public struct PhotoPassReport: Sendable, Codable, Equatable {
    /// What was done, e.g. `plain`, `downscale 1/3`, `adaptive threshold r=12`, `zxing-cpp (QR, Data Matrix)`.
    public var name: String
    /// The size of the image the decoder scanned.
    public var width: Int
    public var height: Int
    /// Preprocessing plus decoding time of this pass.
    public var milliseconds: Double
    /// Symbols found in this pass, and how many of them no earlier pass had found.
    public var found: Int
    public var new: Int
}

/// How a photo was read: its size, the passes that ran and how long everything took.
public struct PhotoDecodeDiagnostics: Sendable, Codable, Equatable {
    /// `JPEG` or `PNG`.
    public var format: String
    /// Size stored in the file (before EXIF orientation and any decode-time scaling).
    public var width: Int
    public var height: Int
    /// Size of the upright grayscale image the passes started from.
    public var decodedWidth: Int
    public var decodedHeight: Int
    /// EXIF orientation found in the file (1 = upright as stored).
    public var orientation: Int
    /// 1 unless the JPEG was decoded at reduced scale to stay within ``PhotoDecodeLimits/maxPixels``.
    public var decodeScale: Double
    /// Time to parse and decode the image file.
    public var loadMilliseconds: Double
    /// Every pass that ran, in order.
    public var passes: [PhotoPassReport]
    /// Everything, from the first byte to the result.
    public var totalMilliseconds: Double
    /// True when passes were skipped because the time budget was spent.
    public var budgetExhausted: Bool
    /// The image library's warning for a damaged but partly readable file.
    public var fileWarning: String?
    /// Brightness and sharpness of the photo, measured when no code was found.
    public var statistics: PhotoStatistics?
}

/// Something the inspector should know about a photo, in Vietnamese and English.
public struct PhotoNote: Sendable, Codable, Equatable {
    /// What the note is about (stable names for programs and JSON).
    public enum Kind: String, Sendable, Codable {
        /// No code was found; the messages say how to take a better photo.
        case noCodeFound = "no_code_found"
        /// The file is damaged (usually cut off); what was readable was searched.
        case damagedFile = "damaged_file"
        /// The time budget ran out before every pass had run.
        case budgetExhausted = "budget_exhausted"
        /// A code was read by the second decoder (zxing-cpp): a Data Matrix, which zbar cannot
        /// read, or a QR code that every zbar pass missed.
        case readBySecondDecoder = "second_decoder"
        /// Data Matrix reading was switched off, so a Data Matrix in the photo would go unread.
        case dataMatrixNotSupported = "data_matrix_not_supported"
    }
    public var kind: Kind
    /// For the inspector.
    public var vietnamese: String
    /// For logs, audits and English-speaking staff.
    public var english: String

    /// A note with its text in both languages.
    public init(kind: Kind, vietnamese: String, english: String) {
        self.kind = kind
        self.vietnamese = vietnamese
        self.english = english
    }
}

/// Every code read from one photo, notes for the inspector, and how it was done.
public struct PhotoDecodeResult: Sendable, Codable, Equatable {
    /// Distinct symbols (by symbology and bytes), in the order they were first found; corner
    /// points are in the coordinates of the upright decoded image.
    public var symbols: [DecodedSymbol]
    /// What the inspector should know: no code and how to take a better photo, a damaged file,
    /// a code read by the second decoder, a spent time budget.
    public var notes: [PhotoNote]
    /// Sizes, passes and times.
    public var diagnostics: PhotoDecodeDiagnostics
}

/// When the second decoder looks for Data Matrix symbols.
public enum DataMatrixPolicy: String, Sendable, Codable {
    /// Only when zbar found nothing: a stamp photo costs nothing extra, a Data Matrix-only photo
    /// (the element string of a carton label) is still read.
    case whenNothingElse = "when_nothing_else"
    /// Always, after the zbar passes (carton labels with QR and Data Matrix side by side).
    case always
    /// Never; a note says that Data Matrix symbols are not read.
    case never
}

/// An image file decoded and turned upright, ready for the passes.
public struct LoadedPhoto: Sendable {
    /// Upright grayscale pixels.
    public var image: GrayImage
    /// `JPEG` or `PNG`.
    public var format: String
    /// Size stored in the file.
    public var storedWidth: Int
    public var storedHeight: Int
    /// EXIF orientation applied (1 = none).
    public var orientation: Int
    /// 1, or the reduced scale a large JPEG was decoded at.
    public var decodeScale: Double
    /// The image library's warning for a damaged but partly readable file.
    public var warning: String?
}

/// Reads the codes in a photo of a stamp or label: zbar first on the plain image, then, until a
/// code is found or the time budget is spent, on preprocessed variants (shrunk, contrast
/// stretched, locally thresholded, smoothed, sharpened, enlarged), and last zxing-cpp for Data
/// Matrix (which zbar cannot read) and for QR codes every zbar pass missed.
///
/// Phone photos differ from scanner images in predictable ways: 12 MP frames in which the stamp
/// is a small part (zbar is slow and worse on them, so they are shrunk first), dim and uneven
/// light and glare (local thresholding), focus blur and hand shake (thresholding at a smaller
/// radius, shrinking), sensor noise (smoothing), tiny stamps far away (enlarging). Rotated
/// variants are not tried: zbar's QR finder reads every rotation, and no photo of the corpus
/// was read only after rotating it. Each pass is reported with its time, so a failed photo can
/// be understood.
///
/// This runs libjpeg, libpng, zbar and zxing-cpp in the calling process: use
/// ``IsolatedPhotoDecoder`` for images from outside the station.
public struct PhotoDecoder: Sendable {
    /// File size, pixel and time limits.
    public var limits: PhotoDecodeLimits
    /// zbar symbologies to look for; nil = every one zbar reads.
    public var symbologies: Set<Symbology>?
    /// When zxing-cpp looks for Data Matrix symbols.
    public var dataMatrix: DataMatrixPolicy
    /// When every zbar pass came back empty, let zxing-cpp look for QR codes too (it reads some
    /// strongly tilted or very small stamps zbar cannot).
    public var secondDecoderFallback: Bool
    /// Run every pass even after codes were found (photos of several labels).
    public var exhaustive: Bool

    /// What the station photographs: QR stamps, GS1-128 on cartons, and EAN-13 retail barcodes
    /// (so an inspector who photographs the wrong barcode is told it is not a stamp). Leaving out
    /// zbar's other 1-D decoders makes a pass about a third faster on a noisy photo and removes
    /// their false reads of noise.
    public static let stampSymbologies: Set<Symbology> = [.qrCode, .gs1_128, .ean13]

    /// - Parameters:
    ///   - symbologies: zbar symbologies to look for; nil = every one zbar reads.
    ///   - dataMatrix: when zxing-cpp looks for Data Matrix symbols.
    ///   - secondDecoderFallback: let zxing-cpp look for QR codes when zbar found nothing.
    ///   - exhaustive: keep running passes after codes were found.
    public init(limits: PhotoDecodeLimits = .standard, symbologies: Set<Symbology>? = PhotoDecoder.stampSymbologies,
                dataMatrix: DataMatrixPolicy = .whenNothingElse, secondDecoderFallback: Bool = true,
                exhaustive: Bool = false) {
        self.limits = limits
        self.symbologies = symbologies
        self.dataMatrix = dataMatrix
        self.secondDecoderFallback = secondDecoderFallback
        self.exhaustive = exhaustive
    }

    /// Images at most this large are scanned as they are; larger ones are shrunk by an integer
    /// factor first (a 12 MP photo by 3, to 1333 × 1000).
    static let workingPixels = 1_600_000

    /// Recognises the file type by its first bytes.
    public static func format(of bytes: [UInt8]) -> String? {
        if JPEGCodec.hasSignature(bytes) { return "JPEG" }
        if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "PNG" }
        return nil
    }

    /// Checks the limits and decodes the file to an upright grayscale image.
    public static func load(_ bytes: [UInt8], limits: PhotoDecodeLimits = .standard) throws(PhotoDecodingError) -> LoadedPhoto {
        guard !bytes.isEmpty else { throw .emptyFile }
        guard bytes.count <= limits.maxFileBytes else { throw .fileTooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        switch format(of: bytes) {
        case "JPEG":
            do {
                let j = try JPEGCodec.decode(bytes, maxPixels: limits.maxPixels, maxSourcePixels: limits.maxSourcePixels)
                return LoadedPhoto(image: j.image, format: "JPEG", storedWidth: j.header.width, storedHeight: j.header.height,
                                   orientation: j.header.orientation, decodeScale: j.scale, warning: j.warning)
            } catch { throw PhotoDecodingError(error) }
        case "PNG":
            do {
                let img = try PNGCodec.decode(bytes, maxPixels: min(limits.maxPixels, limits.maxSourcePixels))
                return LoadedPhoto(image: img, format: "PNG", storedWidth: img.width, storedHeight: img.height,
                                   orientation: 1, decodeScale: 1, warning: nil)
            } catch let e as ImageCodecError {
                throw PhotoDecodingError(e)
            } catch {
                throw .malformed(format: "PNG", reason: "\(error)")
            }
        default:
            throw .unsupportedFormat(signature: bytes.prefix(8).map { hex($0) }.joined(separator: " "))
        }
    }

    /// Decodes a JPEG or PNG file's bytes and reads every code in it.
    /// - Throws: ``PhotoDecodingError`` when the file itself cannot be used; a photo without a
    ///   code is a result with no symbols and a ``PhotoNote/Kind/noCodeFound`` note.
    public func decode(_ bytes: [UInt8]) throws(PhotoDecodingError) -> PhotoDecodeResult {
        let clock = ContinuousClock()
        let start = clock.now
        let photo = try Self.load(bytes, limits: limits)
        let loadTime = clock.now - start
        return try run(photo, start: start, loadTime: loadTime)
    }

    /// Reads every code in an already decoded image (upright grayscale).
    public func decode(image: GrayImage) throws(PhotoDecodingError) -> PhotoDecodeResult {
        let photo = LoadedPhoto(image: image, format: "raw", storedWidth: image.width, storedHeight: image.height,
                                orientation: 1, decodeScale: 1, warning: nil)
        let clock = ContinuousClock()
        return try run(photo, start: clock.now, loadTime: .zero)
    }

    private func run(_ photo: LoadedPhoto, start: ContinuousClock.Instant, loadTime: Duration) throws(PhotoDecodingError) -> PhotoDecodeResult {
        let clock = ContinuousClock()
        var scanners: [Int32: BarcodeDecoder] = [:]
        func zbar(density: Int32) -> BarcodeDecoder {
            if let s = scanners[density] { return s }
            let s = BarcodeDecoder(symbologies: symbologies, lineDensity: density)
            scanners[density] = s
            return s
        }
        var found: [DecodedSymbol] = []
        var keys = Set<[UInt8]>()
        var reports: [PhotoPassReport] = []
        var budgetExhausted = false

        func key(_ s: DecodedSymbol) -> [UInt8] { Array(s.symbology.rawValue.utf8) + [0] + s.bytes }
        func record(_ name: String, _ image: GrayImage, _ t0: ContinuousClock.Instant, _ symbols: [DecodedSymbol], _ back: PixelTransform) {
            var new = 0
            for s in symbols where keys.insert(key(s)).inserted {
                new += 1
                found.append(DecodedSymbol(symbology: s.symbology, bytes: s.bytes, quality: s.quality,
                                           points: s.points.map { back.apply($0) }))
            }
            reports.append(PhotoPassReport(name: name, width: image.width, height: image.height,
                                           milliseconds: milliseconds(clock.now - t0), found: symbols.count, new: new))
        }
        func timeLeft() -> Bool {
            if milliseconds(clock.now - start) < limits.timeBudget * 1000 { return true }
            budgetExhausted = true
            return false
        }

        let plan = PassPlan(photo.image)
        for pass in plan.passes {
            if !found.isEmpty && !exhaustive { break }
            guard timeLeft() else { break }
            let t0 = clock.now
            let (image, back) = pass.make()
            record(pass.name, image, t0, zbar(density: pass.density).decode(image), back)
        }

        let zbarFound = found.count
        let zbarFoundNothing = found.isEmpty
        let wantDataMatrix = dataMatrix == .always || (dataMatrix == .whenNothingElse && zbarFoundNothing)
        let wantQR = secondDecoderFallback && zbarFoundNothing && (symbologies?.contains(.qrCode) ?? true)
        if wantDataMatrix || wantQR, timeLeft() {
            let t0 = clock.now
            let (image, back) = plan.secondDecoderImage()
            var symbols = try SecondDecoder.read(image, qrCode: wantQR, dataMatrix: wantDataMatrix)
            // zxing-cpp 1.4 misses a Data Matrix beside other symbols; tiles find it on its own.
            if wantDataMatrix, !zbarFoundNothing, !symbols.contains(where: { $0.symbology == .dataMatrix }) {
                symbols += try SecondDecoder.readDataMatrixTiled(plan.working).map { s in
                    DecodedSymbol(symbology: s.symbology, bytes: s.bytes, quality: s.quality,
                                  points: s.points.map { PixelTransform.scale(1 / Double(plan.factor)).apply($0) })
                }
            }
            let formats = [wantQR ? "QR" : nil, wantDataMatrix ? "Data Matrix" : nil].compactMap { $0 }.joined(separator: ", ")
            record("\(SecondDecoder.name) (\(formats))", image, t0, symbols, back)
        }

        var notes: [PhotoNote] = []
        if let w = photo.warning {
            notes.append(PhotoNote(kind: .damagedFile,
                                   vietnamese: "Tệp ảnh bị hỏng một phần (có thể bị cắt ngang khi gửi): chỉ đọc được phần còn lại.",
                                   english: "the image file is damaged (\(w)); only the readable part was searched"))
        }
        let bySecond = found[zbarFound...].map(\.symbology)
        if bySecond.contains(.dataMatrix) {
            notes.append(PhotoNote(kind: .readBySecondDecoder,
                                   vietnamese: "Mã Data Matrix được đọc bằng bộ giải mã thứ hai (zxing-cpp), vì zbar không đọc được Data Matrix.",
                                   english: "Data Matrix read by the second decoder (zxing-cpp): zbar has no Data Matrix decoder"))
        }
        if bySecond.contains(where: { $0 != .dataMatrix }) {
            notes.append(PhotoNote(kind: .readBySecondDecoder,
                                   vietnamese: "Mã QR được đọc bằng bộ giải mã thứ hai (zxing-cpp) sau khi zbar không đọc được; lần sau hãy chụp thẳng và gần hơn.",
                                   english: "QR code read by the second decoder (zxing-cpp) after every zbar pass missed it; a closer, square-on photo reads faster"))
        }
        if dataMatrix == .never && zbarFoundNothing {
            notes.append(PhotoNote(kind: .dataMatrixNotSupported,
                                   vietnamese: "Không đọc mã Data Matrix (zbar không hỗ trợ Data Matrix): nếu tem chỉ có Data Matrix, hãy dùng máy quét mã.",
                                   english: "Data Matrix is not read here (zbar has no Data Matrix decoder); scan a Data Matrix-only label with a barcode scanner"))
        }
        if budgetExhausted {
            notes.append(PhotoNote(kind: .budgetExhausted,
                                   vietnamese: "Đã hết thời gian xử lý trước khi thử hết các cách đọc ảnh.",
                                   english: "the time budget of \(formatSeconds(limits.timeBudget)) s ran out before every pass had run"))
        }
        var statistics: PhotoStatistics?
        if found.isEmpty {
            let stats = plan.working.photoStatistics()
            statistics = stats
            notes.append(PhotoAdvice.noCodeFound(stats))
        }
        let diagnostics = PhotoDecodeDiagnostics(
            format: photo.format, width: photo.storedWidth, height: photo.storedHeight,
            decodedWidth: photo.image.width, decodedHeight: photo.image.height, orientation: photo.orientation,
            decodeScale: photo.decodeScale, loadMilliseconds: milliseconds(loadTime), passes: reports,
            totalMilliseconds: milliseconds(clock.now - start), budgetExhausted: budgetExhausted,
            fileWarning: photo.warning, statistics: statistics)
        return PhotoDecodeResult(symbols: found, notes: notes, diagnostics: diagnostics)
    }
}

/// The passes for one image, in the order they are tried. Derived images are made lazily and
/// shared between passes, so a photo read by the first pass costs nothing more.
///
/// The order puts cheap passes that often succeed first (measured on the stamp photo corpus in
/// `Tests/PhotoTests/PhotoCorpus`, see its README): zbar scanning every second line reads most
/// photos of a stamp; a half-size locally thresholded copy costs a quarter of that and reads most
/// photos with noise, dim light or shake; thresholding at a smaller radius reads focus blur.
final class PassPlan {
    struct Pass {
        let name: String
        /// zbar scans every n-th line.
        let density: Int32
        let make: () -> (GrayImage, PixelTransform)
    }

    let original: GrayImage
    /// The original, shrunk by `factor` when it is larger than ``PhotoDecoder/workingPixels``.
    let working: GrayImage
    let factor: Int
    private(set) var passes: [Pass] = []
    private var stretchedImage: GrayImage?

    init(_ image: GrayImage) {
        original = image
        var k = 1
        while image.width * image.height / (k * k) > PhotoDecoder.workingPixels { k += 1 }
        factor = k
        working = image.downscaled(by: k)
        let toOriginal = PixelTransform.scale(1 / Double(k))
        let w = working
        // The local-threshold window in pixels of the working image: large enough to hold a few
        // modules of a stamp photographed from a usual distance (24 px at 1280 × 960).
        let radius = max(8, min(w.width, w.height) / 40)

        add(k == 1 ? "plain" : "downscale 1/\(k)", density: 2) { (w, toOriginal) }
        if min(w.width, w.height) >= 240 {
            add("downscale 1/2 + adaptive threshold r=\(radius / 2)") { [unowned self] in
                (self.stretched.downscaled(by: 2).adaptiveThresholded(radius: radius / 2, offset: 4),
                 PixelTransform.scale(0.5).then(toOriginal))
            }
        }
        add("adaptive threshold r=\(radius / 2)") { [unowned self] in
            (self.stretched.adaptiveThresholded(radius: radius / 2, offset: 4), toOriginal)
        }
        add("smooth + adaptive threshold r=\(radius)") { [unowned self] in
            (self.stretched.boxBlurred(radius: 1).adaptiveThresholded(radius: radius, offset: 4), toOriginal)
        }
        if min(w.width, w.height) >= 360 {
            add("contrast stretch + downscale 1/3") { [unowned self] in
                (self.stretched.downscaled(by: 3), PixelTransform.scale(1.0 / 3).then(toOriginal))
            }
        }
        add(k == 1 ? "plain, every line" : "downscale 1/\(k), every line") { (w, toOriginal) }
        add("sharpen + adaptive threshold r=\(radius / 2)") { [unowned self] in
            (self.stretched.sharpened(radius: 1, amount: 6).adaptiveThresholded(radius: radius / 2, offset: 4), toOriginal)
        }
        if k == 1 && w.width * w.height <= 2_000_000 {
            add("upscale 2× + adaptive threshold r=\(radius)") { [unowned self] in
                (self.stretched.resized(width: w.width * 2, height: w.height * 2).adaptiveThresholded(radius: radius, offset: 4),
                 PixelTransform.scale(2).then(toOriginal))
            }
        }
        if k > 1 {
            add("full resolution") { (image, .identity) }
        }
    }

    private func add(_ name: String, density: Int32 = 1, _ make: @escaping () -> (GrayImage, PixelTransform)) {
        passes.append(Pass(name: name, density: density, make: make))
    }

    /// The working image with its histogram stretched, made once.
    var stretched: GrayImage {
        if let s = stretchedImage { return s }
        let s = working.contrastStretched()
        stretchedImage = s
        return s
    }

    /// The image the second decoder reads: the full photo (zxing-cpp shrinks large images itself
    /// and needs the detail of a small stamp in a 12 MP frame).
    func secondDecoderImage() -> (GrayImage, PixelTransform) {
        (original, .identity)
    }
}

/// What to tell an inspector whose photo had no readable code, most likely cause first.
enum PhotoAdvice {
    static func noCodeFound(_ s: PhotoStatistics) -> PhotoNote {
        var vi: [String] = [], en: [String] = []
        if s.meanLuminance < 70 || s.darkFraction > 0.5 {
            vi.append("Ảnh quá tối: bật thêm đèn hoặc ra chỗ sáng hơn.")
            en.append("the photo is too dark: add light or move somewhere brighter")
        }
        if s.saturatedFraction > 0.04 {
            vi.append("Có vùng lóa sáng: nghiêng máy hoặc tắt đèn flash để tránh phản chiếu trên tem.")
            en.append("there is glare: tilt the phone or switch the flash off to avoid reflections on the stamp")
        }
        if s.meanGradient < 4 {
            vi.append("Ảnh bị mờ: giữ máy yên và chạm vào tem trên màn hình để lấy nét.")
            en.append("the photo is blurred: hold the phone still and tap the stamp on the screen to focus")
        }
        vi.append("Chụp gần hơn để con tem chiếm phần lớn khung hình, giữ tem phẳng và chụp thẳng góc, đủ ánh sáng, tránh lóa.")
        en.append("take the photo closer so the stamp fills most of the frame, keep the stamp flat and the phone square to it, with enough light and no glare")
        return PhotoNote(kind: .noCodeFound,
                         vietnamese: "Không tìm thấy mã trong ảnh. " + vi.joined(separator: " "),
                         english: "no code found in the photo; " + en.joined(separator: "; "))
    }
}

func milliseconds(_ d: Duration) -> Double {
    let (s, atto) = d.components
    return Double(s) * 1000 + Double(atto) / 1e15
}

private func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}
