import Foundation

/// The station's configuration in typed form, built from a validated ``ResolvedConfig``.
public struct StationConfig: Sendable {
    public struct Printer: Sendable, Equatable {
        public enum Driver: String, Sendable { case virtual, tcp, usb, file }
        public enum Language: String, Sendable { case zpl, escpos }
        public var name: String
        public var driver: Driver
        public var profile: String
        public var language: Language
        public var mode: String
        public var dpi: Int
        public var address: String
        public var output: String
        /// Inline verifier: a scanner name, `image` (decode the virtual printer's PNG), or empty.
        public var verifier: String = ""
        public var verifyTimeout: Double = 2
        public var verifyFailures: Int = 3
        /// ZPL raster graphic encoding: `z64` or `ascii`.
        public var graphics: String = "z64"
        /// Whether `language` and `dpi` were set (file, environment, flag) rather than defaulted:
        /// a printer profile's own language and resolution apply to what was not set.
        public var languageSet = true
        public var dpiSet = true
    }

    public struct Scanner: Sendable, Equatable {
        public enum Source: String, Sendable { case stdin, hid, hidpos, serial }
        public enum Mode: String, Sendable { case receiving, shipping, inspecting, packing, activation }
        public var name: String
        public var source: Source
        public var mode: Mode
        public var address: String
        public var profile: String
        public var debounce: Double
        /// Activation mode: the lot of the open batch scanned roll stamps are bound to; empty =
        /// the product's only open batch (several open batches are refused as ambiguous).
        public var batch: String = ""
    }

    public var stationID: String
    public var stationName: String
    public var gln: String
    public var readPoint: String
    public var utcOffset: UTCOffset
    public var serialPrefix: String
    /// Serial counters from the trace-server's blocks (`serials.source = "server"`) instead of this station's own space.
    public var serialsFromServer: Bool
    public var serialBlockSize: Int
    public var dataDirectory: URL
    public var logLevel: String
    public var logFormat: String
    public var webHost: String
    public var webPort: Int
    /// The operator PIN (digits or `sha256:HEX`); empty = generated at first start.
    public var webPIN: String
    public var resolverBase: String
    /// The province's GS1 company prefix for province rolls' GIAIs (empty = not set).
    public var rollsCompanyPrefix: String
    public var serverURL: String
    public var serverTokenFile: String
    /// Trust anchors for an https trace-server (empty = the system's).
    public var serverCAFile: String
    public var serverBatchSize: Int
    public var serverTimeout: Double
    public var serverMaxBackoff: Double
    /// Where label templates are looked up first (nil = the default search path).
    public var templatesDirectory: URL?
    public var jobWindow: Int
    public var jobExpiryHours: Double
    public var printers: [Printer]
    public var scanners: [Scanner]
    /// Where each value came from (for `station config show`).
    public var resolved: ResolvedConfig

    public init(_ c: ResolvedConfig) {
        resolved = c
        stationID = c.string("station.id")
        stationName = c.string("station.name")
        gln = c.string("station.gln")
        readPoint = c.string("station.read_point")
        utcOffset = UTCOffset(c.string("station.utc_offset"))!
        serialPrefix = c.string("station.serial_prefix")
        serialsFromServer = c.string("serials.source") == "server"
        serialBlockSize = c.int("serials.block_size")
        dataDirectory = URL(fileURLWithPath: c.string("data.dir"), isDirectory: true).standardizedFileURL
        logLevel = c.string("log.level")
        logFormat = c.string("log.format")
        webHost = c.string("web.host")
        webPort = c.int("web.port")
        webPIN = c.string("web.pin")
        resolverBase = c.string("resolver.base")
        rollsCompanyPrefix = c.string("rolls.company_prefix")
        serverURL = c.string("server.url")
        serverTokenFile = c.string("server.token_file")
        serverCAFile = c.string("server.ca_file")
        serverBatchSize = c.int("server.batch_size")
        serverTimeout = c.double("server.timeout")
        serverMaxBackoff = c.double("server.max_backoff")
        let t = c.string("labels.templates_dir")
        templatesDirectory = t.isEmpty ? nil : URL(fileURLWithPath: t)
        jobWindow = c.int("jobs.window")
        jobExpiryHours = c.double("jobs.expire_hours")
        printers = c.names(under: "printers").map { n in
            Printer(name: n, driver: .init(rawValue: c.string("printers.\(n).driver"))!,
                    profile: c.string("printers.\(n).profile"),
                    language: .init(rawValue: c.string("printers.\(n).language"))!,
                    mode: c.string("printers.\(n).mode"),
                    dpi: c.int("printers.\(n).dpi"), address: c.string("printers.\(n).address"),
                    output: c.string("printers.\(n).output"), verifier: c.string("printers.\(n).verifier"),
                    verifyTimeout: c.double("printers.\(n).verify_timeout"), verifyFailures: c.int("printers.\(n).verify_failures"),
                    graphics: c.string("printers.\(n).graphics"),
                    languageSet: c.sources["printers.\(n).language"] != .builtInDefault,
                    dpiSet: c.sources["printers.\(n).dpi"] != .builtInDefault)
        }
        scanners = c.names(under: "scanners").map { n in
            Scanner(name: n, source: .init(rawValue: c.string("scanners.\(n).source"))!,
                    mode: .init(rawValue: c.string("scanners.\(n).mode"))!,
                    address: c.string("scanners.\(n).address"), profile: c.string("scanners.\(n).profile"), debounce: c.double("scanners.\(n).debounce"),
                    batch: c.string("scanners.\(n).batch"))
        }
    }

    /// Loads the file (if any), applies `STATION_*` variables and `--set` overrides, validates everything.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String] = []) throws -> StationConfig {
        StationConfig(try ConfigLoader().load(file: file, environment: environment, overrides: overrides))
    }

    /// The configuration file used when none is named: `$STATION_CONFIG`, else `Config/station.toml`
    /// in the working directory (a source checkout), else `/etc/station/station.toml`.
    public static func defaultFile(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let f = environment["STATION_CONFIG"], !f.isEmpty { return f }
        for candidate in ["Config/station.toml", "/etc/station/station.toml"]
        where FileManager.default.fileExists(atPath: candidate) { return candidate }
        return nil
    }
}
