import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `station-decode` writes on standard output: a result or the error that stopped it.
public struct DecodeProcessOutput: Codable, Sendable {
    /// The decoded photo, when it could be read.
    public var result: PhotoDecodeResult?
    /// Why the photo could not be read.
    public var error: PhotoDecodingError?

    /// One of the two, the other nil.
    public init(result: PhotoDecodeResult? = nil, error: PhotoDecodingError? = nil) {
        self.result = result
        self.error = error
    }
}

/// Exit statuses of `station-decode`, shared by the program and ``IsolatedPhotoDecoder``.
public enum DecodeProcessStatus: Int32, Sendable {
    /// Decoded (with or without codes found); the result is on standard output.
    case decoded = 0
    /// Bad command line.
    case usage = 64
    /// Not a readable JPEG or PNG (damaged, empty, another format).
    case malformedImage = 65
    /// The input file could not be opened or read.
    case unreadableFile = 66
    /// The file or the image is over the limits.
    case tooLarge = 67
    /// A decoder library reported a failure.
    case decoderFailed = 70

    /// The status for a decoding error.
    public init(_ error: PhotoDecodingError) {
        switch error {
        case .emptyFile, .unsupportedFormat, .malformed: self = .malformedImage
        case .fileTooLarge, .tooManyPixels: self = .tooLarge
        case .unreadableFile: self = .unreadableFile
        case .timedOut, .decoderCrashed, .decoderUnavailable: self = .decoderFailed
        }
    }
}

/// Decodes untrusted photos in a child process (`station-decode`), so that a crash, a hang or a
/// memory blow-up in libjpeg, libpng, zbar or zxing-cpp costs one photo, never the station.
///
/// The child limits itself with `setrlimit` (address space, CPU time, no core files) before it
/// reads a byte; the parent kills its process group when the wall-clock timeout passes, and turns
/// every outcome into a ``PhotoDecodeResult`` or a typed ``PhotoDecodingError``. Safe to use from
/// several tasks at once (each call is its own process).
public struct IsolatedPhotoDecoder: Sendable {
    /// Path of the `station-decode` executable.
    public var executable: String
    /// Limits passed to the child (file size, pixels, time budget).
    public var limits: PhotoDecodeLimits
    /// Address-space limit of the child, in bytes. A 12 MP photo decodes within 128 MB; the
    /// default leaves room for the largest image the pixel limit allows.
    public var memoryLimit: Int
    /// Wall-clock time after which the child is killed; by default the time budget plus 2 s
    /// for process start and the pass that was running when the budget ran out.
    public var timeout: Double
    /// When zxing-cpp looks for Data Matrix symbols in the child.
    public var dataMatrix: DataMatrixPolicy

    /// - Parameter executable: nil finds `station-decode` next to the running program, or at
    ///   `$STATION_DECODE_BIN`.
    public init(executable: String? = nil, limits: PhotoDecodeLimits = .standard, memoryLimit: Int = 512 << 20,
                timeout: Double? = nil, dataMatrix: DataMatrixPolicy = .whenNothingElse) {
        self.executable = executable ?? Self.defaultExecutable
        self.limits = limits
        self.memoryLimit = memoryLimit
        self.timeout = timeout ?? limits.timeBudget + 2
        self.dataMatrix = dataMatrix
    }

    /// `$STATION_DECODE_BIN`, else `station-decode` in the directory of the running executable
    /// (where SwiftPM and the installer put it).
    public static var defaultExecutable: String {
        if let path = ProcessInfo.processInfo.environment["STATION_DECODE_BIN"], !path.isEmpty { return path }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("station-decode").path
    }

    /// Decodes the photo file at `path` (the child opens it; the file size limit is checked
    /// before anything is read).
    public func decode(fileAt path: String) throws(PhotoDecodingError) -> PhotoDecodeResult {
        try run(arguments: [path], input: nil)
    }

    /// Decodes a photo held in memory (an upload), passed to the child on its standard input.
    public func decode(_ bytes: [UInt8]) throws(PhotoDecodingError) -> PhotoDecodeResult {
        guard !bytes.isEmpty else { throw .emptyFile }
        guard bytes.count <= limits.maxFileBytes else { throw .fileTooLarge(bytes: bytes.count, limit: limits.maxFileBytes) }
        return try run(arguments: ["-"], input: bytes)
    }

