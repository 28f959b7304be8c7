import Foundation

/// Metrics in the Prometheus text exposition format (version 0.0.4), built at scrape time.
///
/// The station's figures are totals kept in its database (labels printed, scans, voids), so they
/// survive restarts and are read fresh on every scrape rather than counted in memory. This type
/// only renders them: one `# HELP` and `# TYPE` line per family, then its samples, with label
/// values and help text escaped as the format requires.
public struct PrometheusText: Sendable {
    /// Prometheus metric types used here.
    public enum Kind: String, Sendable { case counter, gauge }

    struct Family: Sendable {
        let name: String
        let help: String
        let kind: Kind
        var samples: [(labels: [(String, String)], value: Double)]
    }

    private var families: [Family] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Adds a counter sample. By convention counter names end in `_total`.
    public mutating func counter(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
        add(name, help, .counter, value, labels)
    }

    /// Adds a gauge sample.
    public mutating func gauge(_ name: String, _ help: String, _ value: Double, labels: [(String, String)] = []) {
        add(name, help, .gauge, value, labels)
    }

    private mutating func add(_ name: String, _ help: String, _ kind: Kind, _ value: Double, _ labels: [(String, String)]) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        precondition(labels.allSatisfy { Self.isValidName($0.0) && !$0.0.hasPrefix("__") && !$0.0.contains(":") },
                     "invalid label name in \(labels.map(\.0))")
        if let i = index[name] {
            precondition(families[i].kind == kind, "\(name) is already a \(families[i].kind.rawValue)")
            families[i].samples.append((labels, value))
        } else {
            index[name] = families.count
            families.append(Family(name: name, help: help, kind: kind, samples: [(labels, value)]))
        }
    }

    /// The exposition text, families in the order they were first added.
    public func render() -> String {
        var out = ""
        for f in families {
            out += "# HELP \(f.name) \(Self.escapeHelp(f.help))\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            for s in f.samples {
                out += f.name
                if !s.labels.isEmpty {
                    out += "{" + s.labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                }
                out += " " + Self.format(s.value) + "\n"
            }
        }
        return out
    }

    /// The content type scrapers expect for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func isValidName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.isEmpty else { return false }
        func letter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" }
        return letter(first) && s.unicodeScalars.allSatisfy { letter($0) || ($0 >= "0" && $0 <= "9") }
    }

    static func escapeHelp(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeLabel(_ s: String) -> String {
        escapeHelp(s).replacingOccurrences(of: "\"", with: "\\\"")
    }

    static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
