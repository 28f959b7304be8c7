/// ISO/IEC 15424 symbology identifiers (`]` + code letter + modifier) that scanners may prefix
/// to the data, and what they say about it (GS1 General Specifications, symbology identifiers).
///
/// A scanner configured to transmit them tells the station whether the data is a GS1 element
/// string, so `]d2…` is parsed as AIs and `]Q1https://…` as a URI, never guessed.
enum SymbologyIdentifier {
    enum Kind: Equatable {
        /// GS1 element strings follow: GS1-128 `]C1`, GS1 DataBar `]e0`, GS1 DataMatrix `]d2`,
        /// GS1 QR Code `]Q3`, GS1 DotCode `]J1`.
        case gs1
        /// A bare GTIN follows: EAN-13/UPC-A `]E0`, EAN-8 `]E4`, ITF-14 `]I1`.
        case gtin
        /// Plain text follows (typically a GS1 Digital Link URI): QR Code `]Q1`, Data Matrix `]d1`.
        case plain
    }

    /// Splits a leading symbology identifier from `text`.
    static func split(_ text: Substring) throws(GS1Error) -> (Kind, Substring) {
        let identifier = String(text.prefix(3))
        let rest = text.dropFirst(identifier.count)
        switch identifier {
        case "]C1", "]e0", "]d2", "]Q3", "]J1": return (.gs1, rest)
        case "]E0", "]E4", "]I1": return (.gtin, rest)
        case "]Q1", "]d1": return (.plain, rest)
        default: throw .unsupportedSymbologyIdentifier(identifier)
        }
    }
}
