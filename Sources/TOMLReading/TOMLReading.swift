import Foundation
import TOMLKit

/// A TOML syntax error, where it is and what is wrong, for any file the station reads
/// (configuration, label templates, device profiles).
public struct TOMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { message }
}

/// Parses TOML text into a TOMLKit table, first refusing the malformed input on which the bundled
/// toml++ parser aborts the whole process instead of reporting an error: table headers like `[)`,
/// `[[=`, `[.a]`, `[[[1]]]` (toml++ asserts that a key follows the brackets; fixed upstream in
/// marzer/tomlplusplus#301, not in the copy TOMLKit 0.6.0 carries), arrays like `[}` or `[1,}`
/// (it asserts that a value follows), a date followed by a space and a lone digit (its date-time
/// scanner asserts) and control characters, which TOML forbids anyway (one sends its value
/// scanner into an assertion). All found by the template fuzzer.
public enum TOMLReading {
    public static func table(from text: String) throws(TOMLSyntaxError) -> TOMLTable {
        if let problem = abortingConstruct(in: text) { throw problem }
        do {
            return try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw TOMLSyntaxError(line: e.source.begin.line, column: e.source.begin.column, message: e.description)
        } catch {
            throw TOMLSyntaxError(line: 0, column: 0, message: "\(error)")
        }
    }

