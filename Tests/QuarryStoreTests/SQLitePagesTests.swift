import Foundation
import GRDB
import QuarryCore
import QuarryStore
import QuarryTesting
import Testing

/// Page checksums: a byte damaged inside a row, which SQLite itself would read back as a
/// different value, is refused as a damaged page in every database Quarry creates.
@Suite struct SQLitePagesTests {
    /// Flips one bit of the first occurrence of `marker` in the file.
    static func damage(_ url: URL, at marker: String) throws {
        var bytes = [UInt8](try Data(contentsOf: url))
        let needle = Array(marker.utf8)
        let index = try #require(bytes.indices.first { bytes[$0...].starts(with: needle) }, "\(marker) not in \(url.lastPathComponent)")
        bytes[index + 2] ^= 0x04
        try Data(bytes).write(to: url)
    }

    @Test("a collection's pages carry checksums; a bit flipped inside a chunk's text is refused as a damaged page, not read back changed")
    func collectionPayload() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = QuarryHome(url: dir.url)
        let writer = try CollectionWriter(home: home, name: "docs", settings: StoreFixtures.settings)
        try await writer.apply(upserts: (0 ..< 50).map { StoreFixtures.document("d\($0)", "Document \($0) about zebra\($0)striped horses") })
        try await writer.commit()
        await writer.close()
        let reader = try CollectionReader(home: home, name: "docs")
        #expect(try reader.checkIntegrity().isHealthy)
        let database = dir.url.appendingPathComponent("collections/docs/collection.sqlite")
        // Pages rest in the main file once checkpointed (the last connection to close does it).
        let queue = try DatabaseQueue(path: database.path)
        let checksummed = try await queue.read { db in SQLitePages.isChecksummed(db) }
        #expect(checksummed)
        try await queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try queue.close()

        try Self.damage(database, at: "zebra17striped")
        // Whatever reads the page first fails with the checksum, never with "zebra17" changed.
        do {
            let damaged = try CollectionReader(home: home, name: "docs")
            let texts = try damaged.chunkDetails(Array(1 ... 50)).values.map(\.text)
            Issue.record("read back without an error: \(texts.filter { $0.contains("17") })")
        } catch let error as DatabaseError {
            #expect(SQLitePages.isDamagedPage(error))
            #expect(SQLitePages.describe(error).contains("failed its checksum"))
        } catch let error as StoreError {
            #expect(error.message.contains("failed its checksum"), "\(error)")
        }
    }

    @Test("a connection opened before another created the database still writes checksummed pages (the header is re-read, not remembered)")
    func lateCreation() async throws {
        try SQLitePages.install()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("shared.sqlite").path
        let early = try DatabaseQueue(path: path)  // opened (nothing written) while the file is empty
        var creating = Configuration()
        creating.prepareDatabase { db in
            try SQLitePages.reserveIfNew(db)
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        let creator = try DatabaseQueue(path: path, configuration: creating)
        try await creator.write { db in
            try db.execute(sql: "CREATE TABLE t(x TEXT)")
            for i in 0 ..< 2000 { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: ["row \(i) " + String(repeating: "x", count: 100)]) }
        }
        try creator.close()
        // Same-size updates leave page 1 alone, so the checkpoint writes no header to learn from.
        try await early.write { try $0.execute(sql: "UPDATE t SET x = replace(x, 'x', 'y')") }
        try early.close()  // checkpoints its pages into the main file
        let reader = try DatabaseQueue(path: path)
        let (count, check, checksummed) = try await reader.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t"), try String.fetchOne(db, sql: "PRAGMA integrity_check"), SQLitePages.isChecksummed(db))
        }
        #expect(count == 2000 && check == "ok" && checksummed)
    }

    @Test("a database created without the reservation (before checksums) is read unchanged, unverified")
    func legacyDatabase() throws {
        try SQLitePages.install()
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("legacy.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t(x TEXT)")
            try db.execute(sql: "INSERT INTO t VALUES ('legacyvalue')")
        }
        #expect(try queue.read { SQLitePages.isChecksummed($0) } == false)
        try queue.close()
        try Self.damage(dir.url.appendingPathComponent("legacy.sqlite"), at: "legacyvalue")
        // What checksums exist to prevent: the damaged value reads back as another one.
        let reopened = try DatabaseQueue(path: path)
        #expect(try reopened.read { try String.fetchOne($0, sql: "SELECT x FROM t") } == "lecacyvalue")
    }
}
