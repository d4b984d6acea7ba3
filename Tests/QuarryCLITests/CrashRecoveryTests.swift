import Foundation
import GRDB
import QuarryTesting
import Testing

/// Kills `quarry ingest` with SIGKILL mid-run and checks that nothing committed is lost,
/// the collection opens and passes its integrity check, and a re-run completes it with
/// every document exactly once.
@Suite struct CrashRecoveryTests {
    let quarry = Fixtures.quarryExecutable()

    func documentCount(_ database: String) -> Int {
        guard FileManager.default.fileExists(atPath: database) else { return 0 }
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: database, configuration: configuration) else { return 0 }
        return (try? queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM documents") }) ?? 0
    }

    @Test("SIGKILL mid-ingest loses nothing committed and a re-run completes it exactly once")
    func killMidIngest() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let total = 12_000
        var lines: [String] = []
        for i in 0 ..< total {
            let text = "Passage \(i) describes topic \(i % 97). It has a second sentence about item \(i * 7 % 1013). And a third one to chunk."
            lines.append(#"{"_id": "doc\#(i)", "title": "Title \#(i)", "text": "\#(text)"}"#)
        }
        let corpus = try dir.write("corpus.jsonl", lines.joined(separator: "\n") + "\n")
        let home = dir.path + "/home"
        let database = home + "/collections/crash/collection.sqlite"
        let arguments = ["ingest", corpus.path, "--home", home, "--collection", "crash", "--quiet", "--embedder", "none"]

        // Small batches: many commits, so the kill lands between or inside transactions.
        setenv("QUARRY_INGEST_BATCH_SIZE", "40", 1)
        defer { unsetenv("QUARRY_INGEST_BATCH_SIZE") }
        let process = try CommandRunner.start(quarry, arguments)
        let deadline = Date().addingTimeInterval(60)
        while documentCount(database) < 400, process.isRunning, Date() < deadline { usleep(20_000) }
        let stored = documentCount(database)
        #expect(process.isRunning, "the ingest finished before it could be killed; make the corpus bigger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let afterKill = documentCount(database)
        #expect(afterKill >= stored, "committed batches survive the kill")
        #expect(afterKill < total)

        // The collection opens and passes the integrity check (an unfinished ingest is a warning).
        let check = try CommandRunner.run(quarry, ["collections", "check", "crash", "--home", home, "--json"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("unfinished ingest") || check.stdout.contains("did not finish"))

        // A re-run completes it: every document exactly once, nothing re-added twice.
        let rerun = try CommandRunner.run(quarry, arguments + ["--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect(summary["unchanged"] as? Int == afterKill)
        #expect(summary["added"] as? Int == total - afterKill)
        #expect(summary["document_count"] as? Int == total)
        #expect(summary["generation"] as? Int == 1)

        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        try queue.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT doc_id) FROM documents") == total)
            let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks")
            let distinctKeys = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT chunk_key) FROM chunks")
            #expect(chunks == distinctKeys)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id)") == 0)
            #expect(try String.fetchOne(db, sql: "SELECT status FROM ingest_log ORDER BY id LIMIT 1") == "interrupted")
        }
        let final = try CommandRunner.run(quarry, ["collections", "check", "crash", "--home", home, "--json"])
        #expect(final.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [String: Any])
        #expect((report["problems"] as? [String])?.isEmpty == true)
        #expect((report["warnings"] as? [String])?.filter { $0.contains("unfinished") }.isEmpty == true)
    }
}
