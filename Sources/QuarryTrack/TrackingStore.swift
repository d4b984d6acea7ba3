/// The tracking seams, one per concern: every stage (ingest, eval, the server) reports runs
/// through these protocols, so a second backend (PostgreSQL, a remote tracking server) can
/// replace SQLite without touching them. `SQLiteTrackingStore` is the implementation and
/// `MemoryTrackingStore` its in-memory twin; `TrackingConformanceTests` runs one suite on
/// both.

/// Runs: their life, params, tags and search.
public protocol RunStore: Sendable {
    /// Starts a run in `experiment` (created when new) and returns its id.
    func startRun(experiment: String, name: String, source: String, gitCommit: String?, configHash: String?,
                  tags: [String: String]) throws -> String
    /// Ends a run with a final status (finished, failed or killed).
    func endRun(_ id: String, status: RunStatus) throws
    /// Logs a param. Params are immutable: the same value again is accepted, another value
    /// is `TrackingError.immutableParam`.
    func logParam(_ run: String, key: String, value: String) throws
    func setTag(_ run: String, key: String, value: String) throws
    /// Logs params, tags and metric points in one transaction: all or none. A param that
    /// differs from its logged value (or from itself within the batch) refuses the batch.
    func logBatch(_ run: String, _ batch: RunBatch) throws
    /// A run with its params, latest metrics and artifacts.
    func run(_ id: String) throws -> RunDetails
    /// Runs of an experiment (all when nil) meeting every condition of `filter`, newest first.
    func searchRuns(experiment: String?, filter: RunFilter, limit: Int) throws -> [RunInfo]
    func experiments() throws -> [Experiment]
    /// Deletes a run and what was logged to it (artifact contents may stay, shared by content).
    func deleteRun(_ id: String) throws
}

/// Metric points of runs.
public protocol MetricStore: Sendable {
    /// Appends a metric point (history is kept; `latest` is the last logged).
    func logMetric(_ run: String, key: String, value: Double, step: Int) throws
    /// A metric's points in logging order.
    func metricHistory(_ run: String, key: String) throws -> [MetricPoint]
}

/// Files stored with runs, by content.
public protocol ArtifactLog: Sendable {
    /// Stores `data` under `name` for the run (content-addressed: equal bytes stored once).
    func logArtifact(_ run: String, name: String, data: [UInt8]) throws -> ArtifactRecord
    /// The bytes of a run's artifact, checked against its SHA-256.
    func artifact(_ run: String, name: String) throws -> [UInt8]
}

/// Everything a run reports into.
public typealias TrackingStore = RunStore & MetricStore & ArtifactLog

extension RunStore {
    public func logParam(_ run: String, key: String, value: String) throws {
        try logBatch(run, RunBatch(params: [(key, value)]))
    }

    public func setTag(_ run: String, key: String, value: String) throws {
        try logBatch(run, RunBatch(tags: [(key, value)]))
    }
}

extension RunStore where Self: MetricStore {
    public func logMetric(_ run: String, key: String, value: Double, step: Int) throws {
        try logBatch(run, RunBatch(metrics: [(key, value, step)]))
    }
}

extension MetricStore {
    /// Logs a metric at step 0.
    public func logMetric(_ run: String, key: String, value: Double) throws {
        try logMetric(run, key: key, value: value, step: 0)
    }
}

/// The registry's storage: pipeline versions, aliases and the alias history. `Registry`
/// holds the rules (names, gates, resolution) and works on any implementation.
public protocol RegistryStore: Sendable {
    /// Stores `draft` as its pipeline's next version (1, 2, …, the pipeline created when
    /// new), stamped `createdAt`, and returns it.
    func appendVersion(_ draft: PipelineVersion, createdAt: String) throws -> PipelineVersion
    /// Registered pipeline names, sorted.
    func pipelineNames() throws -> [String]
    /// A pipeline's versions, oldest first.
    func versions(of pipeline: String) throws -> [PipelineVersion]
    /// One version, nil when the pipeline has no such version.
    func version(_ pipeline: String, _ number: Int) throws -> PipelineVersion?
    /// alias → version of a pipeline.
    func aliases(of pipeline: String) throws -> [String: Int]
    /// Points `alias` at `version` and records the move, in one step: the version must
    /// exist (`TrackingError.notFound` otherwise) and the event's `fromVersion` is where the
    /// alias pointed before.
    func moveAlias(_ pipeline: String, alias: String, to version: Int, actor: String, at: String, reason: String) throws
    /// Every alias move of a pipeline, oldest first.
    func history(of pipeline: String) throws -> [AliasEvent]
}

extension TrackingError {
    static func noRun(_ id: String) -> TrackingError {
        TrackingError(.notFound, "no run \(String(reflecting: id)) (see `quarry runs list`)")
    }

    static func noVersion(_ pipeline: String, _ number: Int) -> TrackingError {
        TrackingError(.notFound, "pipeline \(pipeline) has no version \(number) (see `quarry registry show \(pipeline)`)")
    }
}
