import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Runs the real `station` binary built beside the test bundle.
final class StationProcess {
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["STATION_BIN"] { return URL(fileURLWithPath: override) }
        // The test bundle lives in the products directory, next to the executables.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("station")
    }

    static var binaryExists: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    let process = Process()
    let stdin = Pipe()
    let output = Pipe()
    let dataDir: URL
    private var collected = Data()
    private let lock = NSLock()

    init(arguments: [String], dataDir: URL, environment: [String: String] = [:], executable: URL? = nil) throws {
        self.dataDir = dataDir
        process.executableURL = executable ?? Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STATION_") }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.collected.append(d); self.lock.unlock()
        }
        try process.run()
    }

    var log: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Waits for the daemon's web port file, then returns the port.
    func waitForPort(timeout: TimeInterval = 30) throws -> Int {
        let file = dataDir.appendingPathComponent("web.port")
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let s = try? String(contentsOf: file, encoding: .utf8), let p = Int(s.trimmingCharacters(in: .whitespacesAndNewlines)) { return p }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("station did not start listening; log:\n\(log)")
    }

    /// Waits for exit; returns the status, or nil on timeout (the process is then killed).
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL); return nil }
        Thread.sleep(forTimeInterval: 0.1)   // let the last output arrive
        return process.terminationStatus
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("station-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func httpGet(port: Int, path: String, token: String? = nil) throws -> (Int, String) {
        try http(port: port, path: path, method: "GET", body: nil, token: token)
    }

    static func httpPost(port: Int, path: String, json: String, token: String? = nil) throws -> (Int, String) {
        try http(port: port, path: path, method: "POST", body: Data(json.utf8), token: token)
    }

    /// The daemon's API token (`<data dir>/web.token`, written at start).
    func apiToken() throws -> String {
        try String(contentsOf: dataDir.appendingPathComponent("web.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func http(port: Int, path: String, method: String, body: Data?, token: String? = nil) throws -> (Int, String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { request.httpBody = body; request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let sem = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String)?
        nonisolated(unsafe) var failure: Error?
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error } else {
                result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            }
            sem.signal()
        }
        task.resume()
        _ = sem.wait(timeout: .now() + 10)
        if let failure { throw failure }
        guard let result else { throw TestFailure("no HTTP answer from 127.0.0.1:\(port)\(path)") }
        return result
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
