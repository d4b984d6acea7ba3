import Foundation
import GRDB
import QuarryCore

/// One immutable version of a registered pipeline: everything needed to serve or reproduce
/// it — which collection generation (pinned by its MANIFEST checksum), which embedder,
/// reranker and prompt, the retrieval settings, the run that evaluated it and its metrics,
/// and a fingerprint of the corpus.
public struct PipelineVersion: Sendable, Codable, Equatable {
    public var pipeline: String
    public var version: Int
    public var createdAt: String
    public var collection: String
    public var generation: Int
    public var manifestChecksum: String
    public var embedder: String?
    public var reranker: String?
    public var prompt: String
    /// The retrieval settings (mode, k, fusion …) as strings.
    public var retrieval: [String: String]
    /// The tracking run whose metrics back this version, if any.
    public var sourceRun: String?
    public var metrics: [String: Double]
    /// SHA-256 over the sorted (document id, content hash) pairs of the collection.
    public var corpusFingerprint: String
    public var description: String

    public init(pipeline: String, collection: String, generation: Int, manifestChecksum: String, embedder: String?, reranker: String?,
                prompt: String, retrieval: [String: String], sourceRun: String?, metrics: [String: Double], corpusFingerprint: String,
                description: String = "") {
        self.pipeline = pipeline
        version = 0
        createdAt = ""
        self.collection = collection
        self.generation = generation
        self.manifestChecksum = manifestChecksum
        self.embedder = embedder
        self.reranker = reranker
        self.prompt = prompt
        self.retrieval = retrieval
        self.sourceRun = sourceRun
        self.metrics = metrics
        self.corpusFingerprint = corpusFingerprint
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, version, createdAt = "created_at", collection, generation, manifestChecksum = "manifest_checksum", embedder
        case reranker, prompt, retrieval, sourceRun = "source_run", metrics, corpusFingerprint = "corpus_fingerprint", description
    }
}

/// One move of an alias, for the audit log.
public struct AliasEvent: Sendable, Codable, Equatable {
    public var pipeline: String
    public var alias: String
    public var fromVersion: Int?
    public var toVersion: Int
    public var actor: String
    public var at: String
    public var reason: String

    enum CodingKeys: String, CodingKey {
        case pipeline, alias, fromVersion = "from_version", toVersion = "to_version", actor, at, reason
    }
}

/// A promotion requirement such as `ndcg@10>=0.35`, checked against a version's metrics: the same `MetricThreshold` an eval suite's gates use.
public typealias Requirement = MetricThreshold

extension MetricThreshold {
    /// Parses a requirement and checks its metric as a tracking metric name.
    /// - Throws: `TrackingError(.invalidValue)` with the expected form.
    public static func parse(_ text: String) throws -> Requirement {
        do {
            let requirement = try MetricThreshold(parsing: text)
            try TrackingNames.check(requirement.metric, kind: "metric")
            return requirement
        } catch let error as MetricThreshold.ParseError {
            throw TrackingError(.invalidValue, "requirement \"\(text)\": \(error); expected METRIC>=NUMBER (or >, <=, <), e.g. ndcg@10>=0.35")
        }
    }
}

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

/// Registered pipelines, their immutable versions and movable aliases (`production`,
/// `staging`, any name), stored beside the runs. Every alias move is logged with who moved
/// it, when and why; rollback is moving the alias back. Promotion can be gated on the
/// version's metrics.
public struct Registry: Sendable {
    public let store: SQLiteTrackingStore

    public init(store: SQLiteTrackingStore) {
        self.store = store
    }

    static func checkPipeline(_ name: String) throws {
        do {
            try CollectionName.validate(name)
        } catch {
            throw TrackingError(.invalidName, "pipeline name \(String(reflecting: name)): use \(CollectionName.rule)")
        }
    }

    /// Registers `draft` as the pipeline's next version (1, 2, …) and returns it.
    public func register(_ draft: PipelineVersion) throws -> PipelineVersion {
        try Self.checkPipeline(draft.pipeline)
        return try store.write { db in
            let now = Timestamp.now()
            try db.execute(sql: "INSERT OR IGNORE INTO pipelines(name, created_at) VALUES (?, ?)", arguments: [draft.pipeline, now])
            let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM versions WHERE pipeline = ?", arguments: [draft.pipeline]) ?? 0) + 1
            var version = draft
            version.version = next
            version.createdAt = now
            let body = String(decoding: try JSONEncoder().encode(version), as: UTF8.self)
            try db.execute(sql: "INSERT INTO versions(pipeline, version, body) VALUES (?, ?, ?)", arguments: [draft.pipeline, next, body])
            return version
        }
    }

