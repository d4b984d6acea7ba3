import Foundation

/// A group of runs (e.g. "ingest", "eval-msmarco").
public struct Experiment: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var createdAt: String

    enum CodingKeys: String, CodingKey { case id, name, createdAt = "created_at" }
}

/// Where a run is in its life.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running, finished, failed, killed
}

/// One run: what was executed, when, with which inputs, and how it ended.
public struct RunInfo: Sendable, Codable, Equatable {
    public var id: String
    public var experiment: String
    public var name: String
    public var status: RunStatus
    public var startTime: String
    public var endTime: String?
    /// The command line that started it.
    public var source: String
    /// The git commit of the working directory's repository, when there is one.
    public var gitCommit: String?
    /// SHA-256 of the effective configuration.
    public var configHash: String?
    public var tags: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, experiment, name, status, startTime = "start_time", endTime = "end_time", source
        case gitCommit = "git_commit", configHash = "config_hash", tags
    }
}

/// One logged value of a metric; a metric's history is its points in logging order.
/// Params, tags and metric points logged to a run together: all of them or none
/// (`RunStore.logBatch`, as MLflow's log-batch), so a command killed while logging leaves
/// nothing half logged and can simply be run again.
public struct RunBatch: Sendable {
    public var params: [(key: String, value: String)]
    public var tags: [(key: String, value: String)]
    public var metrics: [(key: String, value: Double, step: Int)]

    public init(params: [(key: String, value: String)] = [], tags: [(key: String, value: String)] = [],
                metrics: [(key: String, value: Double, step: Int)] = []) {
        self.params = params
        self.tags = tags
        self.metrics = metrics
    }

    /// Checks every entry's name and value (`logBatch` does too, before anything is stored).
    public func check() throws {
        for param in params { try TrackingRules.checkParam(key: param.key, value: param.value) }
        for tag in tags { try TrackingNames.check(tag.key, kind: "tag") }
        for metric in metrics { try TrackingRules.checkMetric(key: metric.key, value: metric.value) }
    }
}

public struct MetricPoint: Sendable, Codable, Equatable {
    public var key: String
    public var value: Double
    public var step: Int
    public var timestamp: String
}

/// A file stored with a run, by content.
public struct ArtifactRecord: Sendable, Codable, Equatable {
    public var name: String
    public var sha256: String
    public var size: Int
    public var createdAt: String

    enum CodingKeys: String, CodingKey { case name, sha256, size, createdAt = "created_at" }
}

/// A run with everything logged to it.
public struct RunDetails: Sendable, Codable, Equatable {
    public var run: RunInfo
    public var params: [String: String]
    /// The latest value of each metric.
    public var metrics: [String: Double]
    public var artifacts: [ArtifactRecord]
}

/// A tracking failure: a bad name, an immutable param changed, an unknown run.
public struct TrackingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case invalidName, immutableParam, notFound, invalidValue, unsafePath, gateFailed, conflict, storage
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Names of experiments, params, metrics, tags and artifacts: printable, bounded, no
/// control characters; artifact names are further restricted by `ArtifactStore`.
enum TrackingNames {
    static func check(_ value: String, kind: String, limit: Int = 250) throws {
        guard !value.isEmpty, value.count <= limit,
              value.unicodeScalars.allSatisfy({ scalar in
                  ("a" ... "z").contains(scalar) || ("A" ... "Z").contains(scalar) || ("0" ... "9").contains(scalar)
                      || "_-.@/: ".unicodeScalars.contains(scalar)
              }), value.first != " ", value.last != " " else {
            throw TrackingError(.invalidName, "\(kind) name \(String(reflecting: value)) must be 1-\(limit) of a-z A-Z 0-9 _ - . @ / : and inner spaces")
        }
    }
}
