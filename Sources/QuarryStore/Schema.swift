import GRDB

/// The SQLite schema of `collection.sqlite`, as GRDB migrations so later versions upgrade
/// old collections in place.
///
/// Row ids use AUTOINCREMENT so a deleted chunk's id is never reused: derived indexes key
/// their entries by chunk id, and a reused id would resurrect a deleted chunk in results.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
                CREATE TABLE documents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    doc_id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    format TEXT NOT NULL,
                    title TEXT NOT NULL DEFAULT '',
                    text TEXT NOT NULL,
                    metadata TEXT NOT NULL DEFAULT '{}',
                    content_hash TEXT NOT NULL,
                    byte_size INTEGER NOT NULL,
                    char_count INTEGER NOT NULL,
                    generation INTEGER NOT NULL,
                    ingested_at TEXT NOT NULL
                );
                CREATE INDEX documents_by_source ON documents(source);
                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    chunk_key TEXT NOT NULL UNIQUE,
                    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    context TEXT NOT NULL DEFAULT '',
                    start_offset INTEGER NOT NULL,
                    end_offset INTEGER NOT NULL,
                    token_count INTEGER NOT NULL,
                    content_hash TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    UNIQUE (document_id, ordinal)
                );
                CREATE INDEX chunks_by_generation ON chunks(generation);
                CREATE TABLE chunk_tombstones (
                    chunk_id INTEGER PRIMARY KEY,
                    generation INTEGER NOT NULL
                );
                CREATE TABLE generations (
                    generation INTEGER PRIMARY KEY,
                    committed_at TEXT NOT NULL,
                    documents_added INTEGER NOT NULL,
                    documents_replaced INTEGER NOT NULL,
                    documents_deleted INTEGER NOT NULL,
                    chunks_added INTEGER NOT NULL,
                    chunks_deleted INTEGER NOT NULL,
                    document_count INTEGER NOT NULL,
                    chunk_count INTEGER NOT NULL
                );
                CREATE TABLE ingest_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    status TEXT NOT NULL,
                    command TEXT NOT NULL,
                    params TEXT NOT NULL,
                    counts TEXT NOT NULL DEFAULT '{}',
                    generation INTEGER
                );
                """)
        }
        migrator.registerMigration("v2-embeddings") { db in
            // One Float32 little-endian vector per chunk; removed with its chunk.
            try db.execute(sql: """
                CREATE TABLE embeddings (
                    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
                    vector BLOB NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-staging") { db in
            // Batches of an ingest land here, invisible to readers, until `commit()` moves
            // them into the main tables, builds the derived files and advances the generation
            // in ONE transaction. `derived_files` makes SQLite the only record of which files
            // belong to the committed generation; MANIFEST.json is a published copy.
            try db.execute(sql: """
                CREATE TABLE staged_documents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    doc_id TEXT NOT NULL UNIQUE,
                    deleted INTEGER NOT NULL DEFAULT 0,
                    source TEXT NOT NULL DEFAULT '',
                    format TEXT NOT NULL DEFAULT '',
                    title TEXT NOT NULL DEFAULT '',
                    text TEXT NOT NULL DEFAULT '',
                    metadata TEXT NOT NULL DEFAULT '{}',
                    content_hash TEXT NOT NULL DEFAULT '',
                    byte_size INTEGER NOT NULL DEFAULT 0,
                    staged_at TEXT NOT NULL,
                    ingest_id INTEGER
                );
                CREATE TABLE staged_chunks (
                    staged_document_id INTEGER NOT NULL REFERENCES staged_documents(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    chunk_key TEXT NOT NULL,
                    text TEXT NOT NULL,
                    context TEXT NOT NULL DEFAULT '',
                    start_offset INTEGER NOT NULL,
                    end_offset INTEGER NOT NULL,
                    token_count INTEGER NOT NULL,
                    content_hash TEXT NOT NULL,
                    vector BLOB,
                    PRIMARY KEY (staged_document_id, ordinal)
                ) WITHOUT ROWID;
                CREATE TABLE derived_files (
                    kind TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    sha256 TEXT NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v4-language") { db in
            // The language identified for each document at ingest (a CLD2 code such as "en";
            // "un" when unidentified). '' marks documents stored before identification
            // existed: the `auto` analyzer identifies their chunks when it indexes them.
            try db.execute(sql: """
                ALTER TABLE documents ADD COLUMN language TEXT NOT NULL DEFAULT '';
                ALTER TABLE staged_documents ADD COLUMN language TEXT NOT NULL DEFAULT '';
                """)
        }
        return migrator
    }

    /// Whether `documents` has the v4 `language` column (a read-only reader of a collection
    /// no writer has upgraded yet sees the older schema).
    static func hasDocumentLanguage(_ db: Database) throws -> Bool {
        try db.columns(in: "documents").contains { $0.name == "language" }
    }

    /// Opens (creating if asked) a collection database in WAL mode with full fsync on commit.
    static func open(path: String, readOnly: Bool) throws -> DatabaseQueue {
        try SQLitePages.install()
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // Readers hold one read transaction open for their lifetime (a consistent snapshot).
        configuration.allowsUnsafeTransactions = readOnly
        configuration.prepareDatabase { db in
            if !db.configuration.readonly {
                try SQLitePages.reserveIfNew(db)
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                // FULL: a commit is durable before MANIFEST.json can name it.
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        if !readOnly {
            try migrator.migrate(queue)
        }
        return queue
    }
}
