import CSQLitePages
import GRDB

/// Page checksums for every SQLite file Quarry writes (collections, query logs, the tracking
/// store), through the VFS shim in CSQLitePages: without them a flipped bit inside a row
/// reads back as a different value, since SQLite checks its b-trees but not its payloads.
public enum SQLitePages {
    private static let registration = quarry_pages_register()

    /// Makes the checksumming VFS SQLite's default. Call before opening any database;
    /// later calls cost nothing.
    public static func install() throws {
        guard registration == 0 else {
            throw StoreError(.database, collection: "", "cannot register the page-checksum VFS (SQLite error \(registration))")
        }
    }

    /// Reserves the 8 checksum bytes per page on a database that has no pages yet; does
    /// nothing to an existing one. Run first in `prepareDatabase`, before anything writes.
    public static func reserveIfNew(_ db: Database) throws {
        guard try Int.fetchOne(db, sql: "PRAGMA page_count") == 0, let connection = db.sqliteConnection else { return }
        let code = quarry_pages_reserve(UnsafeMutableRawPointer(connection))
        guard code == 0 else { throw StoreError(.database, collection: "", "cannot reserve page-checksum bytes (SQLite error \(code))") }
    }

    /// Whether the database's pages carry checksums (it was created with the reservation).
    public static func isChecksummed(_ db: Database) -> Bool {
        guard let connection = db.sqliteConnection else { return false }
        return quarry_pages_reserved(UnsafeMutableRawPointer(connection)) == 8
    }

    /// What went wrong, in words: a page that failed its checksum says so (SQLite alone
    /// would say "disk I/O error"); anything else is SQLite's own message.
    public static func describe(_ error: DatabaseError) -> String {
        guard error.extendedResultCode == .SQLITE_IOERR_DATA else { return error.message ?? "\(error)" }
        return "a page failed its checksum: the file is damaged on disk (restore it from a backup; a collection can also be re-ingested)"
    }

    /// Whether an error is a page that failed its checksum.
    public static func isDamagedPage(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.extendedResultCode == .SQLITE_IOERR_DATA
    }
}
