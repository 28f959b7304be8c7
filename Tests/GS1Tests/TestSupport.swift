@testable import GS1
import Testing

/// ASCII 29, the GS separator scanners transmit for FNC1.
let GS = "\u{1D}"

/// The error `body` throws, or `nil` if it succeeds. Every API under test throws `GS1Error`
/// (typed throws); the closure is untyped only so that Swift infers it without annotations.
func thrownError<T>(_ body: () throws -> T) -> GS1Error? {
    do {
        _ = try body()
        return nil
    } catch let error as GS1Error {
        return error
    } catch {
        Issue.record("unexpected non-GS1 error \(error)")
        return nil
    }
}

/// Elements as (AI, value) pairs, for compact expectations.
func pairs(_ elements: [GS1Element]) -> [[String]] {
    elements.map { [$0.ai, $0.value] }
}

/// A numbered case for a table-driven test, shown by number and label in test reports.
struct Case<Input: Sendable, Expected: Sendable>: Sendable, CustomTestStringConvertible {
    let number: Int
    let input: Input
    let expected: Expected
    /// The spec clause or source the case comes from, or why it is there.
    let note: String

    init(_ number: Int, _ input: Input, _ expected: Expected, _ note: String) {
        self.number = number
        self.input = input
        self.expected = expected
        self.note = note
    }

    var testDescription: String { "#\(number) \(String(describing: input).replacingGroupSeparators()) — \(note)" }
}
