import Foundation
import Hummingbird
import NIOCore
import QuarryCore
import QuarryEmbed
import QuarryIngest
import QuarryStore
import QuarryText

/// `POST /v1/collections/{name}/documents` and `DELETE …/documents/{id}`: writes through the
/// collection's single writer, with the CLI's chunking and embedding. Readers keep
/// answering from the previous generation until the commit is visible.
extension Handlers {
    static let maxDocumentsPerRequest = 1000

    struct DocumentsBody: Decodable {
        struct Document: Decodable {
            var id: String
            var title: String?
            var text: String
            var metadata: [String: JSONValue]?
        }
        var documents: [Document]?
        var delete: [String]?
    }

    struct WriteResult: Encodable {
        var collection: String
        var generation: Int
        var added: Int
        var replaced: Int
        var unchanged: Int
        var deleted: Int
        var chunksAdded: Int
        var failed: [String]
        enum CodingKeys: String, CodingKey {
            case collection, generation, added, replaced, unchanged, deleted, chunksAdded = "chunks_added", failed
        }
    }

    func registerDocuments(on router: Router<QuarryRequestContext>) {
        router.post("/v1/collections/{name}/documents") { request, context in
            let name = try context.pathParameter("name")
            try CollectionName.validate(name)
            let body: DocumentsBody = try await decode(request, keys: ["documents", "delete"],
                                                       shape: "documents: [{id, text, title?, metadata?}], delete?: [id]")
            let documents = body.documents ?? []
            let deletions = body.delete ?? []
            guard !documents.isEmpty || !deletions.isEmpty else { throw Problem(.badRequest, "give \"documents\" or \"delete\"") }
            if documents.isEmpty {
                // Deleting from a collection that does not exist must not create it.
                _ = try CollectionReader(home: pool.home, name: name)
            }
            guard documents.count + deletions.count <= Self.maxDocumentsPerRequest else {
                throw Problem(.badRequest, "at most \(Self.maxDocumentsPerRequest) documents and deletions per request")
            }
            var seen = Set<String>()
            let inputs = try documents.enumerated().map { index, document -> InputDocument in
                let id = DocumentID.normalize(document.id)
                if let problem = DocumentID.problem(id) { throw Problem(.badRequest, "documents[\(index)].id: \(problem)") }
                guard seen.insert(id).inserted else { throw Problem(.badRequest, "documents[\(index)].id \"\(id)\" appears twice") }
                guard !document.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw Problem(.badRequest, "documents[\(index)].text is empty")
                }
                let metadata = try document.metadata.map { String(decoding: try WireJSON.encoder.encode($0), as: UTF8.self) } ?? "{}"
                return InputDocument(id: id, title: document.title ?? "", text: document.text, metadata: metadata)
            }
            let result = try await write(name, documents: inputs, deletions: deletions.map(DocumentID.normalize))
            return try Self.json(result)
        }
        router.delete("/v1/collections/{name}/documents/{id}") { _, context in
            let name = try context.pathParameter("name")
            let id = DocumentID.normalize(try context.pathParameter("id"))
            let reader = try CollectionReader(home: pool.home, name: name)
            guard try reader.document(id) != nil else { throw Problem(.notFound, "collection '\(name)' has no document \"\(id)\"") }
            return try Self.json(try await write(name, documents: [], deletions: [id]))
        }
    }

    /// One commit on the collection's write queue.
    func write(_ name: String, documents: [InputDocument], deletions: [String]) async throws -> WriteResult {
        let home = pool.home
        let configuration = pool.factory.configuration
        let configured = pool.factory.embedder
        let catalog = pool.factory.embedders
        let summary = try await writes.run(name) { () async throws -> IngestSummary in
            let existing = try? CollectionReader(home: home, name: name).manifest.settings
            let identity = existing.map { $0.embedder } ?? configured?.identity
            var embedder = configured
            if let identity, identity != configured?.identity {
                // The collection's own model (multilingual-e5 for one, MiniLM for another).
                do {
                    embedder = try await catalog.embedder(for: identity)
                } catch let error as EmbedError {
                    throw Problem(.conflict, "collection '\(name)' was embedded with \(identity); \(error.message), so this server cannot add documents to it")
                }
            }
            let settings = existing ?? CollectionSettings(analyzer: configuration.analysis.analyzer, chunking: configuration.chunking,
                                                          tokenCounter: embedder?.tokenCounter?.name ?? WordTokenCounter().name,
                                                          embedder: embedder?.identity)
            var options = IngestOptions(paths: [], collection: name, settings: settings)
            options.embedder = settings.embedder == nil ? nil : embedder
            options.ingest = configuration.ingest
            options.command = "quarry serve: POST /v1/collections/\(name)/documents"
            return try await Ingestor(home: home, options: options).upsert(documents, deleting: deletions)
        }
        // Committed, not yet acknowledged: a kill here leaves a write the client never saw
        // answered, which must be wholly present.
        Failpoint.hit("server.write-committed")
        return WriteResult(collection: name, generation: summary.generation, added: summary.added, replaced: summary.replaced,
                           unchanged: summary.unchanged, deleted: summary.deleted, chunksAdded: summary.chunksAdded,
                           failed: summary.failed.map { "\($0.path): \($0.reason)" })
    }
}

/// Any JSON value, for metadata passed through unchanged.
enum JSONValue: Codable, Sendable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
