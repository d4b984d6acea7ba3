import Foundation
import GRDB
import QuarryCore

/// The registry's tables, beside the runs in `tracking.sqlite`.
enum RegistrySchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE pipelines(name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
            CREATE TABLE versions(
                pipeline TEXT NOT NULL REFERENCES pipelines(name), version INTEGER NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY(pipeline, version));
            CREATE TABLE aliases(pipeline TEXT NOT NULL REFERENCES pipelines(name), alias TEXT NOT NULL, version INTEGER NOT NULL,
                PRIMARY KEY(pipeline, alias));
            CREATE TABLE alias_history(seq INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT NOT NULL, alias TEXT NOT NULL,
                from_version INTEGER, to_version INTEGER NOT NULL, actor TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL);
            """)
    }
}

extension SQLiteTrackingStore {
    public func appendVersion(_ draft: PipelineVersion, createdAt: String) throws -> PipelineVersion {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO pipelines(name, created_at) VALUES (?, ?)", arguments: [draft.pipeline, createdAt])
            let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM versions WHERE pipeline = ?", arguments: [draft.pipeline]) ?? 0) + 1
            var version = draft
            version.version = next
            version.createdAt = createdAt
            let body = String(decoding: try JSONEncoder().encode(version), as: UTF8.self)
            try db.execute(sql: "INSERT INTO versions(pipeline, version, body) VALUES (?, ?, ?)", arguments: [draft.pipeline, next, body])
            return version
        }
    }

    public func pipelineNames() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM pipelines ORDER BY name") }
    }

    public func versions(of pipeline: String) throws -> [PipelineVersion] {
        try read { db in
            try String.fetchAll(db, sql: "SELECT body FROM versions WHERE pipeline = ? ORDER BY version", arguments: [pipeline])
                .map { try JSONDecoder().decode(PipelineVersion.self, from: Data($0.utf8)) }
        }
    }

    public func version(_ pipeline: String, _ number: Int) throws -> PipelineVersion? {
        try read { db in try Self.version(db, pipeline, number) }
    }

    static func version(_ db: Database, _ pipeline: String, _ number: Int) throws -> PipelineVersion? {
        try String.fetchOne(db, sql: "SELECT body FROM versions WHERE pipeline = ? AND version = ?", arguments: [pipeline, number])
            .map { try JSONDecoder().decode(PipelineVersion.self, from: Data($0.utf8)) }
    }

    public func aliases(of pipeline: String) throws -> [String: Int] {
        try read { db in
            var aliases: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT alias, version FROM aliases WHERE pipeline = ?", arguments: [pipeline]) {
                aliases[row[0]] = row[1]
            }
            return aliases
        }
    }

    public func moveAlias(_ pipeline: String, alias: String, to number: Int, actor: String, at: String, reason: String) throws {
        try write { db in
            guard try Self.version(db, pipeline, number) != nil else { throw TrackingError.noVersion(pipeline, number) }
            let previous = try Int.fetchOne(db, sql: "SELECT version FROM aliases WHERE pipeline = ? AND alias = ?", arguments: [pipeline, alias])
            try db.execute(sql: """
                INSERT INTO aliases(pipeline, alias, version) VALUES (?, ?, ?)
                ON CONFLICT(pipeline, alias) DO UPDATE SET version = excluded.version
                """, arguments: [pipeline, alias, number])
            Failpoint.hit("registry.alias-updated")
            try db.execute(sql: "INSERT INTO alias_history(pipeline, alias, from_version, to_version, actor, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [pipeline, alias, previous, number, actor, at, reason])
        }
    }

    public func history(of pipeline: String) throws -> [AliasEvent] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT pipeline, alias, from_version, to_version, actor, at, reason FROM alias_history WHERE pipeline = ? ORDER BY seq
                """, arguments: [pipeline])
                .map { AliasEvent(pipeline: $0[0], alias: $0[1], fromVersion: $0[2], toVersion: $0[3], actor: $0[4], at: $0[5], reason: $0[6]) }
        }
    }
}
