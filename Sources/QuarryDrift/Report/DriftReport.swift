import Foundation

/// The outcome of one drift check: every feature's verdict with the histograms behind it, the
/// dataset verdict, what was skipped and why. Written as report.json and rendered as a
/// self-contained report.html; the latest one per collection is what the server returns.
///
/// JSON keys are snake_case (`DriftReport.encoder`), like the rest of Quarry's wire formats.
public struct DriftReport: Sendable, Codable, Equatable {
    /// Bumped when a field changes meaning; readers refuse newer versions.
    public static let currentFormatVersion = 1

    public var formatVersion: Int = DriftReport.currentFormatVersion
    public var kind: DriftSource.Kind
    /// When the check ran (Quarry timestamp).
    public var checkedAt: String
    /// The collection the queries were measured against, or the corpus collection.
    public var collection: String?
    public var reference: DriftSideSummary
    public var current: DriftSideSummary
    /// Whether the dataset drifted: at least `shareThreshold` of the judged features did.
    public var drifted: Bool
    public var driftedCount: Int
    public var driftedShare: Double
    public var shareThreshold: Double
    public var features: [FeatureReport]
    public var skipped: [SkippedFeature]
    public var notes: [String]
    /// The knobs the check ran with (row cap, seed, thresholds), for reproducing it.
    public var settings: [String: String]
    /// The tracking run that recorded the check, when tracking worked.
    public var runID: String?

    public init(kind: DriftSource.Kind, checkedAt: String, collection: String?, reference: DriftSideSummary, current: DriftSideSummary,
                verdict: DatasetDriftVerdict, features: [FeatureReport], skipped: [SkippedFeature], notes: [String],
                settings: [String: String], runID: String? = nil) {
        self.kind = kind
        self.checkedAt = checkedAt
        self.collection = collection
        self.reference = reference
        self.current = current
        drifted = verdict.drifted
        driftedCount = verdict.driftedCount
        driftedShare = verdict.driftedShare
        shareThreshold = verdict.shareThreshold
        self.features = features
        self.skipped = skipped
        self.notes = notes
        self.settings = settings
        self.runID = runID
    }

    // `runID` is spelled `runId` for the key strategies, which map `run_id` to `runId`.
    enum CodingKeys: String, CodingKey {
        case formatVersion, kind, checkedAt, collection, reference, current, drifted, driftedCount, driftedShare, shareThreshold
        case features, skipped, notes, settings, runID = "runId"
    }

    /// The per-feature verdicts.
    public var verdicts: [FeatureDriftVerdict] { features.map(\.verdict) }

    /// The encoder for report.json and the HTTP route: snake_case keys, sorted, readable.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public func encoded() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// Reads a report.json.
    /// - Throws: `DriftError.Code.invalidParameter` for a newer format or undecodable JSON.
    public static func decode(_ data: Data) throws -> DriftReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let report: DriftReport
        do {
            report = try decoder.decode(DriftReport.self, from: data)
        } catch {
            throw DriftError(.invalidParameter, "not a Quarry drift report: \(error)")
        }
        guard report.formatVersion <= currentFormatVersion else {
            throw DriftError(.invalidParameter, "drift report format \(report.formatVersion) is newer than this quarry reads (\(currentFormatVersion))")
        }
        return report
    }
}

/// One side of a check, as the report shows it.
public struct DriftSideSummary: Sendable, Codable, Equatable {
    /// The side as given (`querylog:docs@24h`, a file path).
    public var source: String
    /// Rows the features were computed on (after the row cap).
    public var rows: Int
    /// Rows the side held before sampling.
    public var totalRows: Int
    /// The resolved window of a query-log side.
    public var windowStart: String?
    public var windowEnd: String?

    public init(source: String, rows: Int, totalRows: Int, windowStart: String? = nil, windowEnd: String? = nil) {
        self.source = source
        self.rows = rows
        self.totalRows = totalRows
        self.windowStart = windowStart
        self.windowEnd = windowEnd
    }
}

/// A judged feature: the verdict, what the feature is, and the histograms of both sides.
public struct FeatureReport: Sendable, Codable, Equatable {
    public var verdict: FeatureDriftVerdict
    public var description: String
    public var histogram: FeatureHistogram
    /// Short per-side summaries ("mean 5.2, median 5"; "Latn 98 %").
    public var referenceSummary: String
    public var currentSummary: String

    public init(verdict: FeatureDriftVerdict, description: String, histogram: FeatureHistogram, referenceSummary: String, currentSummary: String) {
        self.verdict = verdict
        self.description = description
        self.histogram = histogram
        self.referenceSummary = referenceSummary
        self.currentSummary = currentSummary
    }
}

/// A feature that was not judged, and why (not measurable on a side, too few values).
public struct SkippedFeature: Sendable, Codable, Equatable {
    public var feature: String
    public var reason: String

    public init(feature: String, reason: String) {
        self.feature = feature
        self.reason = reason
    }
}