    /// The child's command line for `target` (a path or `-`).
    func arguments(_ target: [String]) -> [String] {
        [executable,
         "--max-file-bytes", String(limits.maxFileBytes),
         "--max-pixels", String(limits.maxPixels),
         "--max-source-pixels", String(limits.maxSourcePixels),
         "--time-budget", String(limits.timeBudget),
         "--memory-limit", String(memoryLimit),
         "--data-matrix", dataMatrix.rawValue,
         "--"] + target
    }

    private func run(arguments target: [String], input: [UInt8]?) throws(PhotoDecodingError) -> PhotoDecodeResult {
        guard access(executable, X_OK) == 0 else {
            throw .decoderUnavailable(path: executable, reason: String(cString: strerror(errno)))
        }
        let child: ChildProcess
        do { child = try ChildProcess(arguments: arguments(target), input: input) } catch {
            throw .decoderUnavailable(path: executable, reason: error.reason)
        }
        let outcome = child.wait(timeout: timeout, maxOutput: 8 << 20)
        switch outcome.termination {
        case .timedOut:
            throw .timedOut(seconds: timeout)
        case .outputTooLarge:
            throw .decoderCrashed(detail: "the decoder wrote more than 8 MB of output")
        case .signaled(let signal):
            if signal == SIGXCPU { throw .timedOut(seconds: timeout) }
            let name = signalName(signal)
            let hint = signal == SIGKILL || signal == SIGSEGV || signal == SIGABRT || signal == SIGTRAP || signal == SIGILL
                ? " (a crash, or the decoder's memory limit of \(memoryLimit >> 20) MB)" : ""
            throw .decoderCrashed(detail: "decoder process ended by signal \(signal) (\(name))\(hint)\(outcome.stderrSummary)")
        case .exited(let status):
            let parsed = try? JSONDecoder().decode(DecodeProcessOutput.self, from: Data(outcome.stdout))
            if status == DecodeProcessStatus.decoded.rawValue, let result = parsed?.result { return result }
            if let error = parsed?.error { throw error }
            switch DecodeProcessStatus(rawValue: status) {
            case .tooLarge?: throw .fileTooLarge(bytes: input?.count ?? 0, limit: limits.maxFileBytes)
            case .malformedImage?: throw .malformed(format: "image", reason: "rejected by the decoder\(outcome.stderrSummary)")
            default:
                throw .decoderCrashed(detail: "decoder exited with status \(status) without a result\(outcome.stderrSummary)")
            }
        }
    }
}

/// How a child process ended.
enum ChildTermination: Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// Killed by us after the wall-clock timeout.
    case timedOut
    /// Killed by us because it wrote more than allowed.
    case outputTooLarge
}

struct SpawnError: Error { let reason: String }

/// One child process with its standard input fed from memory and its output collected, started
/// with `posix_spawn` in a process group of its own so a timeout kills everything it started.
final class ChildProcess {
    let pid: pid_t
    private var stdinFD: Int32
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private let input: [UInt8]

    struct Outcome {
        var termination: ChildTermination
        var stdout: [UInt8]
        var stderr: [UInt8]

        /// The first line of standard error, for messages.
        var stderrSummary: String {
            let line = String(decoding: stderr.prefix(300), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            return line.isEmpty ? "" : ": \(line)"
        }
    }

