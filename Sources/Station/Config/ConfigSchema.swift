/// What a configuration value must look like. Each kind says, in words, what it expects.
public enum ConfigKind: Sendable, Equatable {
    case string
    case nonEmptyString
    case integer(ClosedRange<Int>)
    case boolean
    case oneOf([String])
    /// 13-digit GLN with a valid GS1 mod-10 check digit.
    case gln
    /// A UTC offset such as "+07:00".
    case utcOffset
    /// An http(s) URL, or empty for "none".
    case urlOrEmpty
    /// Seconds as a positive number (fractions allowed).
    case seconds
    /// An operator PIN: 4 to 12 digits, `sha256:` and 64 hex digits, or empty.
    case pinOrEmpty

    var expectation: String {
        switch self {
        case .string: return "a string"
        case .nonEmptyString: return "a non-empty string"
        case .integer(let r): return "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .boolean: return "true or false"
        case .oneOf(let v): return "one of " + v.map { "\"\($0)\"" }.joined(separator: ", ")
        case .gln: return "a 13-digit GLN with a valid check digit (e.g. \"8938512340005\")"
        case .utcOffset: return "a UTC offset like \"+07:00\""
        case .urlOrEmpty: return "an http:// or https:// URL, or \"\" for none"
        case .seconds: return "a positive number of seconds"
        case .pinOrEmpty: return "4 to 12 digits, \"sha256:\" and 64 hex digits, or \"\" to generate one at first start"
        }
    }
}

/// One configuration key: its dotted name (a `*` segment matches any name, for named devices),
/// its kind, its default and a line of help shown by `station config keys`.
public struct ConfigField: Sendable {
    public let key: String
    public let kind: ConfigKind
    public let defaultValue: ConfigValue?
    public let help: String

