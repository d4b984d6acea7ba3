import Foundation
import Hummingbird
import NIOCore
import QuarryDrift
import QuarryStore

extension Handlers {
    /// `GET /v1/collections/{name}/drift` (read scope): the verdicts of the collection's latest
    /// stored drift check, without histograms.
    ///
    /// Served from the report `quarry drift queries` (or `drift check` with a query-log current
    /// side) stored beside the collection, not computed per request: a check embeds up to a
    /// thousand queries and runs permutation tests, seconds of CPU that a GET must not cost,
    /// and a scheduled check (cron) gives every reader the same answer with its run id and time.
    /// 404 when the collection does not exist or has no stored check yet.
    func registerDrift(on router: Router<QuarryRequestContext>) {
        router.get("/v1/collections/{name}/drift") { _, context in
            return try self.drift(try context.pathParameter("name"))
        }
    }

    func drift(_ name: String) throws -> Response {
        _ = try CollectionReader(home: pool.home, name: name)
        guard let report = try DriftReportStore(home: pool.home).latest(name) else {
            throw Problem(.notFound, "collection '\(name)' has no drift check yet; run `quarry drift queries --collection \(name)` (e.g. daily from cron)")
        }
        let body = try DriftVerdicts(report, collection: name).encoded()
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
