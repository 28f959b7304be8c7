/// The printhead resolutions the station drives.
///
/// Thermal printheads come in these densities (180 dpi: Epson's TM receipt printers; 203, 300
/// and 600: label printers); anything else is a typo, so it is rejected rather than silently
/// mapped to the nearest one.
public enum PrintResolution: Int, Sendable, CaseIterable, Codable {
    case dpi180 = 180
    case dpi203 = 203
    case dpi300 = 300
    case dpi600 = 600

    /// Dots per millimetre (7.09, 7.99, 11.81 or 23.62).
    public var dotsPerMillimetre: Double { Double(rawValue) / 25.4 }

    /// `mm` on this printhead, rounded to the nearest whole dot.
    public func dots(_ mm: Double) -> Int { Int((mm * dotsPerMillimetre).rounded()) }

    /// Whole dots that are at least `mm` long (for minimum sizes, which must not round down).
    public func dotsAtLeast(_ mm: Double) -> Int { Int((mm * dotsPerMillimetre - 1e-9).rounded(.up)) }

    /// A font size in points (1/72 inch) as dots.
    public func dots(points: Double) -> Int { Int((points * Double(rawValue) / 72).rounded()) }

    /// Dots back to millimetres (for error messages).
    public func millimetres(_ dots: Int) -> Double { Double(dots) / dotsPerMillimetre }
}
