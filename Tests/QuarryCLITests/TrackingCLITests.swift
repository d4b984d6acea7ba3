import Foundation
import QuarryCore
import QuarryTesting
import QuarryTrack
import Testing

@Suite struct TrackingCLITests {
    let quarry = Fixtures.quarryExecutable()

    @Test("two processes logging into one run at once lose nothing")
    func concurrentWriters() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path + "/h"
        let created = try await CommandRunner.run(quarry, ["runs", "log", "--experiment", "load", "--home", home])
        #expect(created.status == 0, "\(created.stderr)")
        let run = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let writers = try ["a", "b"].map { key in
            try CommandRunner.start(quarry, ["runs", "log", run, "--home", home] + (0 ..< 300).flatMap { ["--metric", "\(key)=\($0)@\($0)"] })
        }
        for writer in writers {
            await CommandRunner.waitForExit(writer)
            #expect(writer.terminationStatus == 0)
        }
        let store = try SQLiteTrackingStore(home: QuarryHome(url: URL(fileURLWithPath: home)))
        for key in ["a", "b"] {
            #expect(try store.metricHistory(run, key: key).map(\.value) == (0 ..< 300).map(Double.init), "\(key)")
        }
    }

    @Test("ingest and eval are tracked runs; a version registers, a failing gate refuses promotion, aliases roll back")
    func walkthrough() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path + "/h"
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let ingest = try await CommandRunner.run(quarry, ["ingest", demo, "--home", home, "--collection", "demo", "--quiet", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let runs = try await CommandRunner.run(quarry, ["runs", "list", "--home", home, "--experiment", "ingest", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        let runID = try #require(list.first?["id"] as? String)
        #expect(list.first?["status"] as? String == "finished")
        let show = try await CommandRunner.run(quarry, ["runs", "show", runID, "--home", home, "--json"])
        let details = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        #expect((details["metrics"] as? [String: Double])?["documents_added"] == 36)
        #expect((details["params"] as? [String: String])?["analyzer"] == "auto")

        let metrics = try await CommandRunner.run(quarry, ["runs", "log", "--experiment", "eval-demo", "--home", home, "--metric", "hybrid/ndcg@10=0.31",
                                                     "--end", "finished"])
        let evalRun = metrics.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let register = try await CommandRunner.run(quarry, ["registry", "register", "qa", "--collection", "demo", "--run", evalRun, "--home", home])
        #expect(register.status == 0, "\(register.stderr)")
        #expect(register.stdout.contains("version 1"))
        let refused = try await CommandRunner.run(quarry, ["registry", "promote", "qa", "1", "--alias", "production", "--require", "ndcg@10>=0.35",
                                                     "--home", home])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("ndcg@10 is 0.3100"))
        let promoted = try await CommandRunner.run(quarry, ["registry", "promote", "qa", "1", "--alias", "production", "--require", "ndcg@10>=0.30",
                                                      "--home", home, "--actor", "ci"])
        #expect(promoted.status == 0, "\(promoted.stderr)")
        _ = try await CommandRunner.run(quarry, ["registry", "register", "qa", "--collection", "demo", "--home", home])
        _ = try await CommandRunner.run(quarry, ["registry", "alias", "qa", "production", "2", "--home", home])
        let rollback = try await CommandRunner.run(quarry, ["registry", "alias", "qa", "production", "1", "--reason", "rollback", "--home", home])
        #expect(rollback.status == 0)
        let history = try await CommandRunner.run(quarry, ["registry", "history", "qa", "--home", home, "--json"])
        let events = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(events.compactMap { $0["to_version"] as? Int } == [1, 2, 1])
        #expect(events.last?["reason"] as? String == "rollback")
        let version = try await CommandRunner.run(quarry, ["registry", "show", "qa", "--version", "production", "--home", home, "--json"])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(version.stdout.utf8)) as? [[String: Any]])
        #expect(shown.first?["version"] as? Int == 1)
        #expect((shown.first?["metrics"] as? [String: Double])?["ndcg@10"] == 0.31)
        #expect((shown.first?["manifest_checksum"] as? String)?.count == 64)
    }
}
