import Foundation
import Sync
import Testing
import Trace
@testable import TraceServer

/// The real `station` and `trace-server` executables, built beside the test bundle (or named by
/// `$STATION_BIN` / `$TRACE_SERVER_BIN`).
enum Binaries {
    static var directory: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir
    }
    static var station: URL {
        ProcessInfo.processInfo.environment["STATION_BIN"].map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("station")
    }
    static var traceServer: URL {
        ProcessInfo.processInfo.environment["TRACE_SERVER_BIN"].map { URL(fileURLWithPath: $0) } ?? directory.appendingPathComponent("trace-server")
    }

    /// Both executables exist and the station has its `sync` commands.
    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: station.path), FileManager.default.isExecutableFile(atPath: traceServer.path) else { return false }
        guard let p = try? Proc(station, ["sync", "--help"]) else { return false }
        return p.waitBlocking(timeout: 30) == 0
    }()
    static let missing = "needs the station (with `station sync`) and trace-server executables beside the test bundle or in $STATION_BIN / $TRACE_SERVER_BIN"
}

/// A child process whose output (stdout and stderr together) is collected.
final class Proc: @unchecked Sendable {
    let process = Process()
    private let pipe = Pipe()
    private var collected = Data()
    private let lock = NSLock()

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        process.executableURL = executable
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STATION_") && !$0.key.hasPrefix("TRACE_SERVER_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.collected.append(d); self.lock.unlock()
        }
        try process.run()
        // Only the child writes now, so reading after its exit ends at EOF.
        try pipe.fileHandleForWriting.close()
    }

    var output: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Waits for exit; the status, or nil after `timeout` (the process is then killed).
    @discardableResult
    func wait(timeout: TimeInterval) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return finish()
    }

    /// ``wait(timeout:)`` for synchronous callers.
    func waitBlocking(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return finish()
    }

    private func finish() -> Int32? {
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        drain()
        return killed ? nil : process.terminationStatus
    }

    /// Collects what the child wrote that the handler has not delivered yet.
    private func drain() {
        pipe.fileHandleForReading.readabilityHandler = nil
        let rest = pipe.fileHandleForReading.readDataToEndOfFile()
        lock.lock(); collected.append(rest); lock.unlock()
    }

    func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        drain()
    }

    /// Polls until `condition` holds; false after `timeout`.
    static func eventually(timeout: TimeInterval, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    /// Runs to completion and returns (status, output).
    static func run(_ executable: URL, _ arguments: [String], directory: URL? = nil, timeout: TimeInterval = 120) async throws -> (Int32?, String) {
        let p = try Proc(executable, arguments, directory: directory)
        let status = await p.wait(timeout: timeout)
        return (status, p.output)
    }
}

/// A `trace-server` process with its data directory and storage.
final class ServerProcess: @unchecked Sendable {
    let dataDir: URL
    let storageArguments: [String]
    let postgres: ThrowawayDatabase?
    private(set) var proc: Proc?
    private(set) var port = 0

    init(_ kind: StorageKind) async throws {
        dataDir = scratchDirectory("e2e-server")
        switch kind {
        case .sqlite:
            postgres = nil
            storageArguments = ["--data-dir", dataDir.path]
        case .postgres:
            let db = try await ThrowawayDatabase.create()
            postgres = db
            storageArguments = ["--data-dir", dataDir.path, "--storage", "postgres", "--postgres-url", db.url]
        }
    }

    /// Registers a station with the CLI and returns its token.
    func addStation(_ id: String) async throws -> String {
        let (status, out) = try await Proc.run(Binaries.traceServer, ["station", "add", "--id", id, "--name", "Trạm \(id)", "--gln", "8938512340005"] + storageArguments)
        // The token is the one line of 43 base64url characters (256 bits).
        let tokenShaped = out.split(separator: "\n").map(String.init).first {
            $0.count == 43 && $0.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" }
        }
        guard status == 0, let token = tokenShaped else {
            throw TestFailure("trace-server station add failed (\(String(describing: status))): \(out)")
        }
        return token
    }

