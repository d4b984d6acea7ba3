import Foundation
import GRDB
import QuarryCore
@testable import QuarryStore
import QuarryTesting
import Testing

/// The commit protocol under crashes: staged changes are invisible until one SQLite
/// transaction publishes them with their derived files; a writer that dies before it leaves
/// the previous generation whole, and what it staged is resumed only by the same ingest.
@Suite struct CommitProtocolTests {
    let settings = StoreFixtures.settings

    func document(_ id: String, _ text: String) -> NewDocument { StoreFixtures.document(id, text) }

    /// Writes `count.N.txt` holding the chunk count the commit's transaction sees; fails on demand.
    struct CountingBuilder: DerivedIndexBuilder {
        let kind = "count"
        var fail = false
        func build(_ context: DerivedBuildContext) throws -> DerivedBuildResult {
            let chunks = try context.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM chunks") ?? 0 }
            let name = "count.\(context.generation).txt"
            let data = Data("\(chunks)".utf8)
            try AtomicFile.write(data, to: context.url(name))
            if fail { throw StoreError(.io, collection: context.collection, "builder failed on purpose") }
            return DerivedBuildResult(file: Manifest.DerivedFile(kind: kind, name: name, generation: context.generation, bytes: data.count,
                                                                 sha256: ContentHash.sha256(data)))
        }
    }

    func seed(_ home: QuarryHome) async throws {
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.beginIngest(command: "seed", parameters: [:])
        try await writer.apply(upserts: [document("a", "Alpha old"), document("b", "Beta")])
        try await writer.commit(builders: [CountingBuilder()])
        await writer.close()
    }

    @Test("a writer that dies before its commit leaves the previous generation whole; the next write publishes only its own document")
    func killedWriteStaysAbsent() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        try await seed(home)

        // The "killed" write: replaces a, deletes b, adds c, and never commits.
        let killed = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await killed.beginIngest(command: "api", parameters: [:])
        try await killed.apply(upserts: [document("a", "Alpha new"), document("c", "Gamma")], deletions: ["b"])
        let reader = try CollectionReader(home: home, name: "docs")
        #expect(reader.manifest.generation == 1 && reader.manifest.documentCount == 2)
        #expect(try reader.document("a")?.text == "Alpha old", "a replaced document stays served until the commit")
        #expect(try reader.document("b") != nil && reader.document("c") == nil)
        #expect(reader.stagedDocuments == 3)
        await killed.close()

