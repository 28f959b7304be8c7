import GS1

/// GS1 Digital Link URIs from any resolver: a parsed link's URI parses to the same elements.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for check in [true, false] {
        guard let link = try? DigitalLink(parsing: text, checkingAssociations: check) else { continue }
        let again: DigitalLink
        do { again = try DigitalLink(parsing: link.uri, checkingAssociations: check) } catch {
            fatalError("the URI \(link.uri.debugDescription) of a parsed link does not parse: \(error)")
        }
        precondition(again.elements == link.elements, "round trip of \(text.debugDescription) changed its elements")
        _ = link.canonicalURI
        _ = link.message.elementString()
    }
    return 0
}
