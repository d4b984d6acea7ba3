import Foundation
import QuarryCore

/// Measures a policy's false-alarm rate on one sample: split its rows into random halves
/// many times and judge each half against the other. Both halves come from one distribution,
/// so every "drift" is a false alarm.
///
/// Why it exists: a monitor that cries wolf gets muted. Per-feature tests at α = 0.05 alarm on
/// about 5 % of splits each; the dataset rule (≥ half the features) should alarm far less.
/// This says how often on the operator's own queries, before a threshold is trusted. Features
/// are measured once and the splits index into them, which is exactly equivalent to checking
/// each pair of halves separately (every feature of a row depends on that row alone).
public enum DriftCalibration {
    /// How often the halves were judged drifted.
    public struct Result: Sendable, Codable, Equatable {
        public var splits: Int
        public var rows: Int
        public var seed: UInt64
        /// Splits whose dataset verdict was "drifted".
        public var datasetAlarms: Int
        public var datasetAlarmRate: Double
        /// Per feature: the share of splits in which it drifted.
        public var featureAlarmRates: [String: Double]
        /// Per feature: the method used (the policy's choice for the half sizes).
        public var methods: [String: String]
        /// Features that could not be judged, with the first reason.
        public var skipped: [String: String]
    }

    /// Runs `splits` random half splits of `table`.
    /// - Throws: `DriftError.Code.invalidParameter` for fewer than 4 rows or splits outside
    ///   1…100,000; `.emptySample` when a split has no judgeable feature.
    public static func run(_ table: FeatureTable, splits: Int, seed: UInt64, comparison: FeatureComparison) throws -> Result {
        try Validation.checkParameter(splits, in: 1...100_000, name: "splits")
        guard table.rowCount >= 4 else {
            throw DriftError(.invalidParameter, "calibration needs at least 4 rows to split in halves, got \(table.rowCount)")
        }
        // Offset from `seed`, so the split stream never replays the MMD permutation stream
        // when both are given the same seed (42 by default).
        var random = SplitMix64(seed: seed ^ 0xD1B5_4A32_D192_ED03)
        var alarms = 0
        var featureAlarms: [String: Int] = [:]
        var methods: [String: String] = [:]
        var skipped: [String: String] = [:]
        let half = table.rowCount / 2
        for _ in 0 ..< splits {
            var order = Array(0 ..< table.rowCount)
            random.shuffle(&order)
            let outcome = try comparison.compare(reference: table.rows(Array(order[..<half])), current: table.rows(Array(order[half...])))
            if outcome.verdict.drifted { alarms += 1 }
            for verdict in outcome.verdict.features {
                featureAlarms[verdict.feature, default: 0] += verdict.drifted ? 1 : 0
                methods[verdict.feature] = verdict.method.rawValue
            }
            for feature in outcome.skipped where skipped[feature.feature] == nil { skipped[feature.feature] = feature.reason }
        }
        return Result(splits: splits, rows: table.rowCount, seed: seed, datasetAlarms: alarms, datasetAlarmRate: Double(alarms) / Double(splits),
                      featureAlarmRates: featureAlarms.mapValues { Double($0) / Double(splits) }, methods: methods, skipped: skipped)
    }
}

extension DriftMonitor {
    /// Calibrates on one query side: features measured once against `collection`, then
    /// `splits` random half splits (seeded by `configuration.seed`).
    public func calibrate(_ source: DriftSource, collection: String?, splits: Int, now: Date = Date()) async throws -> DriftCalibration.Result {
        try configuration.validate()
        let sample = try loadQueries(source, now: now, seed: configuration.seed)
        let probe = try await QueryProbe.open(home: home, collection: collection ?? source.queryLogCollection, embedder: embedder,
                                            catalog: catalog)
        let extractor = QueryFeatureExtractor(probe: probe, goodDenseScore: configuration.goodDenseScore,
                                              goodLexicalCoverage: configuration.goodLexicalCoverage)
        let table = try await extractor.extract(sample.queries)
        return try DriftCalibration.run(table, splits: splits, seed: configuration.seed, comparison: comparison)
    }
}
