import Barcodes
import Foundation
import Testing

/// Untrusted images through the real `station-decode` child process: every broken, hostile or
/// slow input ends as a typed error in the caller, which keeps running.
@Suite struct IsolationTests {
    /// `station-decode` next to the test bundle (SwiftPM builds it with the tests), or
    /// `$STATION_DECODE_BIN`.
    static var binary: String {
        if let p = ProcessInfo.processInfo.environment["STATION_DECODE_BIN"], !p.isEmpty { return p }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("station-decode").path
    }

    static func decoder(_ limits: PhotoDecodeLimits = PhotoDecodeLimits(timeBudget: 20), timeout: Double? = nil,
                        memory: Int = 512 << 20) throws -> IsolatedPhotoDecoder {
        try #require(FileManager.default.isExecutableFile(atPath: binary),
                     "station-decode is not built at \(binary): run `swift build` first")
        return IsolatedPhotoDecoder(executable: binary, limits: limits, memoryLimit: memory, timeout: timeout)
    }

    static func corpusFile(_ category: String) throws -> (PhotoCorpus.Entry, [UInt8]) {
        let e = try #require(PhotoCorpus.manifest.first { $0.category == category })
        return (e, try PhotoCorpus.bytes(e))
    }

    static func expectError(_ expected: (PhotoDecodingError) -> Bool, _ body: () throws(PhotoDecodingError) -> PhotoDecodeResult,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            let r = try body()
            Issue.record("expected an error, got \(r.symbols.count) symbols", sourceLocation: sourceLocation)
        } catch {
            #expect(expected(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(!error.vietnameseMessage.isEmpty && !error.description.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test func aGoodPhotoComesBackWithItsCodeFromTheFileAndFromMemory() throws {
        let (e, bytes) = try Self.corpusFile("clean")
        let d = try Self.decoder()
        let fromFile = try d.decode(fileAt: PhotoCorpus.directory.appendingPathComponent("images/\(e.file)").path)
        let fromMemory = try d.decode(bytes)
        #expect(fromFile.symbols.compactMap(\.text) == e.codes.map(\.text))
        #expect(fromMemory.symbols == fromFile.symbols)
        #expect(fromFile.diagnostics.passes.first?.name == "plain")
    }

    @Test func emptyInputIsAnEmptyFile() throws {
        let d = try Self.decoder()
        Self.expectError({ $0 == .emptyFile }) { () throws(PhotoDecodingError) in try d.decode([]) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString).jpg")
        try #require(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        defer { try? FileManager.default.removeItem(at: empty) }
        Self.expectError({ $0 == .emptyFile }) { () throws(PhotoDecodingError) in try d.decode(fileAt: empty.path) }
    }

    @Test func randomBytesAreNotAPhoto() throws {
        var g = CorpusLabels.Seeded(state: 7)
        let d = try Self.decoder()
        for n in [1, 7, 100, 5000] {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            Self.expectError({ if case .unsupportedFormat = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
                try d.decode(bytes)
            }
        }
    }

    @Test func truncatedHeadersAreMalformed() throws {
        let d = try Self.decoder()
        let (_, jpeg) = try Self.corpusFile("rotation")
        let (_, png) = try Self.corpusFile("clean")
        for cut in [3, 20, 200] {
            Self.expectError({ if case .malformed(format: "JPEG", _) = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
                try d.decode(Array(jpeg.prefix(cut)))
            }
        }
        for cut in [8, 30, 2000] {
            Self.expectError({ if case .malformed(format: "PNG", _) = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
                try d.decode(Array(png.prefix(cut)))
            }
        }
    }

    /// A JPEG cut off in its image data (an interrupted upload) is searched as far as it goes
    /// and reported as damaged.
    @Test func aJPEGCutOffInTheImageDataIsDecodedAsFarAsItGoes() throws {
        let (_, jpeg) = try Self.corpusFile("rotation")
        let r = try Self.decoder().decode(Array(jpeg.prefix(jpeg.count * 2 / 3)))
        #expect(r.diagnostics.fileWarning != nil)
        #expect(r.notes.contains { $0.kind == .damagedFile })
    }

    @Test func hugeDimensionsInAHeaderAreRefusedBeforeDecoding() throws {
        let d = try Self.decoder()
        Self.expectError({ $0 == .tooManyPixels(width: 100_000, height: 100_000, limit: 16_000_000) }) { () throws(PhotoDecodingError) in
            try d.decode(Fixtures.pngHeader(width: 100_000, height: 100_000))
        }
        Self.expectError({ $0 == .tooManyPixels(width: 65_000, height: 65_000, limit: 120_000_000) }) { () throws(PhotoDecodingError) in
            try d.decode(Fixtures.jpegHeader(width: 65_000, height: 65_000))
        }
    }

    @Test func aFileOverTheSizeLimitIsRefusedUnread() throws {
        let (e, bytes) = try Self.corpusFile("clean")
        let d = try Self.decoder(PhotoDecodeLimits(maxFileBytes: 10_000))
        Self.expectError({ $0 == .fileTooLarge(bytes: bytes.count, limit: 10_000) }) { () throws(PhotoDecodingError) in
            try d.decode(fileAt: PhotoCorpus.directory.appendingPathComponent("images/\(e.file)").path)
        }
        Self.expectError({ $0 == .fileTooLarge(bytes: bytes.count, limit: 10_000) }) { () throws(PhotoDecodingError) in
            try d.decode(bytes)
        }
    }

    @Test func aMissingFileIsUnreadable() throws {
        let d = try Self.decoder()
        Self.expectError({ if case .unreadableFile(path: "/nonexistent/photo.jpg", _) = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
            try d.decode(fileAt: "/nonexistent/photo.jpg")
        }
    }

    /// The wall-clock timeout kills a real decode of a 12 MP photo that is still running.
    @Test func aDecodeOverTheWallClockTimeoutIsKilled() throws {
        let (_, bytes) = try Self.corpusFile("12mp")
        let d = try Self.decoder(timeout: 0.02)
        let start = Date()
        Self.expectError({ $0 == .timedOut(seconds: 0.02) }) { () throws(PhotoDecodingError) in try d.decode(bytes) }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    /// The address-space limit applies inside the child: a 12 MP photo cannot be decoded in
    /// 64 MB, and the station gets an error instead of running out of memory itself.
    @Test func theMemoryLimitStopsTheChildNotTheStation() throws {
        let (_, bytes) = try Self.corpusFile("12mp")
        let d = try Self.decoder(memory: 64 << 20)
        Self.expectError({
            if case .decoderCrashed = $0 { return true }
            if case .malformed = $0 { return true }   // libjpeg's own "insufficient memory"
            return false
        }) { () throws(PhotoDecodingError) in try d.decode(bytes) }
    }

    @Test func aCrashingDecoderIsReportedAsACrash() throws {
        let script = try Fixtures.script("kill -SEGV $$")
        let d = IsolatedPhotoDecoder(executable: script, timeout: 10)
        Self.expectError({ if case .decoderCrashed(let detail) = $0 { return detail.contains("signal 11") }; return false }) { () throws(PhotoDecodingError) in
            try d.decode([0xFF, 0xD8, 0xFF])
        }
    }

    @Test func aHangingDecoderIsKilledAtTheTimeout() throws {
        let script = try Fixtures.script("exec sleep 30")
        let d = IsolatedPhotoDecoder(executable: script, timeout: 0.3)
        let start = Date()
        Self.expectError({ $0 == .timedOut(seconds: 0.3) }) { () throws(PhotoDecodingError) in try d.decode([0xFF, 0xD8, 0xFF]) }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func garbageOnStandardOutputIsADecoderFailure() throws {
        let script = try Fixtures.script("cat >/dev/null; echo 'not json'")
        let d = IsolatedPhotoDecoder(executable: script, timeout: 10)
        Self.expectError({ if case .decoderCrashed = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
            try d.decode([0xFF, 0xD8, 0xFF])
        }
    }

    @Test func aMissingDecoderProgramIsAnInstallationProblem() {
        let d = IsolatedPhotoDecoder(executable: "/nonexistent/station-decode")
        Self.expectError({ if case .decoderUnavailable(path: "/nonexistent/station-decode", _) = $0 { return true }; return false }) { () throws(PhotoDecodingError) in
            try d.decode([0xFF, 0xD8, 0xFF])
        }
    }

    /// Seeded bit flips and truncations of real photos: each ends in a result or a typed error
    /// within the timeout, and never in a text the photo does not carry.
    @Test func fuzzedPhotosEndInAResultOrATypedError() throws {
        let d = try Self.decoder(PhotoDecodeLimits(timeBudget: 3), timeout: 15)
        var g = CorpusLabels.Seeded(state: 99)
        for category in ["rotation", "clean", "noise"] {
            let (e, original) = try Self.corpusFile(category)
            let allowed = Set(e.codes.map(\.text))
            for round in 0..<6 {
                var bytes = original
                if round % 3 == 2 {
                    bytes = Array(bytes.prefix(Int(g.next() % UInt64(bytes.count))))
                } else {
                    for _ in 0..<(1 + Int(g.next() % 40)) {
                        bytes[Int(g.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: g.next())
                    }
                }
                do {
                    let r = try d.decode(bytes)
                    for s in r.symbols { #expect(s.text.map(allowed.contains) == true, "\(e.file) round \(round): \(s.text ?? "?")") }
                } catch {
                    switch error {
                    case .decoderUnavailable, .unreadableFile: Issue.record("\(e.file) round \(round): \(error)")
                    default: break
                    }
                }
            }
        }
    }
}

/// Hand-made hostile files and stand-in decoder programs.
enum Fixtures {
    /// A PNG signature and IHDR chunk (with a valid CRC) declaring `width` × `height`, no data.
    static func pngHeader(width: Int, height: Int) -> [UInt8] {
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(data.count) + body + be32(Int(crc32(body)))
        }
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be32(width) + be32(height) + [8, 0, 0, 0, 0]) + chunk("IDAT", []) + chunk("IEND", [])
    }

    /// SOI, a baseline SOF0 frame header declaring `width` × `height` (one component) and a
    /// start of scan, but no image data.
    static func jpegHeader(width: Int, height: Int) -> [UInt8] {
        [0xFF, 0xD8,
         0xFF, 0xC0, 0x00, 0x0B, 0x08, UInt8(height >> 8), UInt8(height & 255), UInt8(width >> 8), UInt8(width & 255),
         0x01, 0x01, 0x11, 0x00,
         0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00,
         0xFF, 0xD9]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// An executable shell script standing in for `station-decode`.
    static func script(_ body: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fake-decode-\(UUID().uuidString).sh")
        try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }
}
