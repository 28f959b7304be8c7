import GS1

/// GS1 element strings (with GS, FNC1 or bracketed), plain GTINs and trace codes: whatever parses
/// must print back to an element string that parses to the same elements.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let m = try? GS1Message(parsing: text, checkingAssociations: false) {
        let again: GS1Message
        do { again = try GS1Message(parsing: m.elementString(), checkingAssociations: false) } catch {
            fatalError("element string \(m.elementString().debugDescription) of a parsed message does not parse: \(error)")
        }
        precondition(again.elements == m.elements, "round trip changed \(m.bracketed) into \(again.bracketed)")
        let bracketed = try? GS1Message(parsing: m.bracketed, checkingAssociations: false)
        precondition(bracketed?.elements == m.elements, "bracketed form \(m.bracketed) does not parse back")
    }
    if let code = try? TraceCode(parsing: text, referenceYear: 2026) {
        _ = code.elementString
        _ = try? code.digitalLink()
    }
    return 0
}
