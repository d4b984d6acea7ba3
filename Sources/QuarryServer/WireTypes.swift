import Foundation
import QuarryGenerate
import QuarryRetrieve

/// The body of `POST …/search` and `POST …/query`: the query, how to answer, and the
/// retrieval overrides the CLI's flags also decode into (the server accepts the keys in
/// `searchKeys`/`queryKeys`).
struct RetrievalBody: Sendable {
    var query: String
    var explain: Bool
    var stream: Bool
    var overrides: RetrievalOverrides

    static let searchKeys: Set<String> = ["query", "mode", "k", "filter", "rerank", "explain", "mmr"]
    static let queryKeys: Set<String> = searchKeys.union(["stream"])

    /// Parses strictly: an unknown key, a wrong type or a missing query is a 400 that names
    /// the key (a silently ignored misspelt option is a bug the client never sees).
    static func parse(_ data: Data, allowed: Set<String>) throws -> RetrievalBody {
        guard !data.isEmpty else { throw Problem(.badRequest, "request body required: a JSON object with \"query\"") }
        try RequestBody.checkKeys(data, allowed: allowed)
        struct Raw: Decodable {
            var query: String?
            var explain: Bool?
            var stream: Bool?
        }
        let raw: Raw
        let overrides: RetrievalOverrides
        do {
            raw = try JSONDecoder().decode(Raw.self, from: data)
            overrides = try JSONDecoder().decode(RetrievalOverrides.self, from: data)
        } catch let error as DecodingError {
            throw Problem(.badRequest, "the body is not the expected JSON: " + ErrorMapping.describe(error)
                + " (query: string, mode: string, k: integer, filter: [string], rerank/explain/stream: boolean, mmr: number)")
        }
        guard let query = raw.query else { throw Problem(.badRequest, "\"query\" is required") }
        return RetrievalBody(query: query, explain: raw.explain ?? false, stream: raw.stream ?? false, overrides: overrides)
    }
}

