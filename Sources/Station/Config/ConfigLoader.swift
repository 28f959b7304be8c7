import Foundation
import GS1
import TOMLKit
import TOMLReading

/// Where a configuration value came from, so an error can point at it.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case builtInDefault
    case file(path: String, line: Int?)
    case environment(name: String)
    case flag(String)

    public var description: String {
        switch self {
        case .builtInDefault: return "built-in default"
        case .file(let p, let line): return line.map { "\(p):\($0)" } ?? p
        case .environment(let n): return "environment variable \(n)"
        case .flag(let f): return "command-line flag \(f)"
        }
    }
}

/// A configuration problem. The daemon refuses to start on any of them.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        case syntax(String)
        case unknownKey(suggestion: String?)
        case invalidValue(expected: String, found: String)
        case missingRequired(expected: String)
        case unreadable(String)
    }
    public let key: String?
    public let source: ConfigSource
    public let problem: Problem

    public var description: String {
        let at = "\(source)"
        switch problem {
        case .syntax(let m): return "\(at): the file is not valid TOML: \(m)"
        case .unknownKey(let s):
            return "\(at): unknown key \"\(key ?? "")\"" + (s.map { "; did you mean \"\($0)\"?" } ?? "; `station config keys` lists the known keys")
        case .invalidValue(let e, let f): return "\(at): \(key ?? "") = \(f): expected \(e)"
        case .missingRequired(let e): return "\(at): \(key ?? "") is required: expected \(e)"
        case .unreadable(let m): return "\(at): cannot read the configuration file: \(m)"
        }
    }
}

/// The merged configuration: built-in defaults < file < `STATION_*` environment < flags.
public struct ResolvedConfig: Sendable {
    public private(set) var values: [String: ConfigValue] = [:]
    public private(set) var sources: [String: ConfigSource] = [:]

    mutating func set(_ key: String, _ value: ConfigValue, from source: ConfigSource) {
        values[key] = value
        sources[key] = source
    }

    public func string(_ key: String) -> String {
        if case .string(let s)? = values[key] { return s }
        preconditionFailure("config key \(key) is not a string after validation")
    }
    public func int(_ key: String) -> Int {
        if case .integer(let i)? = values[key] { return i }
        preconditionFailure("config key \(key) is not an integer after validation")
    }
    public func double(_ key: String) -> Double {
        switch values[key] {
        case .number(let d)?: return d
        case .integer(let i)?: return Double(i)
        default: preconditionFailure("config key \(key) is not a number after validation")
        }
    }
    public func bool(_ key: String) -> Bool {
        if case .boolean(let b)? = values[key] { return b }
        preconditionFailure("config key \(key) is not a boolean after validation")
    }

    /// Names of the `printers.NAME` / `scanners.NAME` tables.
    public func names(under group: String) -> [String] {
        Set(values.keys.compactMap { k -> String? in
            let parts = k.split(separator: ".")
            return parts.count == 3 && parts[0] == group ? String(parts[1]) : nil
        }).sorted()
    }
}

/// Reads, merges and validates the station configuration.
public struct ConfigLoader {
    public let schema: [ConfigField]

    public init(schema: [ConfigField] = StationConfigSchema.fields) {
        self.schema = schema
    }

    /// - Parameters:
    ///   - file: a TOML file, or nil to use only defaults, environment and flags.
    ///   - environment: usually `ProcessInfo.processInfo.environment`; `STATION_*` entries override.
    ///   - overrides: `key=value` pairs from `--set`, applied last.
    public func load(file: String?, environment: [String: String] = [:], overrides: [String] = []) throws -> ResolvedConfig {
        var config = ResolvedConfig()
        for field in schema where !field.key.contains("*") {
            if let d = field.defaultValue { config.set(field.key, d, from: .builtInDefault) }
        }
        if let file { try merge(file: file, into: &config) }
        try mergeEnvironment(environment, into: &config)
        for o in overrides { try merge(override: o, into: &config) }
        try fillDeviceDefaults(&config)
        return config
    }

