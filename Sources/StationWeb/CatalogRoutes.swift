import Foundation
import Hummingbird
import Station
import Trace

/// Products and batches over the local API (the same operations as `station product` / `station batch`).
enum CatalogRoutes {
    struct NewProduct: Decodable {
        let gtin: String
        let name: String
        let producer: String
        let producerGLN: String
        let producerAddress: String?
        let template: String?
        let serialFormat: String?
        let shelfLifeDays: Int?
    }

    struct NewBatch: Decodable {
        let gtin: String
        let lot: String
        let productionDate: String
        let expiryDate: String?
        let plannedQuantity: Int
    }

    struct APIError: Encodable { let error: String }

    static func add(to router: Router<BasicRequestContext>, core: StationCore) {
        let catalog = core.trace.catalog
        router.get("/api/products") { _, _ in try json(catalog.products()) }
        router.post("/api/products") { request, context -> Response in
            let p = try await request.decode(as: NewProduct.self, context: context)
            guard let format = SerialFormat(rawValue: p.serialFormat ?? "random") else {
                return try json(APIError(error: "serialFormat must be random or sequential"), status: .badRequest)
            }
            return try failable {
                try json(catalog.addProduct(Product(gtin: p.gtin, name: p.name, producer: p.producer, producerAddress: p.producerAddress ?? "",
                                                    producerGLN: p.producerGLN, template: p.template ?? "mien-dong-50x30",
                                                    serialFormat: format, shelfLifeDays: p.shelfLifeDays)), status: .created)
            }
        }
        router.get("/api/batches") { request, _ -> Response in
            let status = request.uri.queryParameters.get("status").flatMap(Batch.Status.init(rawValue:))
            return try json(catalog.batches(status: status))
        }
        router.post("/api/batches") { request, context -> Response in
            let b = try await request.decode(as: NewBatch.self, context: context)
            return try failable {
                try json(catalog.createBatch(gtin: b.gtin, lot: b.lot, productionDate: b.productionDate, expiryDate: b.expiryDate,
                                             plannedQuantity: b.plannedQuantity), status: .created)
            }
        }
        router.get("/api/batches/{id}") { _, context -> Response in
            let id = try context.parameters.require("id")
            return try failable { try json(catalog.batch(named: id)) }
        }
        router.post("/api/batches/{id}/close") { _, context -> Response in
            let id = try context.parameters.require("id")
            return try failable { try json(catalog.closeBatch(id: try catalog.batch(named: id).id)) }
        }
    }

    /// Domain errors become 4xx answers with the error's own sentence.
    static func failable(_ body: () throws -> Response) throws -> Response {
        do { return try body() } catch let e as CatalogError {
            let status: HTTPResponse.Status
            switch e {
            case .unknownProduct, .unknownBatch: status = .notFound
            case .duplicateBatch: status = .conflict
            default: status = .unprocessableContent
            }
            return try json(APIError(error: e.description), status: status)
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try enc.encode(value))))
    }
}
