import Foundation
import Logging

/// A swift-log handler writing one line per event to standard error, as `text` (for people:
/// time, level, label, message, then key=value metadata) or `json` (one object per line).
public struct StationLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: Format

    public init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Self.timestamp()
        let line: String
        switch format {
        case .text:
            let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoteIfNeeded("\($0.value)"))" }.joined(separator: " ")
            line = "\(time) \(event.level.rawValue.uppercased()) [\(label)] \(event.message)" + (meta.isEmpty ? "" : " " + meta) + "\n"
        case .json:
            var obj: [String: String] = ["time": time, "level": event.level.rawValue, "logger": label, "msg": "\(event.message)"]
            for (k, v) in all { obj[k] = "\(v)" }
            let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self) + "\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Installs the handler for the whole process. Call once, early.
    public static func bootstrap(level: String, format: String) {
        let lvl = Logger.Level(rawValue: level) ?? .info
        let fmt = Format(rawValue: format) ?? .text
        LoggingSystem.bootstrap { StationLogHandler(label: $0, level: lvl, format: fmt) }
    }

    private static func quoteIfNeeded(_ s: String) -> String {
        s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : s
    }

    private static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = time_t(tv.tv_sec)
        var tmv = tm()
        localtime_r(&t, &tmv)
        var buf = [Int8](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S", &tmv)
        let base = String(cString: buf)
        return base + String(format: ".%03d", Int(tv.tv_usec) / 1000)
    }
}
