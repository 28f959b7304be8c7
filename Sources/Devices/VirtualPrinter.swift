import Barcodes
import Foundation

/// A printer that writes each label to files: the raw printer bytes (`NNNNNN.zpl` or `.bin`) and,
/// when the label was drawn by the station, the PNG of exactly what would go on paper.
///
/// It lets a station run with no hardware, and a test or an operator read what would have printed.
/// Faults can be staged by creating a file named after a condition (`paper_out`, `head_open`,
/// `paused`) in the output folder: the printer then reports that condition until it is removed.
/// Print defects are staged the same way: a file `smudge` (a wrinkled ribbon wipes a band across
/// the label) or `blank` (no ink at all) spoils the next label's PNG — the bytes written stay
/// what the station sent — and holds the number of labels to spoil (empty = 1); it is removed
/// once used up. An inline verifier reading the PNG then sees what a real one would.
public actor VirtualPrinter: LabelPrinter {
    public nonisolated let name: String
    public nonisolated let language: PrinterLanguage
    public nonisolated let dpi: Int
    public nonisolated let directory: URL
    private var next: Int

    public init(name: String, language: PrinterLanguage, dpi: Int, directory: URL) throws {
        self.name = name
        self.language = language
        self.dpi = dpi
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PrinterError.io(printer: name, reason: "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        next = (existing.compactMap { Int($0.split(separator: ".").first ?? "") }.max() ?? 0) + 1
    }

    public func status() async throws -> PrinterStatus {
        for c in [PrinterCondition.paperOut, .headOpen, .paused, .ribbonOut]
        where FileManager.default.fileExists(atPath: directory.appendingPathComponent(c.rawValue).path) {
            return PrinterStatus(condition: c, detail: "staged by \(directory.appendingPathComponent(c.rawValue).path)")
        }
        return PrinterStatus(condition: .ready)
    }

    public func send(_ label: PrintableLabel) async throws -> PrintReceipt {
        let st = try await status()
        guard st.canPrint else { throw PrinterError.notReady(printer: name, status: st.condition) }
        let stem = String(format: "%06d", next)
        let raw = directory.appendingPathComponent("\(stem).\(label.language.fileExtension)")
        do {
            try Data(label.bytes).write(to: raw, options: .atomic)
            if var preview = label.preview {
                if let defect = takeStagedDefect() { Self.spoil(&preview, defect) }
                try Data(try PNGCodec.encode(preview)).write(to: directory.appendingPathComponent("\(stem).png"), options: .atomic)
            }
        } catch {
            throw PrinterError.io(printer: name, reason: "cannot write \(raw.path): \(error)")
        }
        next += 1
        return PrintReceipt(printer: name, bytesWritten: label.bytes.count, file: raw.path)
    }

    /// A print defect staged for the next label (see the type's documentation).
    public enum Defect: String, Sendable, CaseIterable {
        /// A band across the middle half of the label has no ink.
        case smudge
        /// The whole label is white.
        case blank
    }

    /// The staged defect for this label, if any; counts the staging file down and removes it when used up.
    private func takeStagedDefect() -> Defect? {
        for defect in Defect.allCases {
            let file = directory.appendingPathComponent(defect.rawValue)
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let count = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1
            if count > 1 {
                try? "\(count - 1)\n".write(to: file, atomically: true, encoding: .utf8)
            } else {
                try? FileManager.default.removeItem(at: file)
            }
            return defect
        }
        return nil
    }

    static func spoil(_ image: inout GrayImage, _ defect: Defect) {
        switch defect {
        case .blank: image.fill(x: 0, y: 0, width: image.width, height: image.height, value: 255)
        case .smudge: image.fill(x: 0, y: image.height / 4, width: image.width, height: image.height / 2, value: 255)
        }
    }
}
