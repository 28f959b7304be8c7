/// What is wrong with one field of an incoming EPCIS document.
public enum EPCISProblem: Sendable, Equatable {
    /// A required field is absent.
    case missing
    /// The field has the wrong JSON type; `expected` says what was wanted, e.g. "string".
    case wrongType(expected: String, found: String)
    /// Not an `xsd:dateTimeStamp` with milliseconds optional and an explicit offset.
    case invalidTimestamp(String)
    /// Not `±HH:MM` within ±14:00.
    case invalidTimeZoneOffset(String)
    /// `type` names no EPCIS event type.
    case unknownEventType(String)
    /// `type` names an EPCIS event type this module does not model (e.g. TransformationEvent).
    case unsupportedEventType(String)
    /// `action` is not ADD, OBSERVE or DELETE.
    case invalidAction(String)
    /// Neither a CBV 2.0 bare word of the field's vocabulary nor an absolute URI.
    case invalidVocabulary(String)
    /// Not an absolute URI.
    case invalidURI(String)
    /// A value outside what the field admits; the text says what was expected.
    case invalidValue(String, expected: String)
    /// A key without a namespace prefix that EPCIS 2.0 does not define here.
    case unknownField
    /// An EPCIS 2.0 field this module does not model (sourceList, sensorElementList, ...).
    /// Rejected rather than dropped, because dropping it would silently change the event hash.
    case unsupportedField
    /// A `prefix:` key whose prefix is not declared in `@context`.
    case undeclaredPrefix(String)
    /// A `@context` entry this module cannot interpret offline.
    case unsupportedContext(String)
    /// A rule spanning several fields, e.g. "parentID is required when action is ADD".
    case ruleViolation(String)
}

/// One problem found while validating an incoming document, located by event index and field.
public struct EPCISIssue: Sendable, Equatable, CustomStringConvertible {
    /// Position of the event in `epcisBody.eventList`, `nil` for document-level fields.
    public let eventIndex: Int?
    /// The field, as a path inside the event (`eventTime`, `readPoint.id`,
    /// `quantityList[1].quantity`, `ilmd.cbvmda:itemExpirationDate`) or the document.
    public let field: String
    /// What is wrong.
    public let problem: EPCISProblem

    /// An issue at `field` of event `eventIndex` (`nil` for the document itself).
    public init(eventIndex: Int?, field: String, problem: EPCISProblem) {
        self.eventIndex = eventIndex
        self.field = field
        self.problem = problem
    }

    /// `event 3, eventTime: …` — ready for an HTTP 422 body or a log line.
    public var description: String {
        let location = eventIndex.map { "event \($0), \(field)" } ?? field
        return location + ": " + problem.message
    }
}

extension EPCISProblem {
    /// A sentence suitable for an operator-facing error message.
    public var message: String {
        switch self {
        case .missing: "required field is missing"
        case .wrongType(let expected, let found): "expected \(expected), found \(found)"
        case .invalidTimestamp(let v): "'\(v)' is not a timestamp like 2025-03-14T09:15:02.481+07:00 (date, time and offset required)"
        case .invalidTimeZoneOffset(let v): "'\(v)' is not a UTC offset like +07:00"
        case .unknownEventType(let v): "'\(v)' is not an EPCIS event type"
        case .unsupportedEventType(let v): "\(v) is not supported; only ObjectEvent and AggregationEvent are accepted"
        case .invalidAction(let v): "'\(v)' is not an action; use ADD, OBSERVE or DELETE"
        case .invalidVocabulary(let v): "'\(v)' is neither a CBV 2.0 term nor an absolute URI"
        case .invalidURI(let v): "'\(v)' is not an absolute URI"
        case .invalidValue(let v, let expected): "'\(v)' is invalid; expected \(expected)"
        case .unknownField: "unknown field"
        case .unsupportedField: "field is valid EPCIS but not supported by this system"
        case .undeclaredPrefix(let p): "prefix '\(p)' is not declared in @context"
        case .unsupportedContext(let v): "@context entry \(v) is not supported"
        case .ruleViolation(let rule): rule
        }
    }
}

/// Why incoming bytes were not accepted as an EPCIS document or event.
public enum EPCISDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not JSON; `byteOffset` is where parsing stopped.
    case malformedJSON(byteOffset: Int, reason: String)
    /// The JSON is not a valid EPCIS document/event; every problem found is listed, in
    /// document order (capped at ``EPCISDecodingError/maximumIssues``).
    case invalid([EPCISIssue])

    /// More issues than this are not collected: a broken generator would otherwise produce
    /// one per event and bury the first, most useful one.
    public static let maximumIssues = 100

    /// The validation issues (empty for malformed JSON).
    public var issues: [EPCISIssue] {
        if case .invalid(let issues) = self { issues } else { [] }
    }

    /// One line per issue.
    public var description: String {
        switch self {
        case .malformedJSON(let offset, let reason): "malformed JSON at byte \(offset): \(reason)"
        case .invalid(let issues): issues.map(\.description).joined(separator: "\n")
        }
    }
}
