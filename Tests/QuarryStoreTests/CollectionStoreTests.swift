import Foundation
import GRDB
import QuarryCore
@_spi(Testing) import QuarryStore
import QuarryTesting
import Testing

@Suite struct CollectionStoreTests {
    let settings = StoreFixtures.settings

    func document(_ id: String, _ text: String) -> NewDocument { StoreFixtures.document(id, text) }

    @Test("a committed collection reads back, with a manifest that verifies")
    func roundTrip() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.beginIngest(command: "test", parameters: ["k": "v"])
        try await writer.apply(upserts: [document("a", "Alpha text"), document("b", "Beta text")])
        let nul = await #expect(throws: StoreError.self) { try await writer.apply(upserts: [document("c", "Gamma \u{0}text")]) }
        #expect(nul?.code == .invalidDocument)
        let manifest = try await writer.commit()
        await writer.close()
        #expect(manifest.generation == 1)
        #expect(manifest.documentCount == 2)
        let reader = try CollectionReader(home: home, name: "docs")
        #expect(reader.manifest == manifest)
        #expect(try reader.document("b")?.text == "Beta text")
        #expect(try reader.document("c") == nil)
        #expect(try reader.checkIntegrity().isHealthy)
        #expect(try reader.ingestLog().first?.status == "completed")
        #expect(try CollectionCatalog(home: home).list().map(\.name) == ["docs"])
    }

    @Test("a second writer is refused with the holder's pid while the first holds the lock")
    func lock() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        let error = #expect(throws: StoreError.self) { try CollectionWriter(home: home, name: "docs", settings: settings) }
        #expect(error?.code == .locked)
        #expect(error?.description.contains("pid \(getpid())") == true)
        #expect(throws: StoreError.self) { try CollectionCatalog(home: home).delete("docs") }
        await writer.close()
        _ = try CollectionWriter(home: home, name: "docs", settings: settings)
    }

    @Test("a damaged MANIFEST.json is not trusted: readers use SQLite, check warns, the next writer rewrites it")
    func damagedManifest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("a", "Alpha")])
        try await writer.commit()
        await writer.close()
        let path = dir.url.appendingPathComponent("collections/docs/MANIFEST.json")
        var bytes = try Data(contentsOf: path)
        let index = bytes.firstIndex(of: UInt8(ascii: "1"))!
        bytes[index] = UInt8(ascii: "7")
        try bytes.write(to: path)
        let reader = try CollectionReader(home: home, name: "docs")
        #expect(reader.manifest.documentCount == 1 && reader.manifest.generation == 1)
        #expect(try reader.checkIntegrity().warnings.contains { $0.contains("MANIFEST.json") })
        let repairing = try CollectionWriter(home: home, name: "docs", settings: settings)
        #expect(!repairing.recoveryNotes.isEmpty)
        await repairing.close()
        #expect(try Manifest.read(from: path, collection: "docs") == CollectionReader(home: home, name: "docs").manifest)
    }

    @Test("the integrity check finds a chunk whose text no longer matches its document")
    func integrity() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("a", "Alpha"), document("b", "Beta")])
        try await writer.commit()
        await writer.close()
        let db = try DatabaseQueue(path: dir.url.appendingPathComponent("collections/docs/collection.sqlite").path)
        try await db.write { try $0.execute(sql: "UPDATE documents SET text = 'Gamma' WHERE doc_id = 'b'") }
        let report = try CollectionReader(home: home, name: "docs").checkIntegrity()
        #expect(!report.isHealthy)
        #expect(report.problems.contains { $0.contains("\"b\"") })
    }

    @Test("replacing and deleting documents tombstones their chunks; deletes free nothing for reuse")
    func replaceAndDelete() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.apply(upserts: [document("a", "Alpha"), document("b", "Beta")])
        try await writer.commit()
        let first = try CollectionReader(home: home, name: "docs").chunks()
        let counts = try await writer.apply(upserts: [document("a", "Alpha two")], deletions: ["b", "missing"])
        #expect(counts.documentsReplaced == 1 && counts.documentsDeleted == 1 && counts.chunksDeleted == 2 && counts.chunksAdded == 1)
        let manifest = try await writer.commit()
        await writer.close()
        #expect(manifest.generation == 2)
        let reader = try CollectionReader(home: home, name: "docs")
        let now = try reader.chunks()
        #expect(now.count == 1)
        #expect(now[0].id > first.map(\.id).max()!)
        let tombstones = try reader.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM chunk_tombstones WHERE generation = 2") }
        #expect(tombstones == 2)
    }

    @Test("deleting a collection removes it")
    func delete() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: settings)
        try await writer.commit()
        await writer.close()
        try CollectionCatalog(home: home).delete("docs")
        #expect(try CollectionCatalog(home: home).list().isEmpty)
        #expect(throws: StoreError.self) { try CollectionCatalog(home: home).delete("docs") }
    }
}
