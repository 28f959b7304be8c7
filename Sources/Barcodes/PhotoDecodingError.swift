/// Why a photo could not be read at all, with what the inspector can do about it.
///
/// "No code in the photo" is not an error: it is a successful ``PhotoDecodeResult`` with no
/// symbols and advice in its notes. These cases mean the photo itself could not be processed.
public enum PhotoDecodingError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The file has no bytes (an interrupted upload or copy).
    case emptyFile
    /// The file is larger than the station accepts.
    case fileTooLarge(bytes: Int, limit: Int)
    /// Neither JPEG nor PNG; `signature` shows the first bytes in hex.
    case unsupportedFormat(signature: String)
    /// A JPEG or PNG the image library cannot read (damaged, cut off before the header ends).
    case malformed(format: String, reason: String)
    /// The image has more pixels than the station decodes.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// Decoding did not finish within its time limit and was stopped.
    case timedOut(seconds: Double)
    /// The decoder failed: a library error, or the isolated decoder process died (a crash, or
    /// its memory limit); the station itself keeps running.
    case decoderCrashed(detail: String)
    /// The isolated decoder program is missing or cannot be started: an installation problem.
    case decoderUnavailable(path: String, reason: String)
    /// The photo file could not be opened or read.
    case unreadableFile(path: String, reason: String)

    /// English, for logs and the command line: what happened and what to do.
    public var description: String {
        switch self {
        case .emptyFile:
            return "the photo file is empty; take or copy the photo again"
        case .fileTooLarge(let n, let limit):
            return "the photo is \(n) bytes, more than the limit of \(limit); use the camera's normal (not RAW or maximum) quality"
        case .unsupportedFormat(let sig):
            return "not a JPEG or PNG photo (file starts with \(sig)); take the photo with the camera app or save it as JPEG"
        case .malformed(let f, let reason):
            return "the \(f) file is damaged (\(reason)); take the photo again or copy the original file"
        case .tooManyPixels(let w, let h, let limit):
            return "the photo is \(w)×\(h) pixels, more than the limit of \(limit); use the camera's normal resolution"
        case .timedOut(let s):
            return "reading the photo took longer than \(formatSeconds(s)) s and was stopped; take a closer photo of the stamp alone"
        case .decoderCrashed(let detail):
            return "the barcode decoder failed on this photo (\(detail)); take the photo again, and report the file if it keeps happening"
        case .decoderUnavailable(let path, let reason):
            return "the photo decoder \(path) cannot be started (\(reason)); reinstall the station software"
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }

    /// Vietnamese, for the inspector: what to do next.
    public var vietnameseMessage: String {
        switch self {
        case .emptyFile:
            return "Tệp ảnh rỗng: hãy chụp hoặc sao chép lại ảnh."
        case .fileTooLarge:
            return "Ảnh quá lớn: hãy chụp ở chất lượng thường (không dùng RAW hay độ phân giải tối đa)."
        case .unsupportedFormat:
            return "Không phải ảnh JPEG hoặc PNG: hãy chụp bằng ứng dụng máy ảnh hoặc lưu ảnh dạng JPEG."
        case .malformed:
            return "Tệp ảnh bị hỏng: hãy chụp lại hoặc sao chép tệp gốc."
        case .tooManyPixels:
            return "Ảnh có độ phân giải quá cao: hãy chụp ở độ phân giải thường."
        case .timedOut:
            return "Đọc ảnh quá lâu nên đã dừng: hãy chụp gần hơn, chỉ lấy riêng con tem."
        case .decoderCrashed:
            return "Bộ giải mã gặp lỗi với ảnh này: hãy chụp lại; nếu vẫn lỗi, gửi tệp ảnh cho kỹ thuật."
        case .decoderUnavailable:
            return "Không chạy được bộ giải mã ảnh: cần cài đặt lại phần mềm trạm."
        case .unreadableFile:
            return "Không mở được tệp ảnh: kiểm tra đường dẫn và quyền đọc tệp."
        }
    }

    /// A short stable name for logs, JSON and exit-status mapping.
    public var kind: String {
        switch self {
        case .emptyFile: return "empty_file"
        case .fileTooLarge: return "file_too_large"
        case .unsupportedFormat: return "unsupported_format"
        case .malformed: return "malformed"
        case .tooManyPixels: return "too_many_pixels"
        case .timedOut: return "timed_out"
        case .decoderCrashed: return "decoder_crashed"
        case .decoderUnavailable: return "decoder_unavailable"
        case .unreadableFile: return "unreadable_file"
        }
    }

    /// The image-library error as a photo error.
    init(_ e: ImageCodecError) {
        switch e {
        case .malformed(let f, let r): self = .malformed(format: f, reason: r)
        case .tooLarge(let w, let h, let m): self = .tooManyPixels(width: w, height: h, limit: m)
        }
    }
}

func formatSeconds(_ s: Double) -> String {
    let tenths = Int((s * 10).rounded())
    return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
}
