/// One GS1 element: an Application Identifier and its value, e.g. `(10)MD250314A`.
///
/// An element can only be created valid (length, character set, check digit, date), so code
/// holding a `GS1Element` never has to re-check it before printing or sending it.
public struct GS1Element: Sendable, Hashable, CustomStringConvertible {
    /// The AI number, e.g. `"10"`.
    public let ai: String
    /// The value, without the AI.
    public let value: String

    /// Creates a validated element.
    ///
    /// - Throws: ``GS1Error/unknownAI(prefix:)`` for an AI not in the table, or the first rule of
    ///   ``ApplicationIdentifier/validate(_:)`` the value breaks.
    public init(ai: String, value: String) throws(GS1Error) {
        guard let definition = ApplicationIdentifier.lookup(ai) else {
            throw .unknownAI(prefix: ai)
        }
        try definition.validate(value)
        self.ai = ai
        self.value = value
    }

    /// The table entry for ``ai`` (always present: elements are created validated).
    public var definition: ApplicationIdentifier {
        guard let definition = ApplicationIdentifier.lookup(ai) else {
            preconditionFailure("GS1Element with AI \(ai) outside the AI table")
        }
        return definition
    }

    /// Bracketed human-readable form, `(AI)value`.
    public var description: String { "(\(ai))\(value)" }
}
