import Foundation
import GRDB
import QuarryTesting
import Testing

/// Kills `quarry ingest` with SIGKILL mid-run, over a committed generation whose documents
/// the killed run replaces, and checks the commit protocol: nothing of the killed run is
/// visible, the replaced documents are still served, `collections show`, the search and
/// SQLite agree, the check passes with a warning, and re-running the same ingest resumes
/// it and commits every document exactly once.
@Suite struct CrashRecoveryTests {

    let quarry = Fixtures.quarryExecutable()

    /// A count from the collection database, or nil when the query fails (e.g. no such table).
    func count(_ database: String, _ sql: String) -> Int? {
        guard FileManager.default.fileExists(atPath: database) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        guard let queue = try? DatabaseQueue(path: database, configuration: configuration) else { return nil }
        return try? queue.read { try Int.fetchOne($0, sql: sql) }
    }

    /// Documents written so far by the running ingest, staged or (in older builds) in place.
    func written(_ database: String) -> Int {
        count(database, "SELECT COUNT(*) FROM staged_documents") ?? count(database, "SELECT COUNT(*) FROM documents") ?? 0
    }

    @Test("SIGKILL mid-ingest shows nothing of the killed run, keeps replaced documents served, and a re-run resumes it exactly once")
    func killMidIngest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let base = 600
        let total = 12_000
        func line(_ i: Int, revised: Bool) -> String {
            let marker = revised ? "revisedmarker" : "aardvarkoriginal"
            let text = "Passage \(i) describes topic \(i % 97) with \(marker). It has a second sentence about item \(i * 7 % 1013). And a third one to chunk."
            return #"{"_id": "doc\#(i)", "title": "Title \#(i)", "text": "\#(text)"}"#
        }
        let first = try dir.write("base.jsonl", (0 ..< base).map { line($0, revised: false) }.joined(separator: "\n") + "\n")
        let corpus = try dir.write("corpus.jsonl", (0 ..< total).map { line($0, revised: true) }.joined(separator: "\n") + "\n")
        let home = dir.path + "/home"
        let database = home + "/collections/crash/collection.sqlite"
        let common = ["--home", home, "--collection", "crash", "--quiet", "--embedder", "none"]
        let seeded = try await CommandRunner.run(quarry, ["ingest", first.path] + common)
        #expect(seeded.status == 0, "\(seeded.stderr)")
        let arguments = ["ingest", corpus.path] + common

        // Small batches: many transactions, so the kill lands between or inside them.
        setenv("QUARRY_INGEST_BATCH_SIZE", "40", 1)
        defer { unsetenv("QUARRY_INGEST_BATCH_SIZE") }
        let process = try CommandRunner.start(quarry, arguments)
        let deadline = Date().addingTimeInterval(60)
        // Polled on a dispatch thread: a loaded cooperative pool would let the ingest run far ahead.
        let box = Unchecked(process)
        try await CommandRunner.offPool { [self] in
            while written(database) < 400, box.value.isRunning, Date() < deadline { usleep(5_000) }
        }
        #expect(process.isRunning, "the ingest finished before it could be killed; make the corpus bigger")
        kill(process.processIdentifier, SIGKILL)
        await CommandRunner.waitForExit(process)
        #expect(process.terminationReason == .uncaughtSignal)

        // On a loaded machine the kill can land after the COMMIT (while MANIFEST.json is
        // written): then the run is wholly visible, and that is all there is to check.
        if count(database, "SELECT COUNT(*) FROM documents") == total {
            let check = try await CommandRunner.run(quarry, ["collections", "check", "crash", "--home", home, "--json"])
            #expect(check.status == 0, "\(check.stdout)")
            #expect(count(database, "SELECT COUNT(*) FROM documents WHERE text LIKE '%revisedmarker%'") == total)
            return
        }
        // Nothing of the killed run is visible: SQLite, `collections show` and search agree on
        // the committed generation, and the documents it was replacing are still found.
        #expect(count(database, "SELECT COUNT(*) FROM documents") == base)
        #expect(count(database, "SELECT COUNT(*) FROM documents WHERE text LIKE '%revisedmarker%'") == 0)
        let staged = count(database, "SELECT COUNT(*) FROM staged_documents") ?? 0
        #expect(staged >= 400 && staged <= total, "killed after staging \(staged) (all staged: killed inside the commit)")
        let show = try await CommandRunner.run(quarry, ["collections", "show", "crash", "--home", home, "--json"])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let manifest = try #require(shown["manifest"] as? [String: Any])
        #expect(manifest["document_count"] as? Int == base && manifest["generation"] as? Int == 1)
        #expect(shown["staged_documents"] as? Int == staged)
        let search = try await CommandRunner.run(quarry, ["search", "aardvarkoriginal", "--mode", "lexical", "--k", "5", "--json"] + common.prefix(4))
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stdout.contains("\"doc_id\""), "replaced documents stay searchable until the replacing ingest commits: \(search.stdout)")
        #expect(!search.stdout.contains("revisedmarker"))

        // The collection passes its integrity check; the unfinished ingest is a warning.
        let check = try await CommandRunner.run(quarry, ["collections", "check", "crash", "--home", home, "--json"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("unfinished ingest"))

        // Re-running the same ingest resumes it: every document exactly once, in one new generation.
        let rerun = try await CommandRunner.run(quarry, arguments + ["--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect(summary["unchanged"] as? Int == staged)
        #expect(summary["document_count"] as? Int == total)
        #expect(summary["generation"] as? Int == 2)
        #expect((summary["notes"] as? [String])?.contains { $0.contains("resuming interrupted ingest") } == true)

        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        try await queue.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT doc_id) FROM documents") == total)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE text LIKE '%aardvarkoriginal%'") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM staged_documents") == 0)
            let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks")
            let distinctKeys = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT chunk_key) FROM chunks")
            #expect(chunks == distinctKeys)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.document_id = d.id)") == 0)
            #expect(try String.fetchAll(db, sql: "SELECT status FROM ingest_log ORDER BY id") == ["completed", "resumed", "completed"])
        }
        let final = try await CommandRunner.run(quarry, ["collections", "check", "crash", "--home", home, "--json"])
        #expect(final.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(final.stdout.utf8)) as? [String: Any])
        #expect((report["problems"] as? [String])?.isEmpty == true)
        #expect((report["warnings"] as? [String])?.isEmpty == true, "\(report)")
    }
}
