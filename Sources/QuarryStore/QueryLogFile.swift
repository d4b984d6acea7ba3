import Foundation
import GRDB
import QuarryCore

/// A collection's query log, `querylog.sqlite` beside its store: every query the server
/// answers (text, time, route, mode, k, latency, top hits with scores, answer kind, request id),
/// which drift monitoring reads back. One format, written and read only here.
///
/// A separate file so logging never takes the collection writer's lock; WAL with
/// synchronous=NORMAL, because losing the last few log lines in a power cut is acceptable
/// where losing documents is not. The format version is SQLite's `user_version`: readers
/// refuse a log written by a newer format instead of misreading it.
public enum QueryLogFile {
    /// The format this build writes and reads.
    public static let formatVersion = 1
    public static let fileName = "querylog.sqlite"

    /// One logged query.
    public struct Entry: Sendable, Equatable {
        public var route: String
        public var query: String
        public var mode: String
        public var k: Int
        public var latencyMilliseconds: Double
        /// Best first.
        public var hits: [Hit]
        public var answerKind: String?
        public var requestID: String

        public struct Hit: Sendable, Equatable {
            public var docID: String
            public var chunkID: Int64
            public var score: Float

            public init(docID: String, chunkID: Int64, score: Float) {
                self.docID = docID
                self.chunkID = chunkID
                self.score = score
            }
        }

        public init(route: String, query: String, mode: String, k: Int, latencyMilliseconds: Double, hits: [Hit], answerKind: String?,
                    requestID: String) {
            self.route = route
            self.query = query
            self.mode = mode
            self.k = k
            self.latencyMilliseconds = latencyMilliseconds
            self.hits = hits
            self.answerKind = answerKind
            self.requestID = requestID
        }
    }

    /// A query read back: what drift needs of it.
    public struct LoggedQuery: Sendable, Equatable {
        public var query: String
        public var mode: String
        public var latencyMilliseconds: Double
        /// The hits' scores, best first (empty when the row's hits are unreadable).
        public var scores: [Double]

        public init(query: String, mode: String, latencyMilliseconds: Double, scores: [Double]) {
            self.query = query
            self.mode = mode
            self.latencyMilliseconds = latencyMilliseconds
            self.scores = scores
        }
    }

    /// Appends to one collection's log (creating it).
    public final class Writer: @unchecked Sendable {
        let database: DatabaseQueue

        public init(directory: URL) throws {
            try SQLitePages.install()
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try SQLitePages.reserveIfNew(db)
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let path = directory.appendingPathComponent(QueryLogFile.fileName).path
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version <= QueryLogFile.formatVersion else {
                    throw StoreError(.unsupportedFormat, collection: "", "\(path) has query-log format v\(version); this build writes v\(QueryLogFile.formatVersion)")
                }
                // v1; logs from before the version was recorded have the same table.
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS queries(
                        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, route TEXT NOT NULL, query TEXT NOT NULL,
                        mode TEXT NOT NULL, k INTEGER NOT NULL, latency_ms REAL NOT NULL, hits TEXT NOT NULL,
                        answer_kind TEXT, request_id TEXT NOT NULL);
                    CREATE INDEX IF NOT EXISTS queries_at ON queries(at);
                    PRAGMA user_version = \(QueryLogFile.formatVersion);
                    """)
            }
        }

        /// Appends `entry`, stamped now (or at `timestamp`, a Quarry timestamp, when importing
        /// or back-filling a log).
        public func append(_ entry: Entry, at timestamp: String? = nil) throws {
            try append(contentsOf: [(entry, timestamp ?? Timestamp.now())])
        }

        /// Appends `entries` (each with its Quarry timestamp) in one transaction: the server
        /// writes its queued lines this way, one commit per flush instead of one per query.
        public func append(contentsOf entries: [(entry: Entry, at: String)]) throws {
            guard !entries.isEmpty else { return }
            try database.write { db in
                let statement = try db.cachedStatement(sql: """
                    INSERT INTO queries(at, route, query, mode, k, latency_ms, hits, answer_kind, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for (entry, at) in entries {
                    try statement.execute(arguments: [at, entry.route, entry.query, entry.mode, entry.k, entry.latencyMilliseconds,
                                                      QueryLogFile.hitsJSON(entry.hits), entry.answerKind, entry.requestID])
                }
            }
        }

        /// How many queries are logged.
        public func count() throws -> Int {
            try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queries") ?? 0 }
        }
    }

    /// The queries logged at `from ..< to` (Quarry timestamps, which sort as text), oldest
    /// first, read-only so a monitor can never lock out the server appending to the log.
    /// - Throws: `StoreError.notFound` when there is no log, `.unsupportedFormat` for a newer
    ///   format, `.database` when it cannot be read.
    public static func read(directory: URL, from: String, to: String) throws -> [LoggedQuery] {
        let url = directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw StoreError(.notFound, collection: "", "no query log at \(url.path)")
        }
        try SQLitePages.install()
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            let database = try DatabaseQueue(path: url.path, configuration: configuration)
            return try database.read { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                guard version <= formatVersion else {
                    throw StoreError(.unsupportedFormat, collection: "", "\(url.path) has query-log format v\(version); this build reads up to v\(formatVersion); upgrade quarry")
                }
                return try Row.fetchAll(db, sql: "SELECT query, mode, latency_ms, hits FROM queries WHERE at >= ? AND at < ? ORDER BY at, id",
                                        arguments: [from, to]).map {
                    LoggedQuery(query: $0[0], mode: $0[1], latencyMilliseconds: $0[2], scores: scores($0[3]))
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, collection: "", "cannot read the query log \(url.path): \(error)")
        }
    }

    /// `hits` as the log stores them, `[{"chunk_id":7,"doc_id":"a","score":0.75}]` (keys
    /// sorted, best first; a score that is not finite is `null`), written directly (see
    /// `JSONText`).
    public static func hitsJSON(_ hits: [Entry.Hit]) -> String {
        var out = "["
        out.reserveCapacity(2 + hits.count * 64)
        for (index, hit) in hits.enumerated() {
            if index > 0 { out += "," }
            out += "{\"chunk_id\":\(hit.chunkID),\"doc_id\":"
            JSONText.append(hit.docID, to: &out)
            out += ",\"score\":"
            out += hit.score.isFinite ? "\(Double(hit.score))" : "null"
            out += "}"
        }
        return out + "]"
    }

    /// The scores of a logged `hits` array (`[{doc_id, chunk_id, score}]`, best first);
    /// empty for anything unreadable.
    static func scores(_ json: String?) -> [Double] {
        guard let json, let array = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else { return [] }
        return array.compactMap { ($0["score"] as? NSNumber)?.doubleValue }
    }
}
