import Foundation
import QuarryCore
import QuarryDrift
import QuarryTesting
import Testing

@Suite struct DriftCalibrationTests {
    @Test("random halves of msmarco's queries rarely drift; the result is reproducible from the seed", Fixtures.needsShared)
    func msmarcoHalves() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = try await MonitorFixture.collection(dir, texts: MonitorFixture.passages)
        let queries = Fixtures.shared().appendingPathComponent("corpora/msmarco/queries.jsonl").path
        let monitor = DriftMonitor(home: home, embedder: MonitorFixture.embedder)
        let result = try await monitor.calibrate(.queryFile(queries), collection: "docs", splits: 10)
        #expect(result.rows == 50 && result.splits == 10)
        #expect(result.datasetAlarms <= 1, "\(result)")
        #expect(Set(result.featureAlarmRates.keys) == ["query_length", "script", "oov_rate", "best_lexical_score", "best_dense_score",
                                                       "no_good_result", "query_embedding"])
        #expect(result.skipped.keys.sorted() == ["latency_ms"])
        #expect(try await monitor.calibrate(.queryFile(queries), collection: "docs", splits: 10) == result)
    }

    @Test("calibration refuses a side too small to halve")
    func tooSmall() throws {
        var table = FeatureTable(rowCount: 3)
        table.add("x", "x", .numeric([1, 2, 3]))
        #expect(throws: DriftError.self) { try DriftCalibration.run(table, splits: 5, seed: 1, comparison: FeatureComparison()) }
    }
}
