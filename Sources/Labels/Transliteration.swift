import Foundation

/// Vietnamese folded to plain ASCII, for printers whose resident fonts cannot be trusted.
///
/// ESC/POS code page CP1258 composes diacritics on few printers and garbles them on many, so
/// native ESC/POS text is sent without diacritics: tones and vowel marks are dropped
/// (`Miến dong Na Rì` → `Mien dong Na Ri`), `đ`/`Đ` become `d`/`D`, common typographic
/// punctuation becomes its ASCII look-alike (`·` → `-`), and anything else becomes `?`.
/// Raster mode prints the real text.
public enum VietnameseTransliteration {
    /// `text` with only printable ASCII (and newlines) left.
    public static func ascii(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = String.UnicodeScalarView()
        for u in text.decomposedStringWithCanonicalMapping.unicodeScalars {
            switch u.value {
            case 0x20..<0x7F, 0x0A: out.append(u)
            case 0x0300...0x036F: continue                      // combining marks: tones, hats, breve, horn
            case 0x0110: out.append("D")                        // Đ
            case 0x0111: out.append("d")                        // đ
            case 0x00B7, 0x2022, 0x2013, 0x2014, 0x2212: out.append("-")  // · • – — −
            case 0x00D7: out.append("x")                        // ×
            case 0x2018, 0x2019: out.append("'")
            case 0x201C, 0x201D: out.append("\"")
            case 0x2026: out.append(contentsOf: "...".unicodeScalars)
            case 0x00A0, 0x2009, 0x202F, 0x09: out.append(" ")
            default: out.append("?")
            }
        }
        return String(out)
    }
}
