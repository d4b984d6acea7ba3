import Foundation
import GRDB
import QuarryCore
import QuarryStore

/// Tracking in SQLite: `<home>/tracking.sqlite` (WAL, full fsync, 10 s busy timeout, so
/// several processes can log at once and each commit is durable) and artifacts in
/// `<home>/artifacts`.
///
/// Metric points keep their logging order in an autoincrement `seq`, so history and
/// "latest" never depend on clock resolution.
public final class SQLiteTrackingStore: TrackingStore, RegistryStore, @unchecked Sendable {
    public let database: DatabaseQueue
    public let artifacts: ArtifactStore

    /// Opens (creating) the store of a Quarry home.
    public convenience init(home: QuarryHome) throws {
        try FileManager.default.createDirectory(at: home.url, withIntermediateDirectories: true)
        try self.init(path: home.url.appendingPathComponent("tracking.sqlite").path,
                      artifacts: ArtifactStore(root: home.url.appendingPathComponent("artifacts")))
    }

    public init(path: String, artifacts: ArtifactStore) throws {
        try SQLitePages.install()
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try SQLitePages.reserveIfNew(db)
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw TrackingError(.storage, "cannot open the tracking store \(path): \(SQLitePages.describe(error))")
        }
        self.artifacts = artifacts
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE experiments(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
                CREATE TABLE runs(
                    id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiments(id),
                    name TEXT NOT NULL, status TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT,
                    source TEXT NOT NULL, git_commit TEXT, config_hash TEXT, seq INTEGER NOT NULL);
                CREATE INDEX runs_experiment ON runs(experiment_id, seq);
                CREATE TABLE params(run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL,
                    value TEXT NOT NULL, PRIMARY KEY(run_id, key));
                CREATE TABLE tags(run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, key TEXT NOT NULL,
                    value TEXT NOT NULL, PRIMARY KEY(run_id, key));
                CREATE TABLE metrics(seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    key TEXT NOT NULL, value REAL NOT NULL, step INTEGER NOT NULL, timestamp TEXT NOT NULL);
                CREATE INDEX metrics_run_key ON metrics(run_id, key, seq);
                CREATE TABLE artifacts(run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, name TEXT NOT NULL,
                    sha256 TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY(run_id, name));
                """)
            try RegistrySchema.create(db)
        }
        return migrator
    }

    /// Runs `body` in a write transaction, turning SQLite errors into `TrackingError`.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            let result = try database.write { db in
                let result = try body(db)
                Failpoint.hit("track.before-commit")
                return result
            }
            Failpoint.hit("track.committed")
            return result
        } catch let error as DatabaseError {
            throw TrackingError(.storage, "tracking store \(database.path): \(SQLitePages.describe(error))")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw TrackingError(.storage, "tracking store \(database.path): \(SQLitePages.describe(error))")
        }
    }

    static func requireRun(_ db: Database, _ id: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM runs WHERE id = ?", arguments: [id]) == true else { throw TrackingError.noRun(id) }
    }

    public func startRun(experiment: String, name: String, source: String, gitCommit: String?, configHash: String?,
                         tags: [String: String]) throws -> String {
        try TrackingRules.checkStart(experiment: experiment, name: name, tags: tags)
        let id = TrackingRules.newRunID()
        let now = Timestamp.now()
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO experiments(name, created_at) VALUES (?, ?)", arguments: [experiment, now])
            let experimentID = try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE name = ?", arguments: [experiment])!
            let seq = (try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM runs") ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO runs(id, experiment_id, name, status, start_time, source, git_commit, config_hash, seq)
                VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)
                """, arguments: [id, experimentID, name, now, TrackingRules.source(source), gitCommit, configHash, seq])
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?)", arguments: [id, key, TrackingRules.tagValue(value)])
            }
        }
        return id
    }

    public func endRun(_ id: String, status: RunStatus) throws {
        try TrackingRules.checkEnd(status)
        try write { db in
            try Self.requireRun(db, id)
            try db.execute(sql: "UPDATE runs SET status = ?, end_time = ? WHERE id = ?", arguments: [status.rawValue, Timestamp.now(), id])
        }
    }

    public func logBatch(_ run: String, _ batch: RunBatch) throws {
        try batch.check()
        let now = Timestamp.now()
        try write { db in
            try Self.requireRun(db, run)
            for (key, value) in batch.params {
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM params WHERE run_id = ? AND key = ?", arguments: [run, key]) {
                    try TrackingRules.checkUnchanged(run: run, key: key, existing: existing, value: value)
                } else {
                    try db.execute(sql: "INSERT INTO params(run_id, key, value) VALUES (?, ?, ?)", arguments: [run, key, value])
                }
            }
            for (key, value) in batch.tags {
                try db.execute(sql: "INSERT INTO tags(run_id, key, value) VALUES (?, ?, ?) ON CONFLICT(run_id, key) DO UPDATE SET value = excluded.value",
                               arguments: [run, key, TrackingRules.tagValue(value)])
            }
            for (key, value, step) in batch.metrics {
                try db.execute(sql: "INSERT INTO metrics(run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)",
                               arguments: [run, key, value, step, now])
                Failpoint.hit("track.metric-inserted")
            }
        }
    }

    public func logArtifact(_ run: String, name: String, data: [UInt8]) throws -> ArtifactRecord {
        try ArtifactStore.checkName(name)
        try read { db in try Self.requireRun(db, run) }
        let digest = try artifacts.put(data)
        let record = ArtifactRecord(name: name, sha256: digest, size: data.count, createdAt: Timestamp.now())
        try write { db in
            try db.execute(sql: """
                INSERT INTO artifacts(run_id, name, sha256, size, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(run_id, name) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, created_at = excluded.created_at
                """, arguments: [run, name, digest, data.count, record.createdAt])
        }
        return record
    }

    public func artifact(_ run: String, name: String) throws -> [UInt8] {
        try ArtifactStore.checkName(name)
        let digest = try read { db -> String in
            try Self.requireRun(db, run)
            guard let digest = try String.fetchOne(db, sql: "SELECT sha256 FROM artifacts WHERE run_id = ? AND name = ?", arguments: [run, name]) else {
                throw TrackingError.noArtifact(run, name)
            }
            return digest
        }
        return try artifacts.get(digest)
    }

    static let runColumns = """
        SELECT r.id, e.name, r.name, r.status, r.start_time, r.end_time, r.source, r.git_commit, r.config_hash
        FROM runs r JOIN experiments e ON e.id = r.experiment_id
        """

    static func runInfo(_ row: Row, _ db: Database) throws -> RunInfo {
        let id: String = row[0]
        var tags: [String: String] = [:]
        for tag in try Row.fetchAll(db, sql: "SELECT key, value FROM tags WHERE run_id = ?", arguments: [id]) { tags[tag[0]] = tag[1] }
        return RunInfo(id: id, experiment: row[1], name: row[2], status: RunStatus(rawValue: row[3]) ?? .failed, startTime: row[4],
                       endTime: row[5], source: row[6], gitCommit: row[7], configHash: row[8], tags: tags)
    }

    public func run(_ id: String) throws -> RunDetails {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: Self.runColumns + " WHERE r.id = ?", arguments: [id]) else { throw TrackingError.noRun(id) }
            var params: [String: String] = [:]
            for p in try Row.fetchAll(db, sql: "SELECT key, value FROM params WHERE run_id = ?", arguments: [id]) { params[p[0]] = p[1] }
            var metrics: [String: Double] = [:]
            for m in try Row.fetchAll(db, sql: "SELECT key, value FROM metrics WHERE run_id = ? ORDER BY seq", arguments: [id]) { metrics[m[0]] = m[1] }
            let artifacts = try Row.fetchAll(db, sql: "SELECT name, sha256, size, created_at FROM artifacts WHERE run_id = ? ORDER BY name", arguments: [id])
                .map { ArtifactRecord(name: $0[0], sha256: $0[1], size: $0[2], createdAt: $0[3]) }
            return RunDetails(run: try Self.runInfo(row, db), params: params, metrics: metrics, artifacts: artifacts)
        }
    }

    public func metricHistory(_ run: String, key: String) throws -> [MetricPoint] {
        try read { db in
            try Self.requireRun(db, run)
            return try Row.fetchAll(db, sql: "SELECT key, value, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY seq",
                                    arguments: [run, key])
                .map { MetricPoint(key: $0[0], value: $0[1], step: $0[2], timestamp: $0[3]) }
        }
    }

    public func searchRuns(experiment: String?, filter: RunFilter, limit: Int = 100) throws -> [RunInfo] {
        let (condition, arguments) = filter.sql()
        return try read { db in
            var sql = Self.runColumns + " WHERE \(condition)"
            var values: [DatabaseValueConvertible] = arguments
            if let experiment {
                sql += " AND e.name = ?"
                values.append(experiment)
            }
            sql += " ORDER BY r.seq DESC LIMIT ?"
            values.append(TrackingRules.limit(limit))
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(values)).map { try Self.runInfo($0, db) }
        }
    }

    public func experiments() throws -> [Experiment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, created_at FROM experiments ORDER BY id").map { Experiment(id: $0[0], name: $0[1], createdAt: $0[2]) }
        }
    }

    /// Deletes a run and what was logged to it. Artifact files stay (other runs may share
    /// them by content); a registry version that names the run keeps its copy of the metrics.
    public func deleteRun(_ id: String) throws {
        try write { db in
            try Self.requireRun(db, id)
            try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id])
        }
    }
}