    /// Starts the server (on `port`, or any free port the first time) and waits until it listens.
    func start(port requested: Int? = nil, faultPlan: FaultPlan? = nil) async throws {
        let portFile = dataDir.appendingPathComponent("server.port")
        try? FileManager.default.removeItem(at: portFile)
        var args = ["--port", String(requested ?? 0), "--log-level", "notice"] + storageArguments
        if let faultPlan {
            let file = dataDir.appendingPathComponent("plan-\(UUID().uuidString).json")
            try JSONEncoder().encode(faultPlan).write(to: file)
            args += ["--fault-plan", file.path]
        }
        let p = try Proc(Binaries.traceServer, args)
        proc = p
        let up = await Proc.eventually(timeout: 60) {
            (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } != nil
                || !p.process.isRunning
        }
        guard up, p.process.isRunning, let text = try? String(contentsOf: portFile, encoding: .utf8),
              let bound = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestFailure("trace-server did not start: \(p.output)")
        }
        port = bound
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Every event ID the server holds for `station`, repeated if stored twice.
    func storedEventIDs(station: String) async throws -> [String] {
        let query = EventQuery(stationID: station, limit: 10_000_000)
        if let db = postgres {
            return try await PostgresTraceStorage.with(url: db.url, logger: quietLogger) { s in
                try await s.events(query).filter { !$0.isCorrection }.map(\.eventID)
            }
        }
        let s = try SQLiteTraceStorage(dataDirectory: dataDir)
        return try await s.events(query).filter { !$0.isCorrection }.map(\.eventID)
    }

    /// Stops the server with SIGTERM; its exit status (0 = clean shutdown).
    @discardableResult
    func stop() async -> Int32? {
        guard let p = proc else { return nil }
        p.signal(SIGTERM)
        return await p.wait(timeout: 20)
    }

    func cleanUp() async {
        if let p = proc, p.process.isRunning { p.kill9() }
        try? await postgres?.drop()
    }
}

/// A station data directory driven through the `station` CLI, run from inside that directory so
/// that the built-in defaults apply rather than a `Config/station.toml` of the working copy.
struct StationCLI {
    let dataDir = scratchDirectory("e2e-station")
    let stationID: String
    var serverURL: String
    var tokenFile: String { dataDir.appendingPathComponent("server.token").path }

    init(stationID: String = "E2E-01", serverURL: String) {
        self.stationID = stationID
        self.serverURL = serverURL
    }

    var common: [String] {
        ["--data-dir", dataDir.path, "--set", "station.id=\(stationID)", "--set", "server.url=\(serverURL)",
         "--set", "server.token_file=\(tokenFile)", "--log-level", "warning"]
    }

    func writeToken(_ token: String) {
        _ = FileManager.default.createFile(atPath: tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }

    @discardableResult
    func run(_ args: [String], timeout: TimeInterval = 120) async throws -> (Int32?, String) {
        try await Proc.run(Binaries.station, args + common, directory: dataDir, timeout: timeout)
    }

    /// Records `count` printed stamps (commissioning events) through the CLI.
    func printStamps(_ count: Int) async throws {
        for (args, what) in [
            (["product", "add", "--gtin", "08938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Na Rì", "--producer-gln", "8938512340005"], "product add"),
            (["batch", "create", "--product", "08938512345017", "--lot", "E2E1", "--produced", "2025-03-14", "--quantity", "1000000"], "batch create"),
            (["serials", "reserve", "--batch", "E2E1", "--count", String(count), "--commission"], "serials reserve"),
        ] {
            let (status, out) = try await run(args)
            guard status == 0 else { throw TestFailure("station \(what) failed: \(out.suffix(2000))") }
        }
    }

    func start(_ args: [String]) throws -> Proc { try Proc(Binaries.station, args + common, directory: dataDir) }

    func outbox() throws -> SyncOutbox {
        let store = try StationStore(dataDirectory: dataDir)
        return SyncOutbox(store: store, events: EventStore(store: store, stationID: stationID))
    }

    func eventIDs() throws -> [String] {
        try outbox().events.events(after: 0, limit: 10_000_000).map(\.eventID)
    }
}
