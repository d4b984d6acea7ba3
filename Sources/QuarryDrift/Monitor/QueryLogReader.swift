import Foundation
import QuarryStore
import QuarryCore

/// Reads a window of a collection's query log (`<home>/collections/<name>/querylog.sqlite`,
/// written by `quarry serve`) through QuarryStore's `QueryLogFile`, which owns the format.
public enum QueryLogReader {
    /// Where the log of `collection` lives.
    public static func url(home: QuarryHome, collection: String) throws -> URL {
        try home.collectionDirectory(collection).appendingPathComponent(QueryLogFile.fileName)
    }

    /// The queries logged in `span` (start inclusive, end exclusive), oldest first.
    /// - Throws: `DriftError.Code.sourceNotFound` when the collection has no log yet.
    public static func read(home: QuarryHome, collection: String, span: Range<Date>) throws -> [ObservedQuery] {
        let url = try url(home: home, collection: collection)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DriftError(.sourceNotFound, "collection '\(collection)' has no query log yet (\(url.path)); `quarry serve` writes it "
                             + "as the collection answers /search and /query requests")
        }
        let logged: [QueryLogFile.LoggedQuery]
        do {
            logged = try QueryLogFile.read(directory: url.deletingLastPathComponent(), from: Timestamp.format(span.lowerBound),
                                           to: Timestamp.format(span.upperBound))
        } catch let error as StoreError {
            throw DriftError(.sourceUnavailable, "cannot read the query log \(url.path): \(error.message)")
        }
        return logged.map {
            ObservedQuery(text: $0.query, latencyMilliseconds: $0.latencyMilliseconds, mode: $0.mode, topScore: $0.scores.first, hitCount: $0.scores.count)
        }
    }
}
