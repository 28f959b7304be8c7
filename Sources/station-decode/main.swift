// station-decode: reads the codes in one untrusted photo, in a process of its own.
//
//   station-decode [--max-file-bytes N] [--max-pixels N] [--max-source-pixels N]
//                  [--time-budget SECONDS] [--memory-limit BYTES]
//                  [--data-matrix when_nothing_else|always|never] [--] PATH|-
//
// It limits itself (address space, CPU time, no core file) before reading the image, decodes it
// with PhotoDecoder and writes one JSON object (DecodeProcessOutput) on standard output. Exit
// statuses are DecodeProcessStatus: 0 decoded (codes found or not), 64 usage, 65 malformed or
// unsupported image, 66 unreadable file, 67 too large, 70 decoder failure. A crash or the CPU
// limit ends it by a signal; IsolatedPhotoDecoder in the station turns all of these into typed
// errors.
import Barcodes
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, _ status: DecodeProcessStatus) -> Never {
    FileHandle.standardError.write(Data("station-decode: \(message)\n".utf8))
    exit(status.rawValue)
}

func emit(_ output: DecodeProcessOutput, _ status: DecodeProcessStatus) -> Never {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(output) {
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
    if let error = output.error { FileHandle.standardError.write(Data("station-decode: \(error)\n".utf8)) }
    exit(status.rawValue)
}

func setLimit(_ resource: Int32, soft: UInt64, hard: UInt64) {
    var limit = rlimit(rlim_cur: rlim_t(soft), rlim_max: rlim_t(hard))
    if setrlimit(__rlimit_resource_t(UInt32(resource)), &limit) != 0 {
        fail("setrlimit(\(resource)) failed: \(String(cString: strerror(errno)))", .decoderFailed)
    }
}

var limits = PhotoDecodeLimits.standard
var memoryLimit = 512 << 20
var dataMatrix = DataMatrixPolicy.whenNothingElse
var target: String?
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    func value() -> String {
        guard let v = args.popFirst() else { fail("\(a) needs a value", .usage) }
        return v
    }
    func number() -> Int {
        guard let n = Int(value()), n > 0 else { fail("\(a) needs a positive integer", .usage) }
        return n
    }
    switch a {
    case "--max-file-bytes": limits.maxFileBytes = number()
    case "--max-pixels": limits.maxPixels = number()
    case "--max-source-pixels": limits.maxSourcePixels = number()
    case "--memory-limit": memoryLimit = number()
    case "--time-budget":
        guard let s = Double(value()), s > 0, s < 3600 else { fail("--time-budget needs seconds (0 < s < 3600)", .usage) }
        limits.timeBudget = s
    case "--data-matrix":
        guard let p = DataMatrixPolicy(rawValue: value()) else { fail("--data-matrix: when_nothing_else, always or never", .usage) }
        dataMatrix = p
    case "--":
        target = args.popFirst()
        if !args.isEmpty { fail("one photo at a time", .usage) }
    case "-h", "--help":
        print("usage: station-decode [--max-file-bytes N] [--max-pixels N] [--max-source-pixels N] [--time-budget S] [--memory-limit BYTES] [--data-matrix POLICY] [--] PATH|-")
        exit(0)
    default:
        if a.hasPrefix("--") { fail("unknown option \(a)", .usage) }
        guard target == nil else { fail("one photo at a time", .usage) }
        target = a
    }
}
guard let target else { fail("no photo given (a path, or - for standard input)", .usage) }

// Limits first, before any byte of the photo is touched. CPU time: the budget plus one second
// for start-up and the last pass; the hard limit a second later ends it with SIGKILL.
let cpuSeconds = UInt64(limits.timeBudget.rounded(.up)) + 1
setLimit(Int32(RLIMIT_CPU.rawValue), soft: cpuSeconds, hard: cpuSeconds + 1)
setLimit(Int32(RLIMIT_AS.rawValue), soft: UInt64(memoryLimit), hard: UInt64(memoryLimit))
setLimit(Int32(RLIMIT_CORE.rawValue), soft: 0, hard: 0)

/// Reads at most `limit + 1` bytes, so an oversized input is recognised without reading it all.
func readAll(_ fd: Int32, limit: Int) -> [UInt8]? {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count <= limit {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n == 0 { break }
        if n < 0 { if errno == EINTR { continue }; return nil }
        bytes += chunk[0..<n]
    }
    return bytes
}

let bytes: [UInt8]
if target == "-" {
    guard let b = readAll(0, limit: limits.maxFileBytes) else {
        emit(DecodeProcessOutput(error: .unreadableFile(path: "standard input", reason: String(cString: strerror(errno)))), .unreadableFile)
    }
    bytes = b
} else {
    let fd = open(target, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        emit(DecodeProcessOutput(error: .unreadableFile(path: target, reason: String(cString: strerror(errno)))), .unreadableFile)
    }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
        emit(DecodeProcessOutput(error: .unreadableFile(path: target, reason: "not a regular file")), .unreadableFile)
    }
    if Int(info.st_size) > limits.maxFileBytes {
        emit(DecodeProcessOutput(error: .fileTooLarge(bytes: Int(info.st_size), limit: limits.maxFileBytes)), .tooLarge)
    }
    guard let b = readAll(fd, limit: limits.maxFileBytes) else {
        emit(DecodeProcessOutput(error: .unreadableFile(path: target, reason: String(cString: strerror(errno)))), .unreadableFile)
    }
    close(fd)
    bytes = b
}
if bytes.count > limits.maxFileBytes {
    emit(DecodeProcessOutput(error: .fileTooLarge(bytes: bytes.count, limit: limits.maxFileBytes)), .tooLarge)
}

do {
    let result = try PhotoDecoder(limits: limits, dataMatrix: dataMatrix).decode(bytes)
    emit(DecodeProcessOutput(result: result), .decoded)
} catch {
    emit(DecodeProcessOutput(error: error), DecodeProcessStatus(error))
}