    public init(_ key: String, _ kind: ConfigKind, default defaultValue: ConfigValue?, _ help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// The environment variable that overrides this key: `web.port` → `STATION_WEB_PORT`.
    public var environmentName: String { ConfigField.environmentName(for: key) }

    public static func environmentName(for key: String) -> String {
        "STATION_" + key.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    func matches(_ concrete: String) -> Bool {
        let a = key.split(separator: "."), b = concrete.split(separator: ".")
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { $0 == "*" || $0 == $1 }
    }
}

/// A typed configuration value.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case number(Double)

    public var description: String {
        switch self {
        case .string(let s): return "\"\(s)\""
        case .integer(let i): return String(i)
        case .boolean(let b): return String(b)
        case .number(let d): return String(d)
        }
    }
}

/// Every key the station understands. `Config/station.toml` documents the same keys with these defaults.
public enum StationConfigSchema {
    public static let fields: [ConfigField] = [
        ConfigField("station.id", .nonEmptyString, default: .string("BK-NARI-01"), "station identifier, unique in the province; printed into events and serial prefixes"),
        ConfigField("station.name", .string, default: .string("Dây chuyền đóng gói 1"), "human name shown in the UI and on the server"),
        ConfigField("station.gln", .gln, default: .string("8938512340005"), "GLN of the site (bizLocation)"),
        ConfigField("station.read_point", .nonEmptyString, default: .string("LINE01"), "GLN extension (AI 254) naming this line or door (readPoint)"),
        ConfigField("station.utc_offset", .utcOffset, default: .string("+07:00"), "offset written into eventTime (Vietnam is +07:00)"),
        ConfigField("station.serial_prefix", .string, default: .string(""), "characters put before every serial this station issues, so stations never collide"),
        ConfigField("data.dir", .nonEmptyString, default: .string("./var"), "where the database, labels and keys live"),
        ConfigField("log.level", .oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: .string("info"), "how much the log says"),
        ConfigField("log.format", .oneOf(["text", "json"]), default: .string("text"), "text for people, json for log collectors"),
        ConfigField("web.host", .nonEmptyString, default: .string("127.0.0.1"), "address the local UI/API binds to; keep loopback unless the line needs a tablet"),
        ConfigField("web.port", .integer(0...65535), default: .integer(8080), "port of the local UI/API (0 = any free port)"),
        ConfigField("web.pin", .pinOrEmpty, default: .string(""), "operator PIN for the web UI (digits, or sha256:HEX of them); empty = generated into <data>/web.pin at first start"),
        ConfigField("serials.source", .oneOf(["local", "server"]), default: .string("local"), "where serial counters come from: local = this station's own space (with station.serial_prefix), server = blocks granted by the trace-server"),
        ConfigField("serials.block_size", .integer(100...1_000_000), default: .integer(10_000), "counters asked for at a time when serials.source = server"),
        ConfigField("rolls.company_prefix", .string, default: .string(""), "the province's GS1 company prefix (6–12 digits): province rolls (`station roll issue` without --product) number their stamps as GIAIs under it"),
        ConfigField("resolver.base", .urlOrEmpty, default: .string("https://txng.backan.gov.vn"), "GS1 Digital Link resolver of the province, the host in every QR"),
        ConfigField("server.url", .urlOrEmpty, default: .string(""), "provincial trace-server; empty = work offline"),
        ConfigField("server.token_file", .string, default: .string(""), "file holding this station's server token (mode 0600)"),
        ConfigField("server.ca_file", .string, default: .string(""), "PEM file of the certificate authority (or self-signed certificate) of an https server.url; empty = the system's trusted authorities"),
        ConfigField("server.batch_size", .integer(1...10_000), default: .integer(500), "events per capture request (halved for a while when the server is slow or refuses the size)"),
        ConfigField("server.timeout", .seconds, default: .number(30), "seconds to wait for the server's answer to one request"),
        ConfigField("server.max_backoff", .seconds, default: .number(300), "longest wait between retries while the server is unreachable (the first wait is 1 s, doubled per failure, with jitter)"),
        ConfigField("labels.templates_dir", .string, default: .string(""), "folder of label templates; empty = ./Config/templates, then /usr/share/station/templates"),
        ConfigField("jobs.window", .integer(1...100), default: .integer(5), "labels sent between two printer status checks"),
        ConfigField("jobs.expire_hours", .seconds, default: .number(8), "a job paused longer than this needs --force to resume"),
        ConfigField("printers.*.driver", .oneOf(["virtual", "tcp", "usb", "file"]), default: nil, "how the printer is reached"),
        ConfigField("printers.*.profile", .string, default: .string(""), "device profile in Drivers/ (vendor:product, language, dpi, quirks)"),
        ConfigField("printers.*.language", .oneOf(["zpl", "escpos"]), default: .string("zpl"), "printer command language"),
        ConfigField("printers.*.mode", .oneOf(["raster", "native"]), default: .string("raster"), "raster: the station draws the label (exact, Vietnamese-safe); native: printer commands"),
        ConfigField("printers.*.dpi", .integer(100...600), default: .integer(203), "print head resolution in dots per inch"),
        ConfigField("printers.*.graphics", .oneOf(["z64", "ascii"]), default: .string("z64"), "ZPL raster graphic fields: z64 (zlib + Base64, about a third of the size; Zebra firmware V60.13 / X.10 and later) or ascii (ZPL ASCII compression, for older firmware and emulations)"),
        ConfigField("printers.*.address", .string, default: .string(""), "host:port (tcp), device path (file), vendor:product (usb)"),
        ConfigField("printers.*.output", .string, default: .string("labels"), "virtual printer: folder under data.dir for raw bytes and PNG previews"),
        ConfigField("printers.*.verifier", .string, default: .string(""), "inline scanner after the print head that reads back every stamp: a scanner name, or \"image\" (virtual printer: decode the printed PNG with zbar); empty = no verification"),
        ConfigField("printers.*.verify_timeout", .seconds, default: .number(2), "seconds to wait for the verifier to read a printed stamp"),
        ConfigField("printers.*.verify_failures", .integer(1...100), default: .integer(3), "consecutive unreadable or wrong stamps that pause the job"),
        ConfigField("scanners.*.source", .oneOf(["stdin", "hid", "hidpos", "serial"]), default: nil, "where scans come from"),
        ConfigField("scanners.*.mode", .oneOf(["receiving", "shipping", "inspecting", "packing", "activation"]), default: .string("inspecting"), "what a scan means (activation: binds pre-printed roll stamps to the open batch)"),
        ConfigField("scanners.*.address", .string, default: .string(""), "vendor:product (hid) or device path (serial)"),
        ConfigField("scanners.*.profile", .string, default: .string(""), "scanner profile in Drivers/ (layout, terminators, serial settings); empty = matched by USB id"),
        ConfigField("scanners.*.batch", .string, default: .string(""), "activation mode: lot of the open batch roll stamps are bound to; empty = the product's only open batch"),
        ConfigField("scanners.*.debounce", .seconds, default: .number(2), "the same code read again within this many seconds is one scan"),
    ]

    public static func field(for key: String) -> ConfigField? {
        fields.first { $0.matches(key) }
    }
}
