import Foundation
import Hummingbird
import Station
import Trace

/// JSON answers of the local API, and domain errors turned into 4xx answers with their own sentence.
enum APIAnswer {
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        try CatalogRoutes.json(value, status: status)
    }

    static func error(_ message: String, status: HTTPResponse.Status) throws -> Response {
        try json(CatalogRoutes.APIError(error: message), status: status)
    }

    /// Runs `body`; a domain error becomes an answer with the status that fits it.
    static func failable(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch {
            if let storage = StoreError.classify(error) {
                return try self.error(storage.description, status: storage == .diskFull(path: storage.path) ? HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage") : .serviceUnavailable)
            }
            guard let status = status(for: error) else { throw error }
            return try self.error(String(describing: error), status: status)
        }
    }

    static func status(for error: any Error) -> HTTPResponse.Status? {
        switch error {
        case let e as PrintJobError:
            switch e {
            case .unknownJob: return .notFound
            case .invalidCount, .notInJob: return .unprocessableContent
            case .notResumable, .unresolved, .expired: return .conflict
            }
        case let e as CatalogError:
            switch e {
            case .unknownProduct, .unknownBatch: return .notFound
            case .duplicateBatch, .batchClosed: return .conflict
            default: return .unprocessableContent
            }
        case let e as LedgerError:
            switch e {
            case .unknownSerial, .notReserved: return .notFound
            case .reasonRequired: return .unprocessableContent
            default: return .conflict
            }
        case is StationError, is LabelFactoryError, is APIInputError: return .unprocessableContent
        case is DecodingError: return .badRequest
        default: return nil
        }
    }
}

/// A request the API cannot act on, in the operator's words.
struct APIInputError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
