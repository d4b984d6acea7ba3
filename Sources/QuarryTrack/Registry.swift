import Foundation
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

/// Registered pipelines, their immutable versions and movable aliases (`production`,
/// `staging`, any name), stored beside the runs. Every alias move is logged with who moved
/// it, when and why; rollback is moving the alias back. Promotion can be gated on the
/// version's metrics.
public struct Registry: Sendable {
    public let store: any RegistryStore

    public init(store: any RegistryStore) {
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
        return try store.appendVersion(draft, createdAt: Timestamp.now())
    }

    public func pipelines() throws -> [String] {
        try store.pipelineNames()
    }

    public func versions(of pipeline: String) throws -> [PipelineVersion] {
        try store.versions(of: pipeline)
    }

    public func version(_ pipeline: String, _ number: Int) throws -> PipelineVersion {
        guard let version = try store.version(pipeline, number) else { throw TrackingError.noVersion(pipeline, number) }
        return version
    }

    /// alias → version for a pipeline.
    public func aliases(of pipeline: String) throws -> [String: Int] {
        try store.aliases(of: pipeline)
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
        try store.moveAlias(pipeline, alias: alias, to: number, actor: actor, at: Timestamp.now(), reason: reason)
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
        try store.history(of: pipeline)
    }
}
