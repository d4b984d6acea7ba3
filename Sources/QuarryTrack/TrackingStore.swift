/// The tracking seam: every stage (ingest, eval, the server) reports runs through this
/// protocol, so a second backend (a remote tracking server) can replace SQLite without
/// touching them. `SQLiteTrackingStore` is the implementation.
public protocol TrackingStore: Sendable {
    /// Starts a run in `experiment` (created when new) and returns its id.
    func startRun(experiment: String, name: String, source: String, gitCommit: String?, configHash: String?,
                  tags: [String: String]) throws -> String
    /// Ends a run with a final status (finished, failed or killed).
    func endRun(_ id: String, status: RunStatus) throws
    /// Logs a param. Params are immutable: the same value again is accepted, another value
    /// is `TrackingError.immutableParam`.
    func logParam(_ run: String, key: String, value: String) throws
    /// Appends a metric point (history is kept; `latest` is the last logged).
    func logMetric(_ run: String, key: String, value: Double, step: Int) throws
    func setTag(_ run: String, key: String, value: String) throws
    /// Stores `data` in the content-addressed artifact store under `name` for the run.
    func logArtifact(_ run: String, name: String, data: [UInt8]) throws -> ArtifactRecord
    /// The bytes of a run's artifact, checked against its SHA-256.
    func artifact(_ run: String, name: String) throws -> [UInt8]

    func run(_ id: String) throws -> RunDetails
    func metricHistory(_ run: String, key: String) throws -> [MetricPoint]
    /// Runs of an experiment (all when nil) meeting every condition of `filter`, newest first.
    func searchRuns(experiment: String?, filter: RunFilter, limit: Int) throws -> [RunInfo]
    func experiments() throws -> [Experiment]
    func deleteRun(_ id: String) throws
}

extension TrackingStore {
    /// Logs a metric at step 0.
    public func logMetric(_ run: String, key: String, value: Double) throws {
        try logMetric(run, key: key, value: value, step: 0)
    }
}
