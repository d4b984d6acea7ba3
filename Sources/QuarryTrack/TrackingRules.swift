import Foundation

/// The checks and limits every tracking backend applies the same way, so a run logged to
/// SQLite and one logged to the in-memory twin (or a later PostgreSQL store) are refused
/// or stored identically.
enum TrackingRules {
    static func checkStart(experiment: String, name: String, tags: [String: String]) throws {
        try TrackingNames.check(experiment, kind: "experiment")
        try TrackingNames.check(name, kind: "run")
        for (key, _) in tags { try TrackingNames.check(key, kind: "tag") }
    }

    static func checkEnd(_ status: RunStatus) throws {
        guard status != .running else { throw TrackingError(.invalidValue, "a run ends as finished, failed or killed") }
    }

    static func checkParam(key: String, value: String) throws {
        try TrackingNames.check(key, kind: "param")
        guard value.count <= 6000 else { throw TrackingError(.invalidValue, "param \(key): values are limited to 6000 characters") }
    }

    /// A param logged again must have the value it has.
    static func checkUnchanged(run: String, key: String, existing: String, value: String) throws {
        guard existing == value else {
            throw TrackingError(.immutableParam, "param \(key) of run \(run) is already \(String(reflecting: existing)); params cannot change (log a new run)")
        }
    }

    static func checkMetric(key: String, value: Double) throws {
        try TrackingNames.check(key, kind: "metric")
        guard value.isFinite else { throw TrackingError(.invalidValue, "metric \(key): \(value) is not a finite number") }
    }

    /// A new run id: 32 lowercase hex digits.
    static func newRunID() -> String {
        UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The stored command line (bounded).
    static func source(_ source: String) -> String { String(source.prefix(4000)) }

    /// A stored tag value (bounded).
    static func tagValue(_ value: String) -> String { String(value.prefix(5000)) }

    /// A search's row limit, 1…100,000.
    static func limit(_ limit: Int) -> Int { max(1, min(limit, 100_000)) }
}

extension TrackingError {
    static func noArtifact(_ run: String, _ name: String) -> TrackingError {
        TrackingError(.notFound, "run \(run) has no artifact \(String(reflecting: name))")
    }
}
