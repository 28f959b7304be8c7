import Foundation
import Barcodes
import Testing
@testable import Labels

/// Our jobs, read back by decoders this project did not write (`../shared/oracles`): ZPL
/// rendered by zplkit and decoded by zxing-cpp; ESC/POS rendered by emupos, then decoded.
///
/// Skipped (and reported as skipped) when the oracles folder is absent; found through
/// `$STATION_ORACLES_DIR` or `<package root>/../shared/oracles`. The first run installs the
/// oracles' virtualenvs (a minute or two). zplkit's resident fonts lack Vietnamese, so native
/// ZPL is checked with ASCII text; its graphic limit is 25,000 bytes, so raster ZPL is checked
/// on the 203-dpi stamps and the carton's raster through its PNG.
@Suite(.enabled(if: Oracles.directory != nil, "no oracles: set STATION_ORACLES_DIR or place shared/oracles beside the package"),
       .timeLimit(.minutes(10)))
struct OracleTests {
    let work: URL

    init() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("labels-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    static let resolutions: [PrintResolution] = [.dpi203, .dpi300]

    @Test(arguments: Samples.templateNames, resolutions)
    func nativeZPLDecodes(template name: String, resolution: PrintResolution) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template(name), resolution: resolution))
        var data = Samples.data(for: name)
        let ascii = Samples.asciiStamp
        (data.productName, data.producer, data.producerAddress, data.extras) = (ascii.productName, ascii.producer, ascii.producerAddress, ascii.extras)
        let file = work.appendingPathComponent("\(name)-\(resolution.rawValue)-native.zpl")
        try Data(ZPLEncoder.native(try renderer.compose(data), options: .init(asciiText: true))).write(to: file)
        let codes = try Oracles.decode([file])
        #expect(codes.contains(Oracles.Code(format: "QR Code", text: data.digitalLink)), "\(codes)")
        if name == "carton-100x70" {
            #expect(codes.contains(Oracles.Code(format: "Data Matrix", text: "(01)08938512345017(17)260313(10)MD250314A(21)K7QM2X9PA4")), "\(codes)")
            #expect(codes.contains(Oracles.Code(format: "Code 128", text: "(00)089385123400000018")), "\(codes)")
        }
    }

    @Test(arguments: ["mien-dong-50x30", "thanh-tra-40x40"], [ZPLOptions.GraphicEncoding.asciiCompressed, .z64])
    func rasterZPLDecodes(template name: String, encoding: ZPLOptions.GraphicEncoding) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template(name)))
        let data = Samples.data(for: name)
        let file = work.appendingPathComponent("\(name)-\(encoding == .z64 ? "z64" : "ascii").zpl")
        try Data(ZPLEncoder.raster(try renderer.render(data), options: .init(graphicEncoding: encoding))).write(to: file)
        #expect(try Oracles.decode([file]) == [Oracles.Code(format: "QR Code", text: data.digitalLink)])
    }

    /// Layered raster ZPL (the batch's shared elements in one field, the QR and serial in their
    /// own) prints exactly the label's bitmap: zplkit's rendering matches it dot for dot.
    @Test(arguments: ["mien-dong-50x30", "thanh-tra-40x40"], [ZPLOptions.GraphicEncoding.asciiCompressed, .z64])
    func layeredRasterZPLPrintsExactlyTheBitmap(template name: String, encoding: ZPLOptions.GraphicEncoding) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template(name)))
        let data = Samples.data(for: name)
        let layers = try #require(try LayeredRasterTests.layers(renderer, data, encoding))
        let (bitmap, zpl) = try layers.encode(try renderer.compose(data), renderer: renderer)
        #expect(bitmap == (try renderer.render(data)))
        #expect(String(decoding: zpl, as: UTF8.self).components(separatedBy: "^GFA,").count - 1 == 1 + layers.varying.count)
        let file = work.appendingPathComponent("\(name)-layered-\(encoding == .z64 ? "z64" : "ascii").zpl")
        try Data(zpl).write(to: file)
        let out = work.appendingPathComponent("\(name)-layered-render")
        try Oracles.run("zpl2png", [file.path, out.path])
        let png = try PNGCodec.decode(Array(try Data(contentsOf: out.appendingPathComponent("label-1.png"))))
        let printed = LabelBitmap(thresholding: png)
        #expect(printed.width >= bitmap.width && printed.height >= bitmap.height, "zplkit drew \(printed.width)×\(printed.height)")
        var mismatched = 0
        for y in 0..<bitmap.height { for x in 0..<bitmap.width where printed[x, y] != bitmap[x, y] { mismatched += 1 } }
        #expect(mismatched == 0, "\(mismatched) dots differ between zplkit's print and the bitmap")
        #expect(try Oracles.decode([file]) == [Oracles.Code(format: "QR Code", text: data.digitalLink)])
    }

    @Test(arguments: resolutions)
    func cartonRasterDecodesEveryCode(resolution: PrintResolution) throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("carton-100x70"), resolution: resolution))
        let file = work.appendingPathComponent("carton-\(resolution.rawValue).png")
        try Data(try renderer.render(Samples.carton).pngData()).write(to: file)
        let codes = Set(try Oracles.decode([file]))
        #expect(codes == [
            Oracles.Code(format: "QR Code", text: Samples.carton.digitalLink),
            Oracles.Code(format: "Data Matrix", text: "(01)08938512345017(17)260313(10)MD250314A(21)K7QM2X9PA4"),
            Oracles.Code(format: "Code 128", text: "(00)089385123400000018"),
        ])
    }

    @Test func escposJobsPrintAReadableQR() throws {
        let renderer = try LabelRenderer(layout: try LabelLayout(try Samples.template("mien-dong-50x30")))
        let label = try renderer.compose(Samples.stamp)
        let jobs = [
            ("raster", try ESCPOSEncoder.raster(try renderer.rasterize(label))),
            ("native", try ESCPOSEncoder.native(label)),
        ]
        for (mode, job) in jobs {
            let bin = work.appendingPathComponent("stamp-\(mode).bin")
            let png = work.appendingPathComponent("stamp-\(mode).png")
            try Data(job).write(to: bin)
            try Oracles.run("escpos2png", [bin.path, png.path])
            #expect(try Oracles.decode([png]) == [Oracles.Code(format: "QR Code", text: Samples.digitalLink)], "\(mode)")
        }
    }
}