        let report = try CollectionReader(home: home, name: "docs").checkIntegrity()
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.warnings.contains { $0.contains("staged by an unfinished ingest") })

        let next = try CollectionWriter(home: home, name: "docs", settings: settings)
        let notes = try await next.beginIngest(command: "api", parameters: [:])
        #expect(notes.contains { $0.contains("rolled back 3 staged documents") })
        let counts = try await next.apply(upserts: [document("d", "Delta")])
        #expect(counts.documentsAdded == 1 && counts.documentsReplaced == 0 && counts.documentsDeleted == 0)
        let manifest = try await next.commit(builders: [CountingBuilder()])
        await next.close()
        #expect(manifest.generation == 2 && manifest.documentCount == 3)
        let after = try CollectionReader(home: home, name: "docs")
        #expect(try after.documents().map(\.docID) == ["a", "b", "d"])
        #expect(try after.document("a")?.text == "Alpha old")
        #expect(after.stagedDocuments == 0)
        #expect(try after.checkIntegrity().warnings.isEmpty)
        // The builder ran inside the commit's transaction: it saw the promoted chunk.
        let file = try #require(after.manifest.derivedFile("count"))
        #expect(try String(contentsOf: dir.url.appendingPathComponent("collections/docs/\(file.name)"), encoding: .utf8) == "3")
    }

    @Test("re-running the same ingest after a crash resumes what it staged; another command rolls it back")
    func resumeOnlyTheSameIngest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let first = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await first.beginIngest(command: "ingest", parameters: ["paths": "corpus"], resume: true)
        try await first.apply(upserts: [document("a", "Alpha"), document("b", "Beta")])
        await first.close()

        let resumed = try CollectionWriter(home: home, name: "docs", settings: settings)
        #expect(resumed.recoveryNotes.contains { $0.contains("interrupted") })
        let notes = try await resumed.beginIngest(command: "ingest", parameters: ["paths": "corpus"], resume: true)
        #expect(notes.contains { $0.contains("resuming interrupted ingest") })
        let known = try await resumed.knownDocuments()
        #expect(Set(known.keys) == ["a", "b"])
        try await resumed.apply(upserts: [document("c", "Gamma")])
        let manifest = try await resumed.commit()
        await resumed.close()
        #expect(manifest.generation == 1 && manifest.documentCount == 3)
        let log = try CollectionReader(home: home, name: "docs").ingestLog()
        #expect(log.map(\.status) == ["completed", "resumed"])

        let other = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await other.beginIngest(command: "ingest", parameters: ["paths": "one"], resume: true)
        try await other.apply(upserts: [document("z", "Zeta")])
        await other.close()
        let different = try CollectionWriter(home: home, name: "docs", settings: settings)
        let rolled = try await different.beginIngest(command: "ingest", parameters: ["paths": "two"], resume: true)
        #expect(rolled.contains { $0.contains("rolled back 1") })
        #expect(try await different.knownDocuments()["z"] == nil)
        try await different.commit()
        await different.close()
        #expect(try CollectionReader(home: home, name: "docs").document("z") == nil)
    }

    @Test("a builder that fails rolls the whole commit back; its half-built file is removed at the next open")
    func failedBuilderRollsBack() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        try await seed(home)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.beginIngest(command: "api", parameters: [:])
        try await writer.apply(upserts: [document("a", "Alpha new")])
        await #expect(throws: StoreError.self) { try await writer.commit(builders: [CountingBuilder(fail: true)]) }
        let reader = try CollectionReader(home: home, name: "docs")
        #expect(reader.manifest.generation == 1)
        #expect(try reader.document("a")?.text == "Alpha old")
        let orphan = dir.url.appendingPathComponent("collections/docs/count.2.txt")
        #expect(FileManager.default.fileExists(atPath: orphan.path))
        #expect(try reader.checkIntegrity().warnings.contains { $0.contains("count.2.txt") })
        // The staged rows survive the failed commit; a retry publishes them.
        let manifest = try await writer.commit(builders: [CountingBuilder()])
        await writer.close()
        #expect(manifest.generation == 2)
        #expect(try CollectionReader(home: home, name: "docs").document("a")?.text == "Alpha new")

        try Data("half".utf8).write(to: dir.url.appendingPathComponent("collections/docs/count.9.txt"))
        try Data("tmp".utf8).write(to: dir.url.appendingPathComponent("collections/docs/.count.3.txt.tmp-42"))
        let reopened = try CollectionWriter(home: home, name: "docs", settings: settings)
        await reopened.close()
        #expect(reopened.recoveryNotes.contains { $0.contains("count.9.txt") && $0.contains(".count.3.txt.tmp-42") })
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("collections/docs").path)
        #expect(left.filter { $0.hasPrefix("count.") || $0.contains(".tmp-") } == ["count.2.txt"])
    }

    @Test("a crash after the SQLite commit but before MANIFEST.json is published serves the new generation; the copy is repaired")
    func laggingManifest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        try await seed(home)
        let path = dir.url.appendingPathComponent("collections/docs/MANIFEST.json")
        let old = try Data(contentsOf: path)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("c", "Gamma")])
        let committed = try await writer.commit(builders: [CountingBuilder()])
        await writer.close()
        try old.write(to: path)  // as if killed between the COMMIT and the rename

        let reader = try CollectionReader(home: home, name: "docs")
        #expect(reader.manifest == committed)
        #expect(try reader.document("c") != nil)
        #expect(try CollectionCatalog(home: home).list().first?.documents == 3)
        let report = try reader.checkIntegrity()
        #expect(report.isHealthy && report.warnings.contains { $0.contains("MANIFEST.json names generation 1") })
        let repairing = try CollectionWriter(home: home, name: "docs", settings: settings)
        await repairing.close()
        #expect(repairing.recoveryNotes.contains { $0.contains("rewritten") })
        #expect(try Manifest.read(from: path, collection: "docs") == committed)
    }

    @Test("a collection.sqlite older than its published MANIFEST.json (swapped for an older copy) is refused by readers and writers, until MANIFEST.json is removed")
    func rolledBackDatabase() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        try await seed(home)
        let folder = dir.url.appendingPathComponent("collections/docs")
        let database = folder.appendingPathComponent("collection.sqlite")
        // The whole database as generation 1 left it (its WAL too, when there is one).
        let olderCopy = dir.url.appendingPathComponent("older")
        try FileManager.default.createDirectory(at: olderCopy, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: database.path + suffix) {
            try FileManager.default.copyItem(atPath: database.path + suffix, toPath: olderCopy.appendingPathComponent("db" + suffix).path)
        }
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("c", "Gamma")])
        try await writer.commit(builders: [CountingBuilder()])
        await writer.close()
        // Generation 1 under the MANIFEST.json of generation 2.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database.path + suffix) }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: olderCopy.appendingPathComponent("db" + suffix).path) {
            try FileManager.default.copyItem(atPath: olderCopy.appendingPathComponent("db" + suffix).path, toPath: database.path + suffix)
        }

        let refused = #expect(throws: StoreError.self) { try CollectionReader(home: home, name: "docs") }
        #expect(refused?.message.contains("collection.sqlite is at generation 1, but MANIFEST.json was published for generation 2") == true)
        #expect(throws: StoreError.self) { try CollectionWriter(home: home, name: "docs", settings: settings) }
        // The refused writer removed nothing: generation 2's derived file is still there.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("count.2.txt").path))

        try FileManager.default.removeItem(at: folder.appendingPathComponent("MANIFEST.json"))
        let accepted = try CollectionReader(home: home, name: "docs")
        #expect(accepted.manifest.generation == 1 && accepted.manifest.documentCount == 2)
    }

    @Test("a reader keeps its generation while later commits land, and damage to a derived file fails the check")
    func snapshotReads() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        try await seed(home)
        let early = try CollectionReader(home: home, name: "docs")
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("a", "Alpha new")], deletions: ["b"])
        try await writer.commit(builders: [CountingBuilder()])
        await writer.close()
        #expect(early.manifest.generation == 1)
        #expect(try early.document("a")?.text == "Alpha old")
        #expect(try early.document("b") != nil)
        #expect(try early.liveCounts().documents == 2)
        let late = try CollectionReader(home: home, name: "docs")
        #expect(try late.manifest.generation == 2 && late.document("b") == nil)

        let file = try #require(late.manifest.derivedFile("count"))
        try Data("9".utf8).write(to: dir.url.appendingPathComponent("collections/docs/\(file.name)"))
        let report = try CollectionReader(home: home, name: "docs").checkIntegrity()
        #expect(!report.isHealthy && report.problems.contains { $0.contains(file.name) })
    }
}