    public func pipelines() throws -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "SELECT name FROM pipelines ORDER BY name") }
    }

    public func versions(of pipeline: String) throws -> [PipelineVersion] {
        try store.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM versions WHERE pipeline = ? ORDER BY version", arguments: [pipeline])
                .map { try JSONDecoder().decode(PipelineVersion.self, from: Data($0.utf8)) }
        }
    }

    public func version(_ pipeline: String, _ number: Int) throws -> PipelineVersion {
        try store.read { db in try Self.version(db, pipeline, number) }
    }

    static func version(_ db: Database, _ pipeline: String, _ number: Int) throws -> PipelineVersion {
        guard let body = try String.fetchOne(db, sql: "SELECT body FROM versions WHERE pipeline = ? AND version = ?",
                                             arguments: [pipeline, number]) else {
            throw TrackingError(.notFound, "pipeline \(pipeline) has no version \(number) (see `quarry registry show \(pipeline)`)")
        }
        return try JSONDecoder().decode(PipelineVersion.self, from: Data(body.utf8))
    }

    /// alias → version for a pipeline.
    public func aliases(of pipeline: String) throws -> [String: Int] {
        try store.read { db in
            var aliases: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT alias, version FROM aliases WHERE pipeline = ?", arguments: [pipeline]) {
                aliases[row[0]] = row[1]
            }
            return aliases
        }
    }

    /// The version an alias points at (`NAME@production`), or a version number (`NAME@3`).
    public func resolve(_ pipeline: String, _ reference: String) throws -> PipelineVersion {
        if let number = Int(reference) { return try version(pipeline, number) }
        guard let number = try aliases(of: pipeline)[reference] else {
            throw TrackingError(.notFound, "pipeline \(pipeline) has no alias \(reference)")
        }
        return try version(pipeline, number)
    }

    /// Points `alias` at `version` (which must exist), logging the move.
    public func setAlias(_ pipeline: String, alias: String, version number: Int, actor: String, reason: String) throws {
        try TrackingNames.check(alias, kind: "alias", limit: 64)
        try store.write { db in
            _ = try Self.version(db, pipeline, number)
            let previous = try Int.fetchOne(db, sql: "SELECT version FROM aliases WHERE pipeline = ? AND alias = ?", arguments: [pipeline, alias])
            try db.execute(sql: """
                INSERT INTO aliases(pipeline, alias, version) VALUES (?, ?, ?)
                ON CONFLICT(pipeline, alias) DO UPDATE SET version = excluded.version
                """, arguments: [pipeline, alias, number])
            try db.execute(sql: "INSERT INTO alias_history(pipeline, alias, from_version, to_version, actor, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           arguments: [pipeline, alias, previous, number, actor, Timestamp.now(), reason])
        }
    }

    /// Moves `alias` to `version` when every requirement holds on the version's metrics.
    /// - Throws: `TrackingError(.gateFailed)` naming each failing metric, its value and the
    ///   requirement; the alias does not move.
    public func promote(_ pipeline: String, version number: Int, alias: String, requirements: [Requirement], actor: String) throws {
        let version = try version(pipeline, number)
        var failures: [String] = []
        for requirement in requirements {
            if let value = version.metrics[requirement.metric] {
                if !requirement.holds(value) { failures.append("\(requirement.metric) is \(String(format: "%.4f", value)), needs \(requirement.comparison.rawValue) \(requirement.threshold)") }
            } else {
                failures.append("\(requirement.metric) was not measured for version \(number) (metrics: \(version.metrics.keys.sorted().joined(separator: ", ")))")
            }
        }
        guard failures.isEmpty else {
            throw TrackingError(.gateFailed, "refusing to promote \(pipeline) version \(number) to \(alias): " + failures.joined(separator: "; "))
        }
        let reason = requirements.isEmpty ? "promote" : "promote (" + requirements.map(\.description).joined(separator: ", ") + ")"
        try setAlias(pipeline, alias: alias, version: number, actor: actor, reason: reason)
    }

    /// Every alias move of a pipeline, oldest first.
    public func history(of pipeline: String) throws -> [AliasEvent] {
        try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT pipeline, alias, from_version, to_version, actor, at, reason FROM alias_history WHERE pipeline = ? ORDER BY seq
                """, arguments: [pipeline])
                .map { AliasEvent(pipeline: $0[0], alias: $0[1], fromVersion: $0[2], toVersion: $0[3], actor: $0[4], at: $0[5], reason: $0[6]) }
        }
    }
}