    private func merge(file path: String, into config: inout ResolvedConfig) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(key: nil, source: .file(path: path, line: nil), problem: .unreadable(error.localizedDescription))
        }
        let table: TOMLTable
        do {
            table = try TOMLReading.table(from: text)
        } catch {
            throw ConfigError(key: nil, source: .file(path: path, line: error.line),
                              problem: .syntax("\(error.message) (column \(error.column))"))
        }
        let lines = TOMLKeyLocator(text: text)
        var flat: [(String, TOMLValueConvertible)] = []
        flatten(table, prefix: "", into: &flat)
        for (key, raw) in flat {
            let source = ConfigSource.file(path: path, line: lines.line(of: key))
            guard let field = schema.first(where: { $0.matches(key) }) else {
                throw ConfigError(key: key, source: source, problem: .unknownKey(suggestion: suggestion(for: key)))
            }
            let value: ConfigValue
            switch raw.type {
            case .string: value = .string(raw.string ?? "")
            case .int: value = .integer(raw.int ?? 0)
            case .bool: value = .boolean(raw.bool ?? false)
            case .double: value = .number(raw.double ?? 0)
            default:
                throw ConfigError(key: key, source: source,
                                  problem: .invalidValue(expected: field.kind.expectation, found: "a TOML \(raw.type)"))
            }
            try config.set(key, validate(value, field: field, key: key, source: source), from: source)
        }
    }

    private func flatten(_ table: TOMLTable, prefix: String, into out: inout [(String, TOMLValueConvertible)]) {
        for key in table.keys {
            guard let v = table[key] else { continue }
            let full = prefix.isEmpty ? key : "\(prefix).\(key)"
            if v.type == .table, let t = v.table {
                flatten(t, prefix: full, into: &out)
            } else {
                out.append((full, v))
            }
        }
    }

    private func mergeEnvironment(_ env: [String: String], into config: inout ResolvedConfig) throws {
        // Fixed keys map one to one; device keys (printers.NAME.x) are matched against the names known so far.
        var candidates = schema.filter { !$0.key.contains("*") }.map(\.key)
        for group in ["printers", "scanners"] {
            for name in config.names(under: group) {
                candidates += schema.filter { $0.key.hasPrefix("\(group).*.") }.map { $0.key.replacingOccurrences(of: "*", with: name) }
            }
        }
        for key in candidates {
            let envName = ConfigField.environmentName(for: key)
            guard let raw = env[envName], let field = schema.first(where: { $0.matches(key) }) else { continue }
            let source = ConfigSource.environment(name: envName)
            try config.set(key, validate(parse(raw, as: field.kind), field: field, key: key, source: source), from: source)
        }
    }

    private func merge(override: String, into config: inout ResolvedConfig) throws {
        guard let eq = override.firstIndex(of: "=") else {
            throw ConfigError(key: override, source: .flag("--set \(override)"),
                              problem: .invalidValue(expected: "key=value", found: "\"\(override)\""))
        }
        let key = String(override[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(override[override.index(after: eq)...])
        let source = ConfigSource.flag("--set \(override)")
        guard let field = schema.first(where: { $0.matches(key) }) else {
            throw ConfigError(key: key, source: source, problem: .unknownKey(suggestion: suggestion(for: key)))
        }
        try config.set(key, validate(parse(raw, as: field.kind), field: field, key: key, source: source), from: source)
    }

    /// Device tables get the defaults of their optional keys; their required keys must be present.
    private func fillDeviceDefaults(_ config: inout ResolvedConfig) throws {
        for group in ["printers", "scanners"] {
            for name in config.names(under: group) {
                for field in schema where field.key.hasPrefix("\(group).*.") {
                    let key = field.key.replacingOccurrences(of: "*", with: name)
                    guard config.values[key] == nil else { continue }
                    if let d = field.defaultValue {
                        config.set(key, d, from: .builtInDefault)
                    } else {
                        let table = config.sources.first { $0.key.hasPrefix("\(group).\(name).") }?.value ?? .builtInDefault
                        throw ConfigError(key: key, source: table, problem: .missingRequired(expected: field.kind.expectation))
                    }
                }
            }
        }
    }

    /// Text from the environment or a flag, read as the kind expects (numbers stay text if not numbers,
    /// so validation reports them).
    private func parse(_ raw: String, as kind: ConfigKind) -> ConfigValue {
        switch kind {
        case .integer: return Int(raw).map(ConfigValue.integer) ?? .string(raw)
        case .boolean:
            switch raw.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: return .string(raw)
            }
        case .seconds: return Double(raw).map(ConfigValue.number) ?? .string(raw)
        default: return .string(raw)
        }
    }

    private func validate(_ value: ConfigValue, field: ConfigField, key: String, source: ConfigSource) throws -> ConfigValue {
        func bad() -> ConfigError {
            ConfigError(key: key, source: source, problem: .invalidValue(expected: field.kind.expectation, found: value.description))
        }
        switch (field.kind, value) {
        case (.string, .string): return value
        case (.nonEmptyString, .string(let s)): if s.trimmingCharacters(in: .whitespaces).isEmpty { throw bad() }; return value
        case (.integer(let r), .integer(let i)): if !r.contains(i) { throw bad() }; return value
        case (.boolean, .boolean): return value
        case (.oneOf(let allowed), .string(let s)): if !allowed.contains(s) { throw bad() }; return value
        case (.gln, .string(let s)): if (try? GLN(s)) == nil { throw bad() }; return value
        case (.utcOffset, .string(let s)): if UTCOffset(s) == nil { throw bad() }; return value
        case (.urlOrEmpty, .string(let s)):
            if s.isEmpty { return value }
            guard let u = URL(string: s), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else { throw bad() }
            return value
        case (.seconds, .number(let d)): if !(d > 0) { throw bad() }; return value
        case (.pinOrEmpty, .string(let s)):
            let digits = (4...12).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber }
            let hashed = s.hasPrefix("sha256:") && s.count == 71 && s.dropFirst(7).allSatisfy(\.isHexDigit)
            if !(s.isEmpty || digits || hashed) { throw bad() }
            return value
        case (.seconds, .integer(let i)): if i <= 0 { throw bad() }; return .number(Double(i))
        default: throw bad()
        }
    }

    private func suggestion(for key: String) -> String? {
        let known = schema.map(\.key)
        let best = known.map { ($0, editDistance($0, key)) }.min { $0.1 < $1.1 }
        guard let (k, d) = best, d <= max(2, key.count / 4) else { return nil }
        return k
    }
}

