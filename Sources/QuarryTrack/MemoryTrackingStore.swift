import Foundation
import QuarryCore

/// The in-memory twin of `SQLiteTrackingStore`: the same runs, params, metrics, artifacts
/// and registry with the same rules (`TrackingRules`), errors and orders, held in memory
/// behind one lock. `TrackingConformanceTests` runs one suite on both; it is also a
/// tracking store for tests and for programs that embed Quarry without a home.
public final class MemoryTrackingStore: TrackingStore, RegistryStore, @unchecked Sendable {
    private struct StoredRun {
        var info: RunInfo
        var seq: Int
        var params: [String: String] = [:]
        var metrics: [MetricPoint] = []
        var artifacts: [String: ArtifactRecord] = [:]
    }

    private struct StoredPipeline {
        var versions: [PipelineVersion] = []
        var aliases: [String: Int] = [:]
        var history: [AliasEvent] = []
    }

    private let lock = NSLock()
    private var runs: [String: StoredRun] = [:]
    private var experimentList: [Experiment] = []
    private var nextSeq = 1
    private var contents: [String: [UInt8]] = [:]
    private var pipelines: [String: StoredPipeline] = [:]

    public init() {}

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func stored(_ id: String) throws -> StoredRun {
        guard let run = runs[id] else { throw TrackingError.noRun(id) }
        return run
    }

    // MARK: runs

    public func startRun(experiment: String, name: String, source: String, gitCommit: String?, configHash: String?,
                         tags: [String: String]) throws -> String {
        try TrackingRules.checkStart(experiment: experiment, name: name, tags: tags)
        let id = TrackingRules.newRunID()
        let now = Timestamp.now()
        locked {
            if !experimentList.contains(where: { $0.name == experiment }) {
                experimentList.append(Experiment(id: Int64(experimentList.count + 1), name: experiment, createdAt: now))
            }
            let info = RunInfo(id: id, experiment: experiment, name: name, status: .running, startTime: now, endTime: nil,
                               source: TrackingRules.source(source), gitCommit: gitCommit, configHash: configHash,
                               tags: tags.mapValues(TrackingRules.tagValue))
            runs[id] = StoredRun(info: info, seq: nextSeq)
            nextSeq += 1
        }
        return id
    }

    public func endRun(_ id: String, status: RunStatus) throws {
        try TrackingRules.checkEnd(status)
        try locked {
            var run = try stored(id)
            run.info.status = status
            run.info.endTime = Timestamp.now()
            runs[id] = run
        }
    }

    public func logBatch(_ run: String, _ batch: RunBatch) throws {
        try batch.check()
        let now = Timestamp.now()
        try locked {
            // Changes go to a copy, stored only when the whole batch is accepted.
            var stored = try stored(run)
            for (key, value) in batch.params {
                if let existing = stored.params[key] {
                    try TrackingRules.checkUnchanged(run: run, key: key, existing: existing, value: value)
                } else {
                    stored.params[key] = value
                }
            }
            for (key, value) in batch.tags { stored.info.tags[key] = TrackingRules.tagValue(value) }
            for (key, value, step) in batch.metrics { stored.metrics.append(MetricPoint(key: key, value: value, step: step, timestamp: now)) }
            runs[run] = stored
        }
    }

    public func run(_ id: String) throws -> RunDetails {
        try locked {
            let run = try stored(id)
            return RunDetails(run: run.info, params: run.params, metrics: Self.latest(run.metrics),
                              artifacts: run.artifacts.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
        }
    }

    public func searchRuns(experiment: String?, filter: RunFilter, limit: Int) throws -> [RunInfo] {
        locked {
            runs.values
                .filter { experiment == nil || $0.info.experiment == experiment }
                .filter { filter.matches($0.info, params: $0.params, latestMetrics: Self.latest($0.metrics)) }
                .sorted { $0.seq > $1.seq }
                .prefix(TrackingRules.limit(limit))
                .map(\.info)
        }
    }

    public func experiments() throws -> [Experiment] {
        locked { experimentList }
    }

    public func deleteRun(_ id: String) throws {
        try locked {
            _ = try stored(id)
            runs[id] = nil
        }
    }

    // MARK: metrics

    public func metricHistory(_ run: String, key: String) throws -> [MetricPoint] {
        try locked { try stored(run).metrics.filter { $0.key == key } }
    }

    /// The last logged value of each metric.
    private static func latest(_ points: [MetricPoint]) -> [String: Double] {
        var latest: [String: Double] = [:]
        for point in points { latest[point.key] = point.value }
        return latest
    }

    // MARK: artifacts

    public func logArtifact(_ run: String, name: String, data: [UInt8]) throws -> ArtifactRecord {
        try ArtifactStore.checkName(name)
        let digest = ContentHash.sha256(data)
        let record = ArtifactRecord(name: name, sha256: digest, size: data.count, createdAt: Timestamp.now())
        try locked {
            var stored = try stored(run)
            contents[digest] = data
            stored.artifacts[name] = record
            runs[run] = stored
        }
        return record
    }

    public func artifact(_ run: String, name: String) throws -> [UInt8] {
        try ArtifactStore.checkName(name)
        return try locked {
            guard let record = try stored(run).artifacts[name] else { throw TrackingError.noArtifact(run, name) }
            guard let data = contents[record.sha256], ContentHash.sha256(data) == record.sha256 else {
                throw TrackingError(.storage, "artifact \(record.sha256.prefix(12))… is damaged (its SHA-256 no longer matches)")
            }
            return data
        }
    }

    // MARK: registry

    public func appendVersion(_ draft: PipelineVersion, createdAt: String) throws -> PipelineVersion {
        locked {
            var pipeline = pipelines[draft.pipeline] ?? StoredPipeline()
            var version = draft
            version.version = (pipeline.versions.last?.version ?? 0) + 1
            version.createdAt = createdAt
            pipeline.versions.append(version)
            pipelines[draft.pipeline] = pipeline
            return version
        }
    }

    public func pipelineNames() throws -> [String] {
        locked { pipelines.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
    }

    public func versions(of pipeline: String) throws -> [PipelineVersion] {
        locked { pipelines[pipeline]?.versions ?? [] }
    }

    public func version(_ pipeline: String, _ number: Int) throws -> PipelineVersion? {
        locked { pipelines[pipeline]?.versions.first { $0.version == number } }
    }

    public func aliases(of pipeline: String) throws -> [String: Int] {
        locked { pipelines[pipeline]?.aliases ?? [:] }
    }

    public func moveAlias(_ pipeline: String, alias: String, to number: Int, actor: String, at: String, reason: String) throws {
        try locked {
            guard var stored = pipelines[pipeline], stored.versions.contains(where: { $0.version == number }) else {
                throw TrackingError.noVersion(pipeline, number)
            }
            stored.history.append(AliasEvent(pipeline: pipeline, alias: alias, fromVersion: stored.aliases[alias], toVersion: number,
                                             actor: actor, at: at, reason: reason))
            stored.aliases[alias] = number
            pipelines[pipeline] = stored
        }
    }

    public func history(of pipeline: String) throws -> [AliasEvent] {
        locked { pipelines[pipeline]?.history ?? [] }
    }
}