/// Runs the oracle commands.
enum Oracles {
    struct Code: Hashable, CustomStringConvertible {
        let format: String
        let text: String
        var description: String { "\(format): \(text)" }
    }

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    static var directory: URL? {
        // An explicit STATION_ORACLES_DIR wins (and an empty or wrong one skips the suite).
        let dir = ProcessInfo.processInfo.environment["STATION_ORACLES_DIR"].map { URL(fileURLWithPath: $0) }
            ?? Samples.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/oracles")
        return FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("decode").path) ? dir : nil
    }

    /// Every code `decode` finds in the files.
    static func decode(_ files: [URL]) throws -> [Code] {
        let out = try run("decode", files.map(\.path), allowFailure: true)
        return out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return Code(format: String(parts[1]), text: String(parts[2]))
        }
    }

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        guard let dir = directory else { throw Failed(description: "no oracles directory") }
        let process = Process()
        process.executableURL = dir.appendingPathComponent(tool)
        process.arguments = arguments
        // stderr goes to a file so a chatty tool cannot block on a full pipe while we read stdout.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: errFile)
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = FileManager.default.contents(atPath: errFile.path) ?? Data()
        if process.terminationStatus != 0 && !allowFailure {
            throw Failed(description: "\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): "
                         + String(decoding: err, as: UTF8.self))
        }
        return String(decoding: out, as: UTF8.self)
    }
}
