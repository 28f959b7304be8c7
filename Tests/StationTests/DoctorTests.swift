import Foundation
import Testing

/// `station doctor` run as the installer runs it: the real binary on a temporary data directory,
/// once on a good set-up and once per kind of breakage, checking its lines and exit status.
@Suite(.serialized)
struct DoctorTests {
    static let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Config/station.toml").path

    /// Runs `station <arguments>` to completion; returns the exit status and everything printed.
    static func station(_ arguments: [String], dataDir: URL) throws -> (Int32?, String) {
        let p = try StationProcess(arguments: arguments + ["--config", config, "--data-dir", dataDir.path], dataDir: dataDir)
        try? p.stdin.fileHandleForWriting.close()
        let status = p.waitForExit(timeout: 60)
        return (status, p.log)
    }

    /// A data directory with a database, a key ring and one product, made by the CLI itself.
    static func preparedDataDir() throws -> URL {
        let dir = StationProcess.temporaryDirectory().appendingPathComponent("data")
        let (status, out) = try station(["product", "add", "--gtin", "8938512345017", "--name", "Miến dong", "--producer", "HTX Na Rì",
                                         "--producer-gln", "8938512340005", "--log-level", "error"], dataDir: dir)
        guard status == 0 else { throw TestFailure("product add failed: \(out)") }
        return dir
    }

    static func lines(_ out: String, _ level: String) -> [String] {
        out.split(separator: "\n").map(String.init).filter { $0.hasPrefix(level + " ") }
    }

    @Test func goodSetUpPassesWithOneLinePerCheck() throws {
        try #require(StationProcess.binaryExists)
        let dir = try Self.preparedDataDir()
        let (status, out) = try Self.station(["doctor"], dataDir: dir)
        #expect(status == 0, "\(out)")
        #expect(Self.lines(out, "LỖI").isEmpty, "\(out)")
        for expected in ["OK        Cấu hình hợp lệ", "OK        Thư mục dữ liệu \(dir.path) ghi được", "OK        Ổ đĩa chứa dữ liệu còn trống",
                         "OK        Cơ sở dữ liệu nguyên vẹn; chuỗi 0 sự kiện khớp", "OK        Tệp khoá tem chỉ chủ sở hữu đọc được (quyền 600)",
                         "OK        Máy in line1: sẵn sàng", "OK        Đồng hồ hệ thống hợp lý",
                         "CẢNH BÁO  Chưa cấu hình máy chủ truy xuất", "Kết quả: đạt (1 cảnh báo)."] {
            #expect(out.contains(expected), "missing \"\(expected)\" in:\n\(out)")
        }
    }