/// Finds the line on which a dotted key is defined in TOML text: tracks `[table]` headers and
/// `key =` lines. Enough to point a person at the right line; the parser itself is toml++.
struct TOMLKeyLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        for (i, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let inner = line.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: "#")[0]
                table = Self.normalise(String(inner))
                continue
            }
            guard !line.hasPrefix("#"), let eq = Self.assignment(in: line) else { continue }
            let key = Self.normalise(String(line[..<eq]))
            let full = table.isEmpty ? key : "\(table).\(key)"
            if lines[full] == nil { lines[full] = i + 1 }
        }
    }

    func line(of key: String) -> Int? {
        var k = key
        while true {
            if let l = lines[k] { return l }
            guard let dot = k.lastIndex(of: ".") else { return nil }
            k = String(k[..<dot])   // a key inside an inline table: point at the table's line
        }
    }

    private static func assignment(in line: Substring) -> String.Index? { assignment(in: String(line)) }
    private static func assignment(in line: String) -> String.Index? {
        var quote: Character?
        for i in line.indices {
            let c = line[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "=" { return i }
        }
        return nil
    }

    private static func normalise(_ key: String) -> String {
        key.split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
            .joined(separator: ".")
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var prev = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var cur = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[b.count]
}

/// A fixed UTC offset such as "+07:00".
public struct UTCOffset: Sendable, Equatable, CustomStringConvertible {
    public let seconds: Int
    public init?(_ text: String) {
        let chars = Array(text)
        guard chars.count == 6, chars[0] == "+" || chars[0] == "-", chars[3] == ":",
              let h = Int(String(chars[1...2])), let m = Int(String(chars[4...5])), h <= 14, m < 60 else { return nil }
        seconds = (chars[0] == "-" ? -1 : 1) * (h * 3600 + m * 60)
    }
    public var description: String {
        let s = abs(seconds)
        return String(format: "%@%02d:%02d", seconds < 0 ? "-" : "+", s / 3600, (s % 3600) / 60)
    }
}