    /// The first construct on which toml++ asserts instead of reporting an error: a control
    /// character other than tab, LF and CR anywhere; a table header
    /// (`[` or `[[` opening a line, outside strings and multi-line values) whose name does not
    /// start with a bare-key character, a quote or `]`; or an array whose next element, after `[`
    /// or a comma, starts with `}`.
    ///
    /// A small scanner of TOML's lexical structure: strings (basic, literal, multi-line),
    /// comments and the nesting of array and inline-table values, so that a `[` opening a line
    /// inside a multi-line array or string is not taken for a header.
    static func abortingConstruct(in text: String) -> TOMLSyntaxError? {
        enum Mode { case plain, basic, literal, multiBasic, multiLiteral }
        let b = Array(text.utf8)
        var mode = Mode.plain
        var open: [UInt8] = []          // the [ and { of values now open, innermost last
        var expectElement = false       // just after an array's [ or one of its commas
        var line = 1, lineStart = 0
        var atLineStart = true
        var i = 0
        func at(_ k: Int) -> UInt8? { k < b.count ? b[k] : nil }
        /// Bytes of the whitespace at `k` as a lenient parser may skip it: space, tab, and the
        /// UTF-8 of no-break, Ogham, en/em/thin, narrow, math and ideographic spaces and the BOM.
        func whitespace(at k: Int) -> Int {
            guard let c = at(k) else { return 0 }
            if c == 0x20 || c == 0x09 { return 1 }
            let s2 = (at(k + 1) ?? 0), s3 = (at(k + 2) ?? 0)
            if c == 0xC2 && s2 == 0xA0 { return 2 }                                        // U+00A0
            if c == 0xE1 && s2 == 0x9A && s3 == 0x80 { return 3 }                          // U+1680
            if c == 0xE2 && s2 == 0x80 && ((0x80...0x8A).contains(s3) || s3 == 0xAF) { return 3 }  // U+2000–200A, U+202F
            if c == 0xE2 && s2 == 0x81 && s3 == 0x9F { return 3 }                          // U+205F
            if c == 0xE3 && s2 == 0x80 && s3 == 0x80 { return 3 }                          // U+3000
            if c == 0xEF && s2 == 0xBB && s3 == 0xBF { return 3 }                          // U+FEFF (BOM)
            return 0
        }
        func isBareKey(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }
        /// A value that starts like a date (a digit, with a '-' in it), then this space, one digit
        /// and the end of the value. toml++ takes the first ten characters of such a value for a
        /// date, reads on for the time and asserts at the value's end (its date-time scanner,
        /// `parse_value`). Never valid TOML: a time needs HH:MM:SS. Checked for any length, which
        /// is stricter than toml++'s own condition and still refuses only invalid text.
        func looksLikeDateThenOneDigit(before k: Int) -> Bool {
            guard let d = at(k + 1), d >= 0x30 && d <= 0x39 else { return false }
            let end = at(k + 2)
            guard end == nil || [0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x5D, 0x7D, 0x23].contains(end!) || whitespace(at: k + 2) > 0 else { return false }
            // The run of bytes before the space, back to what ends a value for toml++.
            var start = k
            while start > lineStart, ![0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x5D, 0x7D, 0x23].contains(b[start - 1]) { start -= 1 }
            let run = b[start..<k]
            // The value begins at its first digit, after a key's '=' or an array's or table's opening.
            guard let first = run.firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            if first > start, ![0x3D, 0x5B, 0x7B].contains(b[first - 1]) && b[first - 1] < 0x80 { return false }
            return run[first...].contains(0x2D)
        }
        func problem(at j: Int, _ message: String) -> TOMLSyntaxError {
            let column = b[lineStart..<min(j, b.count)].filter { $0 & 0xC0 != 0x80 }.count + 1      // in characters
            return TOMLSyntaxError(line: line, column: column, message: message)
        }
        func shown(_ c: UInt8?) -> String {
            c.map { $0 == 0x0A || $0 == 0x0D ? "the end of the line" : "'\(String(decoding: [$0], as: UTF8.self))'" } ?? "the end of the file"
        }
        while i < b.count {
            let c = b[i]
            // TOML allows no control character but tab, LF and the CR of CRLF, in strings and
            // comments alike; toml++'s value scanner trips its own assertion on some of them.
            if (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || c == 0x7F {
                return problem(at: i, "control character U+\(String(format: "%04X", Int(c))) is not allowed in TOML (only tab and line ends); remove it or write it as an escape in a string")
            }
            if c == 0x0A {
                line += 1; lineStart = i + 1
                atLineStart = true
                if mode == .basic || mode == .literal { mode = .plain }   // unterminated: toml++ reports it
                i += 1
                continue
            }
            switch mode {
            case .plain:
                if c == 0x20, looksLikeDateThenOneDigit(before: i) {
                    return problem(at: i + 1, "Error while parsing date-time: expected a time (HH:MM:SS) after the date and the space, saw a lone digit")
                }
                let w = c == 0x0D ? 1 : whitespace(at: i)     // CR: of a CRLF, or stray (toml++ reports it)
                if w > 0 { i += w; continue }
                if atLineStart && open.isEmpty && c == 0x5B {
                    var j = i + 1
                    if at(j) == 0x5B { j += 1 }
                    while case let w = whitespace(at: j), w > 0 { j += w }
                    let next = at(j)
                    if !(next.map { isBareKey($0) || $0 == 0x22 || $0 == 0x27 || $0 == 0x5D } ?? false) {
                        return problem(at: j, "Error while parsing table header: expected a bare key or a quoted key after '\(j > i + 1 && at(i + 1) == 0x5B ? "[[" : "[")', saw \(shown(next))")
                    }
                    // The rest of a header line holds no value: skip it.
                    while let w = at(i), w != 0x0A { i += 1 }
                    continue
                }
                atLineStart = false
                if c == 0x23 { while let w = at(i), w != 0x0A { i += 1 }; continue }          // comment
                if expectElement && c == 0x7D {
                    return problem(at: i, "Error while parsing array: expected a value or ']', saw '}'")
                }
                expectElement = false
                switch c {
                case 0x22:
                    if at(i + 1) == 0x22 && at(i + 2) == 0x22 { mode = .multiBasic; i += 3; continue }
                    mode = .basic
                case 0x27:
                    if at(i + 1) == 0x27 && at(i + 2) == 0x27 { mode = .multiLiteral; i += 3; continue }
                    mode = .literal
                case 0x5B: open.append(c); expectElement = true
                case 0x7B: open.append(c)
                case 0x5D, 0x7D: if !open.isEmpty { open.removeLast() }
                case 0x2C: expectElement = open.last == 0x5B
                default: break
                }
            case .basic:
                if c == 0x5C { i += at(i + 1) == 0x0A ? 1 : 2; continue }
                if c == 0x22 { mode = .plain }
            case .literal:
                if c == 0x27 { mode = .plain }
            case .multiBasic, .multiLiteral:
                let quote: UInt8 = mode == .multiBasic ? 0x22 : 0x27
                if mode == .multiBasic && c == 0x5C { i += at(i + 1) == 0x0A ? 1 : 2; continue }
                if c == quote && at(i + 1) == quote && at(i + 2) == quote {
                    i += 3
                    while at(i) == quote { i += 1 }   // up to two quotes may end the content
                    mode = .plain
                    atLineStart = false
                    continue
                }
                atLineStart = false
            }
            i += 1
        }
        return nil
    }
}
