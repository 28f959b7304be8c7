import ArgumentParser
import Devices
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Station
import Sync
import Trace
import USB

/// `station doctor`: the installer's check of a station before and after it goes into service.
/// One line per check, in Vietnamese with the fix in English; exit status 1 when a check fails.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check configuration, data directory, disk, database, keys, printers, USB permissions, clock and the trace-server.",
        discussion: "Each line starts with OK, CẢNH BÁO (warning: works, but look at it) or LỖI (error: fix it before use). Exit status 0 when there is no LỖI, 1 otherwise.")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Folder of device profiles (default: $STATION_DRIVERS, ./Drivers, /usr/share/station/Drivers).")
    var drivers: String?
    @Option(help: "Seconds to wait for a printer or the trace-server to answer.")
    var timeout: Double = 5

    func run() async throws {
        var report = DoctorReport()
        defer { report.finish() }
        var sets = options.overrides
        if let d = options.dataDir { sets.insert("data.dir=\(d)", at: 0) }
        if let l = options.logLevel { sets.insert("log.level=\(l)", at: 0) }
        let file = options.config ?? StationConfig.defaultFile()
        let config: StationConfig
        do {
            config = try StationConfig.load(file: file, overrides: sets)
            LoggingOnce.bootstrap(level: config.logLevel, format: config.logFormat)
            report.ok("Cấu hình hợp lệ (\(file ?? "mặc định có sẵn"))")
        } catch {
            report.fail("Cấu hình sai: \(error)", fix: "correct the file or the STATION_* variable named above; `station config keys` lists every key")
            throw ExitCode(1)
        }
        let dataOK = DoctorChecks.dataDirectory(config, into: &report)
        if dataOK { DoctorChecks.store(config, into: &report) }
        DoctorChecks.secretFiles(config, into: &report)
        await DoctorChecks.printers(config, timeout: timeout, into: &report)
        DoctorChecks.usb(config, drivers: drivers, into: &report)
        DoctorChecks.clock(config, into: &report)
        await DoctorChecks.server(config, timeout: timeout, into: &report)
        if report.failures > 0 { throw ExitCode(1) }
    }
}

/// Collects and prints the lines of one doctor run.
struct DoctorReport {
    private(set) var failures = 0
    private(set) var warnings = 0

    mutating func ok(_ text: String) { print("OK        \(text)") }
    mutating func warn(_ text: String, fix: String) { warnings += 1; print("CẢNH BÁO  \(text) → fix: \(fix)") }
    mutating func fail(_ text: String, fix: String) { failures += 1; print("LỖI       \(text) → fix: \(fix)") }

    func finish() {
        print(failures == 0 ? "Kết quả: đạt (\(warnings) cảnh báo)." : "Kết quả: \(failures) lỗi, \(warnings) cảnh báo: sửa các dòng LỖI rồi chạy lại `station doctor`.")
    }
}

enum DoctorChecks {
    static let minimumFreeBytes: Int64 = 64 << 20
    static let comfortableFreeBytes: Int64 = 1 << 30