    @Test func unwritableDataDirectoryIsAnError() throws {
        try #require(StationProcess.binaryExists)
        // A regular file where a directory should be: no user, root included, can create the data directory.
        let blocker = StationProcess.temporaryDirectory().appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: blocker)
        let (status, out) = try Self.station(["doctor"], dataDir: blocker.appendingPathComponent("data"))
        #expect(status == 1, "\(out)")
        let errors = Self.lines(out, "LỖI")
        #expect(errors.contains { $0.contains("Không tạo được thư mục dữ liệu") && $0.contains("→ fix: create it") }, "\(out)")
        #expect(out.contains("Kết quả: ") && out.contains(" lỗi"), "\(out)")
    }

    @Test func keyRingReadableByOthersIsAnErrorWithTheChmodFix() throws {
        try #require(StationProcess.binaryExists)
        let dir = try Self.preparedDataDir()
        let ring = dir.appendingPathComponent("keys/keyring.json").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ring)
        let (status, out) = try Self.station(["doctor"], dataDir: dir)
        #expect(status == 1, "\(out)")
        #expect(Self.lines(out, "LỖI").contains { $0.contains("Tệp khoá tem \(ring) có quyền 644") && $0.hasSuffix("→ fix: chmod 600 \(ring)") }, "\(out)")
    }

    @Test func printerOutOfPaperIsAnErrorWithItsTrueStatus() throws {
        try #require(StationProcess.binaryExists)
        let dir = try Self.preparedDataDir()
        // The virtual printer reports paper out while this file exists in its output folder.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("labels"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("labels/paper_out"))
        let (status, out) = try Self.station(["doctor"], dataDir: dir)
        #expect(status == 1, "\(out)")
        #expect(Self.lines(out, "LỖI").contains { $0.hasPrefix("LỖI       Máy in line1: Hết giấy") && $0.contains("→ fix: load paper") }, "\(out)")
    }

    @Test func badConfigurationStopsAtTheFirstLine() throws {
        try #require(StationProcess.binaryExists)
        let dir = StationProcess.temporaryDirectory()
        let (status, out) = try Self.station(["doctor", "--set", "web.port=eighty"], dataDir: dir)
        #expect(status == 1, "\(out)")
        #expect(Self.lines(out, "LỖI").first?.contains("Cấu hình sai") == true, "\(out)")
        #expect(out.contains("web.port"), "\(out)")
    }

    @Test func unreachableServerIsAnError() throws {
        try #require(StationProcess.binaryExists)
        let dir = try Self.preparedDataDir()
        let token = dir.appendingPathComponent("server.token")
        #expect(FileManager.default.createFile(atPath: token.path, contents: Data("abc\n".utf8), attributes: [.posixPermissions: 0o600]), "could not create the file")
        // Port 1 on loopback: nothing listens there.
        let (status, out) = try Self.station(["doctor", "--timeout", "3", "--set", "server.url=http://127.0.0.1:1",
                                              "--set", "server.token_file=\(token.path)"], dataDir: dir)
        #expect(status == 1, "\(out)")
        #expect(Self.lines(out, "LỖI").contains { $0.contains("Không kết nối được máy chủ http://127.0.0.1:1") && $0.contains("→ fix: check the network") }, "\(out)")
    }

    @Test func realServerAcceptsTheStationTokenAndRefusesAWrongOne() throws {
        try #require(StationProcess.binaryExists)
        let serverBinary = StationProcess.binary.deletingLastPathComponent().appendingPathComponent("trace-server")
        try #require(FileManager.default.isExecutableFile(atPath: serverBinary.path))
        let serverDir = StationProcess.temporaryDirectory()
        let add = Process()
        add.executableURL = serverBinary
        add.arguments = ["station", "add", "--id", "BK-NARI-01", "--name", "Trạm", "--gln", "8938512340005", "--data-dir", serverDir.path]
        let pipe = Pipe()
        add.standardOutput = pipe
        try add.run()
        let printed = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        add.waitUntilExit()
        let token = try #require(printed.split(separator: "\n").map(String.init).first { $0.count == 43 })

        let server = Process()
        server.executableURL = serverBinary
        server.arguments = ["serve", "--data-dir", serverDir.path, "--port", "0", "--log-level", "error"]
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let portFile = serverDir.appendingPathComponent("server.port")
        let deadline = Date().addingTimeInterval(30)
        var port: Int?
        while port == nil && Date() < deadline {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let url = "http://127.0.0.1:\(try #require(port))"

        let dir = try Self.preparedDataDir()
        let tokenFile = dir.appendingPathComponent("server.token")
        for (secret, expectOK) in [(token, true), (String(token.reversed()), false)] {
            try? FileManager.default.removeItem(at: tokenFile)
            #expect(FileManager.default.createFile(atPath: tokenFile.path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600]), "could not create the file")
            let (status, out) = try Self.station(["doctor", "--set", "server.url=\(url)", "--set", "server.token_file=\(tokenFile.path)"], dataDir: dir)
            if expectOK {
                #expect(status == 0, "\(out)")
                #expect(out.contains("OK        Máy chủ \(url) kết nối được và chấp nhận mã truy cập của trạm"), "\(out)")
                #expect(out.contains("OK        Tệp mã truy cập máy chủ chỉ chủ sở hữu đọc được"), "\(out)")
            } else {
                #expect(status == 1, "\(out)")
                #expect(Self.lines(out, "LỖI").contains { $0.contains("từ chối mã truy cập của trạm") && $0.contains("trace-server station add") }, "\(out)")
            }
        }
    }
}
