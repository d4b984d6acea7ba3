import Foundation

/// A report without its histograms: what `GET /v1/collections/{name}/drift` returns and
/// `quarry drift show` prints.
public struct DriftVerdicts: Sendable, Codable, Equatable {
    public var collection: String
    public var kind: DriftSource.Kind
    public var checkedAt: String
    public var reference: DriftSideSummary
    public var current: DriftSideSummary
    public var drifted: Bool
    public var driftedCount: Int
    public var driftedShare: Double
    public var shareThreshold: Double
    public var features: [FeatureDriftVerdict]
    public var skipped: [SkippedFeature]
    public var runID: String?

    enum CodingKeys: String, CodingKey {
        case collection, kind, checkedAt, reference, current, drifted, driftedCount, driftedShare, shareThreshold, features, skipped
        case runID = "runId"
    }

    public init(_ report: DriftReport, collection: String) {
        self.collection = collection
        kind = report.kind
        checkedAt = report.checkedAt
        reference = report.reference
        current = report.current
        drifted = report.drifted
        driftedCount = report.driftedCount
        driftedShare = report.driftedShare
        shareThreshold = report.shareThreshold
        features = report.verdicts
        skipped = report.skipped
        runID = report.runID
    }

    /// Compact snake_case JSON (`DriftReport.encoder`'s conventions, not pretty-printed).
    public func encoded() throws -> Data {
        let encoder = DriftReport.encoder
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
