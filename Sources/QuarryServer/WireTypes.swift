import Foundation
import QuarryGenerate
import QuarryRetrieve

/// The body of `POST …/search` and `POST …/query`: the CLI's options as JSON.
struct RetrievalBody: Sendable {
    var query: String
    var mode: SearchMode?
    var k: Int?
    var filter: [String]
    var rerank: Bool
    var explain: Bool
    var mmr: Double?
    var stream: Bool

    static let searchKeys: Set<String> = ["query", "mode", "k", "filter", "rerank", "explain", "mmr"]
    static let queryKeys: Set<String> = searchKeys.union(["stream"])

    /// Parses strictly: an unknown key, a wrong type or a missing query is a 400 that names
    /// the key (a silently ignored misspelt option is a bug the client never sees).
    static func parse(_ data: Data, allowed: Set<String>) throws -> RetrievalBody {
        guard !data.isEmpty else { throw Problem(.badRequest, "request body required: a JSON object with \"query\"") }
        try RequestBody.checkKeys(data, allowed: allowed)
        struct Raw: Decodable {
            var query: String?
            var mode: String?
            var k: Int?
            var filter: [String]?
            var rerank: Bool?
            var explain: Bool?
            var mmr: Double?
            var stream: Bool?
        }
        let raw: Raw
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
        } catch let error as DecodingError {
            throw Problem(.badRequest, "the body is not the expected JSON: " + ErrorMapping.describe(error)
                + " (query: string, mode: string, k: integer, filter: [string], rerank/explain/stream: boolean, mmr: number)")
        }
        guard let query = raw.query else { throw Problem(.badRequest, "\"query\" is required") }
        var mode: SearchMode?
        if let name = raw.mode {
            guard let parsed = SearchMode(rawValue: name) else { throw Problem(.badRequest, "\"mode\" must be hybrid, dense or lexical") }
            mode = parsed
        }
        return RetrievalBody(query: query, mode: mode, k: raw.k, filter: raw.filter ?? [], rerank: raw.rerank ?? false,
                             explain: raw.explain ?? false, mmr: raw.mmr, stream: raw.stream ?? false)
    }
}

/// The answer of `POST …/search`.
struct SearchResponse: Encodable {
    var collection: String
    var generation: Int
    var mode: SearchMode
    var hits: [SearchHit]
    var timingsMilliseconds: [String: Double]
    var denseTrust: Double?
    var reranker: String?
    var notes: [String]

    enum CodingKeys: String, CodingKey {
        case collection, generation, mode, hits, timingsMilliseconds = "timings_ms", denseTrust = "dense_trust", reranker, notes
    }
}