    init(arguments: [String], input: [UInt8]?) throws(SpawnError) {
        self.input = input ?? []
        // Standard input is one end of a socket pair rather than a pipe: writes use MSG_NOSIGNAL,
        // so a child that exits before reading everything cannot raise SIGPIPE in the station.
        var inPair: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &inPair) == 0 else {
            throw SpawnError(reason: "socketpair: \(String(cString: strerror(errno)))")
        }
        guard makePipe(&outPipe) else {
            close(inPair[0]); close(inPair[1])
            throw SpawnError(reason: "pipe: \(String(cString: strerror(errno)))")
        }
        guard makePipe(&errPipe) else {
            for fd in inPair + outPipe { close(fd) }
            throw SpawnError(reason: "pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A process group of its own, and default signal handling (the station may ignore some).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGXCPU, SIGTERM, SIGINT] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // The child gets a minimal environment: nothing of the station's configuration or secrets.
        // No Swift backtracer: it would start another process inside the child's limits.
        let environment = ["PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "SWIFT_BACKTRACE=enable=no"]
        let env: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for p in env { free(p) } }
        var child: pid_t = 0
        var rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, env)
        // "Text file busy": a program being replaced (an upgrade), or a descriptor of it inherited for
        // a moment by a process another thread is starting. Both pass within milliseconds.
        for attempt in 1...5 where rc == ETXTBSY {
            usleep(UInt32(attempt) * 20_000)
            rc = posix_spawn(&child, arguments[0], &actions, &attributes, argv, env)
        }
        close(inPair[1]); close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(inPair[0]); close(outPipe[0]); close(errPipe[0])
            throw SpawnError(reason: String(cString: strerror(rc)))
        }
        pid = child
        stdinFD = inPair[0]
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        if self.input.isEmpty {
            shutdown(stdinFD, Int32(SHUT_WR))
        }
        for fd in [stdinFD, stdoutFD, stderrFD] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit {
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
        close(stderrFD)
    }

    /// Feeds the input, collects output until both output streams close and the child exits, or
    /// kills the child's process group at the deadline.
    func wait(timeout: Double, maxOutput: Int) -> Outcome {
        var out: [UInt8] = [], err: [UInt8] = []
        var written = input.isEmpty ? -1 : 0           // -1: input done (write side shut down)
        var outOpen = true, errOpen = true
        let deadline = monotonicSeconds() + timeout
        var buffer = [UInt8](repeating: 0, count: 65536)

        func kill(_ why: ChildTermination) -> Outcome {
            Glibc.kill(-pid, SIGKILL)
            Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return Outcome(termination: why, stdout: out, stderr: err)
        }

        while outOpen || errOpen {
            let left = deadline - monotonicSeconds()
            if left <= 0 { return kill(.timedOut) }
            var fds: [pollfd] = []
            if outOpen { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if errOpen { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if written >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(left * 1000, 1000).rounded(.up)))
            if ready < 0 && errno != EINTR { return kill(.exited(-1)) }
            for p in fds where p.revents != 0 {
                if p.fd == stdinFD {
                    let n = input.withUnsafeBytes { raw in
                        send(stdinFD, raw.baseAddress! + written, min(65536, input.count - written), Int32(MSG_NOSIGNAL))
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR { written = input.count }   // child stopped reading
                    if written >= input.count { shutdown(stdinFD, Int32(SHUT_WR)); written = -1 }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if p.fd == stdoutFD { out += buffer[0..<n] } else if err.count < 65536 { err += buffer[0..<n] }
                    if out.count > maxOutput { return kill(.outputTooLarge) }
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    if p.fd == stdoutFD { outOpen = false } else { errOpen = false }
                }
            }
        }
        // Output is closed; the child is exiting (or closed its output and kept running).
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                let signal = status & 0x7f
                let termination: ChildTermination = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
                return Outcome(termination: termination, stdout: out, stderr: err)
            }
            if r < 0 && errno != EINTR { return Outcome(termination: .exited(-1), stdout: out, stderr: err) }
            if monotonicSeconds() >= deadline { return kill(.timedOut) }
            usleep(2000)
        }
    }
}

/// A pipe whose ends are closed in exec'd children (the spawned child gets copies on 0–2 only).
private func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func signalName(_ s: Int32) -> String {
    switch s {
    case SIGSEGV: return "SIGSEGV, invalid memory access"
    case SIGABRT: return "SIGABRT, aborted"
    case SIGBUS: return "SIGBUS"
    case SIGILL: return "SIGILL, a Swift runtime trap"
    case SIGTRAP: return "SIGTRAP, a Swift runtime trap"
    case SIGKILL: return "SIGKILL"
    case SIGFPE: return "SIGFPE"
    case SIGXCPU: return "SIGXCPU, CPU time limit"
    default: return "signal \(s)"
    }
}
