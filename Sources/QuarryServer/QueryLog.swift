import Foundation
import GRDB
import QuarryCore

/// Every query a collection answers over HTTP — text, time, route, mode, latency, top hits
/// with scores, answer kind — in `querylog.sqlite` beside the collection's store, for drift
/// monitoring. A separate file so logging never takes the collection writer's lock; WAL
/// with synchronous=NORMAL, because losing the last few log lines in a power cut is
/// acceptable where losing documents is not.
final class QueryLog: @unchecked Sendable {
    let database: DatabaseQueue

    struct Record: Sendable {
        var route: String
        var query: String
        var mode: String
        var k: Int
        var latencyMilliseconds: Double
        var hits: [(docID: String, chunkID: Int64, score: Float)]
        var answerKind: String?
        var requestID: String
    }

    init(directory: URL) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        database = try DatabaseQueue(path: directory.appendingPathComponent("querylog.sqlite").path, configuration: configuration)
        try database.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS queries(
                    id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, route TEXT NOT NULL, query TEXT NOT NULL,
                    mode TEXT NOT NULL, k INTEGER NOT NULL, latency_ms REAL NOT NULL, hits TEXT NOT NULL,
                    answer_kind TEXT, request_id TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS queries_at ON queries(at);
                """)
        }
    }

    func append(_ record: Record) throws {
        let hits = record.hits.map { ["doc_id": $0.docID, "chunk_id": $0.chunkID, "score": Double($0.score)] as [String: Any] }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: hits, options: [.sortedKeys]), as: UTF8.self)
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO queries(at, route, query, mode, k, latency_ms, hits, answer_kind, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [Timestamp.now(), record.route, record.query, record.mode, record.k, record.latencyMilliseconds, json,
                                 record.answerKind, record.requestID])
        }
    }

    /// How many queries are logged (tests, /metrics).
    func count() throws -> Int {
        try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM queries") ?? 0 }
    }
}
