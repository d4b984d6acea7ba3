import Foundation
import GRDB
import QuarryCore

/// Reads a window of a collection's query log (`<home>/collections/<name>/querylog.sqlite`,
/// written by `quarry serve`), read-only.
///
/// The log's `at` column holds Quarry timestamps (ISO 8601, UTC, milliseconds), which sort as
/// text, so a window is a range query on its index. Opened read-only so a monitor can never
/// lock out the server that appends to it.
public enum QueryLogReader {
    /// Where the log of `collection` lives.
    public static func url(home: QuarryHome, collection: String) throws -> URL {
        try home.collectionDirectory(collection).appendingPathComponent("querylog.sqlite")
    }

    /// The queries logged in `span` (start inclusive, end exclusive), oldest first.
    /// - Throws: `DriftError.Code.sourceNotFound` when the collection has no log yet.
    public static func read(home: QuarryHome, collection: String, span: Range<Date>) throws -> [ObservedQuery] {
        let url = try url(home: home, collection: collection)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DriftError(.sourceNotFound, "collection '\(collection)' has no query log yet (\(url.path)); `quarry serve` writes it "
                             + "as the collection answers /search and /query requests")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            throw DriftError(.sourceUnavailable, "cannot open the query log \(url.path): \(error)")
        }
        let rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT query, mode, latency_ms, hits FROM queries WHERE at >= ? AND at < ? ORDER BY at, id
                """, arguments: [Timestamp.format(span.lowerBound), Timestamp.format(span.upperBound)])
        }
        return rows.map { row in
            let hits = parseHits(row[3])
            return ObservedQuery(text: row[0], latencyMilliseconds: row[2], mode: row[1], topScore: hits.first, hitCount: hits.count)
        }
    }

    /// The scores of a logged `hits` array (`[{doc_id, chunk_id, score}]`, best first);
    /// empty for anything unreadable.
    static func parseHits(_ json: String?) -> [Double] {
        guard let json, let array = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { return [] }
        return array.compactMap { ($0["score"] as? NSNumber)?.doubleValue }
    }
}