    /// The data directory exists (or can be created), takes a real write, and its disk has room.
    static func dataDirectory(_ config: StationConfig, into r: inout DoctorReport) -> Bool {
        let fm = FileManager.default
        let dir = config.dataDirectory
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            r.fail("Không tạo được thư mục dữ liệu \(dir.path): \(error.localizedDescription)",
                   fix: "create it and give it to the station's user: `install -d -o station -g station \(dir.path)`, or set data.dir")
            return false
        }
        let probe = dir.appendingPathComponent(".doctor-\(getpid())")
        if fm.createFile(atPath: probe.path, contents: Data("probe\n".utf8)) {
            try? fm.removeItem(at: probe)
            r.ok("Thư mục dữ liệu \(dir.path) ghi được")
        } else {
            r.fail("Thư mục dữ liệu \(dir.path) không ghi được (read-only, sai chủ sở hữu hoặc đĩa đầy)",
                   fix: "`chown -R station:station \(dir.path)` and check the disk is mounted read-write (`mount | grep \" / \"`)")
            return false
        }
        if let free = (try? fm.attributesOfFileSystem(forPath: dir.path)[.systemFreeSize] as? NSNumber)?.int64Value {
            let text = "Ổ đĩa chứa dữ liệu còn trống \(free >> 20) MB"
            if free < minimumFreeBytes {
                r.fail(text + ": quá ít, trạm không ghi được sự kiện", fix: "free space (old files in \(dir.path)/labels, journal logs) or move data.dir to a larger disk")
            } else if free < comfortableFreeBytes {
                r.warn(text + ": sắp đầy", fix: "free space soon; keep at least 1 GB for the database and label previews")
            } else {
                r.ok(text)
            }
        }
        return true
    }

    /// SQLite's consistency check and the event hash chain of an existing database.
    static func store(_ config: StationConfig, into r: inout DoctorReport) {
        let path = config.dataDirectory.appendingPathComponent("station.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else {
            r.ok("Chưa có cơ sở dữ liệu: sẽ được tạo khi trạm chạy lần đầu")
            return
        }
        do {
            let store = try StationStore(dataDirectory: config.dataDirectory)
            let integrity = try store.integrityCheck()
            guard integrity == "ok" else {
                r.fail("Cơ sở dữ liệu \(path) bị hỏng: \(integrity)", fix: "stop the station, copy the data directory, restore the latest backup")
                return
            }
            let chain = try EventStore(store: store, stationID: config.stationID).verifyChain()
            if chain.isIntact {
                r.ok("Cơ sở dữ liệu nguyên vẹn; chuỗi \(chain.eventsChecked) sự kiện khớp")
            } else {
                r.fail("Chuỗi sự kiện bị sửa đổi: \(chain)", fix: "do not delete anything; keep a copy of \(path) and report it to the province")
            }
        } catch {
            r.fail("Không mở được cơ sở dữ liệu: \(error)", fix: "check the owner and permissions of \(config.dataDirectory.path)")
        }
    }

    /// The key ring and the credential files: only the station's user may read them.
    static func secretFiles(_ config: StationConfig, into r: inout DoctorReport) {
        let fm = FileManager.default
        let ring = config.dataDirectory.appendingPathComponent("keys/keyring.json").path
        var files = [(ring, "Tệp khoá tem")]
        for name in ["web.token", "web.pin"] { files.append((config.dataDirectory.appendingPathComponent(name).path, "Tệp \(name)")) }
        if !config.serverTokenFile.isEmpty { files.append((config.serverTokenFile, "Tệp mã truy cập máy chủ")) }
        for (path, label) in files {
            guard let attrs = try? fm.attributesOfItem(atPath: path), let mode = attrs[.posixPermissions] as? Int else {
                if path == ring { r.ok("\(label) chưa có: sẽ được tạo với quyền 0600 khi trạm chạy lần đầu") }
                else if path == config.serverTokenFile {
                    r.fail("\(label) \(path) không có", fix: "write the token from `trace-server station add` into \(path) with mode 0600")
                }
                continue
            }
            let owner = (attrs[.ownerAccountID] as? NSNumber)?.uint32Value
            if mode & 0o077 != 0 {
                r.fail("\(label) \(path) có quyền \(String(mode, radix: 8)): người khác đọc được bí mật", fix: "chmod 600 \(path)")
            } else if let owner, owner != geteuid() {
                r.warn("\(label) \(path) thuộc người dùng khác (uid \(owner))", fix: "chown station:station \(path) (the user the service runs as)")
            } else {
                r.ok("\(label) chỉ chủ sở hữu đọc được (quyền \(String(mode, radix: 8)))")
            }
        }
    }

    /// Each configured printer, asked for its true status.
    static func printers(_ config: StationConfig, timeout: Double, into r: inout DoctorReport) async {
        guard !config.printers.isEmpty else { r.warn("Chưa cấu hình máy in nào", fix: "add a [printers.NAME] section to station.toml"); return }
        let printers: [String: any LabelPrinter]
        do { printers = try PrinterSetup.make(config) } catch {
            r.fail("Cấu hình máy in sai: \(error)", fix: "check printers.*.address and printers.*.profile; `station devices` shows what is plugged in")
            return
        }
        for (name, printer) in printers.sorted(by: { $0.key < $1.key }) {
            let answer = await withTaskGroup(of: Result<PrinterStatus, any Error>?.self) { race in
                race.addTask { do { return .success(try await printer.status()) } catch { return .failure(error) } }
                race.addTask { try? await Task.sleep(for: .seconds(timeout)); return nil }
                let first = await race.next() ?? nil
                race.cancelAll()
                return first
            }
            switch answer {
            case .success(let s) where s.condition == .ready:
                r.ok("Máy in \(name): sẵn sàng")
            case .success(let s):
                r.fail("Máy in \(name): \(s.condition.vietnamese)\(s.detail.isEmpty ? "" : " (\(s.detail))")",
                       fix: "load paper/ribbon, close the print head, press the feed button, then run `station doctor` again")
            case .failure(let e):
                r.fail("Máy in \(name) không kết nối được: \(e)",
                       fix: "check the cable and power; for USB printers see the USB line below; for network printers ping the address")
            case nil:
                r.fail("Máy in \(name) không trả lời sau \(Int(timeout)) giây", fix: "the printer may be out of paper or the head open; check it and its cable")
            }
        }
    }

    /// USB scanners and printers this station can open (the udev rules and the group are in place),
    /// and device files of serial scanners and `file` printers.
    static func usb(_ config: StationConfig, drivers: String?, into r: inout DoctorReport) {
        let udevFix = "as root: `station udev-rules > /etc/udev/rules.d/60-station.rules && udevadm control --reload && udevadm trigger`, and add the service user to the 'station' group"
        for path in config.printers.filter({ $0.driver == .file }).map(\.address) + config.scanners.filter({ $0.source == .serial }).map(\.address)
        where path.hasPrefix("/") {
            if access(path, R_OK | W_OK) == 0 { r.ok("Thiết bị \(path) mở được") }
            else { r.fail("Không mở được thiết bị \(path): \(String(cString: strerror(errno)))", fix: udevFix) }
        }
        let usesUSB = config.printers.contains { $0.driver == .usb } || config.scanners.contains { $0.source == .hid || $0.source == .hidpos }
        let registry = (try? DeviceProfileRegistry(directory: drivers.map { URL(fileURLWithPath: $0) } ?? DeviceProfileRegistry.defaultDirectory()))
            ?? DeviceProfileRegistry(profiles: [])
        let devices: [USBDeviceInfo]
        do { devices = try USBContext().devices() } catch {
            if usesUSB { r.fail("Không dùng được USB trên máy này: \(error)", fix: "check that /dev/bus/usb exists (in a container: pass the USB bus through)") }
            else { r.ok("USB không có trên máy này; cấu hình không dùng thiết bị USB") }
            return
        }
        let known = devices.filter { registry.match(vendorID: $0.vendorID, productID: $0.productID) != nil }
        let denied = known.filter { $0.accessError != nil }
        for d in denied {
            r.fail("Thiết bị USB \(d.vidpid) (\(d.product ?? "không rõ tên")) không mở được: \(d.accessError!)", fix: udevFix)
        }
        if known.isEmpty {
            if usesUSB { r.warn("Không thấy máy in/máy quét USB nào đã biết", fix: "plug the device in; `station devices` lists what libusb sees") }
            else { r.ok("Không có thiết bị USB nào cần kiểm tra") }
        } else if denied.isEmpty {
            r.ok("\(known.count) thiết bị USB đã biết, đều mở được")
        }
    }

    /// The clock is not before the newest recorded event nor before this program was built.
    static func clock(_ config: StationConfig, into r: inout DoctorReport, now: Date = Date()) {
        let fix = "set the time (`timedatectl set-ntp true`, or `date -s`); a box without an RTC battery needs network time before it starts recording"
        var newest: Date?
        let path = config.dataDirectory.appendingPathComponent("station.sqlite").path
        if FileManager.default.fileExists(atPath: path), let store = try? StationStore(dataDirectory: config.dataDirectory) {
            newest = try? EventStore(store: store, stationID: config.stationID).newestEventTime()
        }
        if let problem = EventClockGuard.problem(now: now, newestEvent: newest) {
            r.fail(problem, fix: fix)
        } else {
            r.ok("Đồng hồ hệ thống hợp lý (\(iso(now)))")
        }
    }

    /// The trace-server answers its health check and accepts this station's token.
    static func server(_ config: StationConfig, timeout: Double, into r: inout DoctorReport) async {
        guard !config.serverURL.isEmpty else {
            r.warn("Chưa cấu hình máy chủ truy xuất (server.url trống): trạm làm việc ngoại tuyến", fix: "set server.url and server.token_file to sync events to the province")
            return
        }
        let base = config.serverURL.hasSuffix("/") ? String(config.serverURL.dropLast()) : config.serverURL
        let token: String
        do { token = try SyncClient.readToken(path: config.serverTokenFile) } catch {
            r.fail("Không đọc được mã truy cập máy chủ: \(error)", fix: "write the token from `trace-server station add` to server.token_file, mode 0600")
            return
        }
        switch await get(base + "/health", token: nil, timeout: timeout, caFile: config.serverCAFile) {
        case .failure(let e):
            r.fail("Không kết nối được máy chủ \(base): \(e.localizedDescription)",
                   fix: "check the network cable/4G, the address in server.url and the firewall; events wait safely in the outbox meanwhile")
            return
        case .success(let status) where status != 200:
            r.fail("Máy chủ \(base) trả lời /health với mã \(status)", fix: "the server is up but unwell: ask the province's IT to check trace-server")
            return
        case .success: break
        }
        switch await get(base + "/api/stations/me", token: token, timeout: timeout, caFile: config.serverCAFile) {
        case .success(200): r.ok("Máy chủ \(base) kết nối được và chấp nhận mã truy cập của trạm")
        case .success(401), .success(403):
            r.fail("Máy chủ \(base) từ chối mã truy cập của trạm", fix: "register the station (`trace-server station add`) and put the new token in \(config.serverTokenFile)")
        case .success(let s): r.fail("Máy chủ \(base) trả lời mã \(s) khi kiểm tra trạm", fix: "ask the province's IT to check the trace-server logs")
        case .failure(let e): r.fail("Máy chủ \(base) ngắt kết nối: \(e.localizedDescription)", fix: "retry; check the network")
        }
    }

    static func get(_ url: String, token: String?, timeout: Double, caFile: String) async -> Result<Int, any Error> {
        await ServerHTTP.status(of: url, token: token, timeout: timeout, caFile: caFile)
    }

    static func iso(_ d: Date) -> String { d.formatted(.iso8601) }
}
