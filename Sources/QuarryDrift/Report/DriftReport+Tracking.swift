import Foundation
import QuarryTrack

extension DriftReport {
    /// Records the check as a tracking run: the sides and settings as params, each judged
    /// feature's value (`FEATURE/score`), p-value (`FEATURE/p_value`, tests only) and verdict
    /// (`FEATURE/drifted`, 0 or 1), the dataset verdict (`dataset_drift`, `drifted_share`,
    /// `drifted_features`), and report.json and report.html as artifacts.
    ///
    /// The recorder must belong to this check's run (its id is the report's `runID`); it turns
    /// tracking failures into warnings, so a broken tracking store never fails a check.
    public func record(into recorder: RunRecorder, json: Data, html: String) {
        recorder.param("kind", kind.rawValue)
        recorder.param("reference", reference.source)
        recorder.param("current", current.source)
        if let collection { recorder.param("collection", collection) }
        if let start = reference.windowStart, let end = reference.windowEnd { recorder.param("reference_window", "\(start)..\(end)") }
        if let start = current.windowStart, let end = current.windowEnd { recorder.param("current_window", "\(start)..\(end)") }
        recorder.param("reference_rows", "\(reference.rows)")
        recorder.param("current_rows", "\(current.rows)")
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) { recorder.param(key, value) }
        for feature in features {
            let v = feature.verdict
            recorder.param("\(v.feature)/method", v.method.rawValue)
            recorder.metric("\(v.feature)/score", v.score)
            if let p = v.pValue { recorder.metric("\(v.feature)/p_value", p) }
            recorder.metric("\(v.feature)/drifted", v.drifted ? 1 : 0)
        }
        recorder.metric("dataset_drift", drifted ? 1 : 0)
        recorder.metric("drifted_share", driftedShare)
        recorder.metric("drifted_features", Double(driftedCount))
        recorder.artifact("report.json", json)
        recorder.artifact("report.html", Data(html.utf8))
    }
}
