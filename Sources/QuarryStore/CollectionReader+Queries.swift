import Foundation
import GRDB
import QuarryCore

/// The named queries other modules need from a collection, so the schema stays the store's:
/// retrieval, the index builders, drift and tracking ask for what they need and never see SQL.
/// Every query of a reader runs in its snapshot (one committed generation).
extension CollectionReader {
    /// What a hit shows of its chunk and document.
    public struct ChunkDetail: Sendable, Equatable {
        public var chunkID: Int64
        public var docID: String
        public var ordinal: Int
        public var title: String
        public var context: String
        public var text: String
        /// Unicode-scalar offsets into the document's text.
        public var start: Int
        public var end: Int
    }

    /// The details of the chunks `ids`, by chunk id (ids not in the collection are absent).
    /// One prepared statement kept by the connection, with the ids bound as one JSON array:
    /// a served answer asks for about ten chunks on every request, and an `IN (?, ?, …)` list
    /// of varying length was parsed and planned afresh each time.
    public func chunkDetails(_ ids: [Int64]) throws -> [Int64: ChunkDetail] {
        guard !ids.isEmpty else { return [:] }
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        return try database.read { db in
            var details: [Int64: ChunkDetail] = [:]
            details.reserveCapacity(ids.count)
            let statement = try db.cachedStatement(sql: """
                SELECT c.id, d.doc_id, c.ordinal, d.title, c.context, c.text, c.start_offset, c.end_offset
                FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (SELECT value FROM json_each(?))
                """)
            let rows = try Row.fetchCursor(statement, arguments: [list])
            while let row = try rows.next() {
                details[row[0]] = ChunkDetail(chunkID: row[0], docID: row[1], ordinal: row[2], title: row[3], context: row[4], text: row[5],
                                              start: row[6], end: row[7])
            }
            return details
        }
    }

    /// Chunk id → document id, for the whole collection (TREC runs rank documents).
    public func chunkDocumentIDs() throws -> [Int64: String] {
        try database.read { db in
            var map: [Int64: String] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT c.id, d.doc_id FROM chunks c JOIN documents d ON d.id = c.document_id")
            while let row = try rows.next() { map[row[0]] = row[1] }
            return map
        }
    }

    /// The full texts of the documents `docIDs` (absent ids are left out).
    public func documentTexts(_ docIDs: Set<String>) throws -> [String: String] {
        try database.read { db in
            var texts: [String: String] = [:]
            let statement = try db.cachedStatement(sql: "SELECT text FROM documents WHERE doc_id = ?")
            for id in docIDs {
                if let text = try String.fetchOne(statement, arguments: [id]) { texts[id] = text }
            }
            return texts
        }
    }

    /// The ids of the chunks whose documents' JSON metadata meet every condition.
    public func chunkIDs(matching conditions: [MetadataCondition]) throws -> Set<Int64> {
        let (condition, arguments) = MetadataCondition.sql(conditions)
        return try database.read { db in
            var ids = Set<Int64>()
            let cursor = try Int64.fetchCursor(db, sql: """
                SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
                WHERE json_valid(d.metadata) AND \(condition)
                """, arguments: StatementArguments(arguments))
            while let id = try cursor.next() { ids.insert(id) }
            return ids
        }
    }

    /// Every chunk as (id, context, text), in id order, handed out in batches (an in-memory
    /// BM25 index when the file cannot be rebuilt).
    public func forEachChunkText(batchSize: Int = 4096, _ body: ([ChunkText]) throws -> Void) throws {
        try database.read { db in try ChunkText.forEach(db, batchSize: batchSize, body) }
    }

    /// Every stored embedding in chunk-id order, in batches of (ids, vectors).
    public func forEachEmbedding(dimension: Int, batchSize: Int = 4096, _ body: ([Int64], [[Float]]) throws -> Void) throws {
        try database.read { db in try StoredEmbedding.forEach(db, dimension: dimension, batchSize: batchSize, body) }
    }

    /// The text of up to `limit` chunks spread evenly over the id range: for each of `limit`
    /// evenly spaced ids, the first chunk at or after it (duplicates dropped). One indexed
    /// lookup each, so the sample costs the same for a hundred chunks or ten million.
    public func spreadChunkTexts(limit: Int) throws -> [String] {
        guard limit > 0 else { return [] }
        return try database.read { db in
            guard let range = try Row.fetchOne(db, sql: "SELECT MIN(id), MAX(id) FROM chunks"),
                  let low = range[0] as Int64?, let high = range[1] as Int64? else { return [] }
            let statement = try db.makeStatement(sql: "SELECT id, text FROM chunks WHERE id >= ? ORDER BY id LIMIT 1")
            var seen = Set<Int64>()
            var texts: [String] = []
            for i in 0 ..< limit {
                let offset = limit == 1 ? 0 : Int64((Double(high - low) * Double(i) / Double(limit - 1)).rounded(.down))
                guard let row = try Row.fetchOne(statement, arguments: [low + offset]) else { continue }
                let id: Int64 = row[0]
                if seen.insert(id).inserted { texts.append(row[1]) }
            }
            return texts
        }
    }

    /// A sample of the committed chunks, for corpus drift: `limit` chosen by `choose` from
    /// the ordered ids, with text, context, token count and (if `dimension`) the vector.
    public func sampleChunks(limit: Int, dimension: Int?, choose: (_ count: Int) -> [Int]) throws -> (total: Int, chunks: [SampledChunk]) {
        try database.read { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM chunks ORDER BY id")
            let chosen = ids.count <= limit ? ids : choose(ids.count).sorted().map { ids[$0] }
            var chunks: [SampledChunk] = []
            chunks.reserveCapacity(chosen.count)
            for start in stride(from: 0, to: chosen.count, by: 500) {
                let batch = Array(chosen[start ..< min(start + 500, chosen.count)])
                let rows = try Row.fetchAll(db, sql: """
                    SELECT c.text, c.context, c.token_count, e.vector FROM chunks c LEFT JOIN embeddings e ON e.chunk_id = c.id
                    WHERE c.id IN (\(Self.placeholders(batch.count))) ORDER BY c.id
                    """, arguments: StatementArguments(batch))
                for row in rows {
                    let blob: Data? = row[3]
                    let vector = dimension.flatMap { dimension in blob.flatMap { VectorBlob.decode($0, dimension: dimension) } }
                    chunks.append(SampledChunk(text: row[0], context: row[1], tokenCount: row[2], vector: vector))
                }
            }
            return (ids.count, chunks)
        }
    }

    /// (document id, content hash) of every document, sorted by id: a collection's identity
    /// regardless of its generation numbers.
    public func documentHashes() throws -> [(docID: String, contentHash: String)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT doc_id, content_hash FROM documents ORDER BY doc_id").map { ($0[0], $0[1]) }
        }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}

/// A chunk as lexical indexing reads it.
public struct ChunkText: Sendable, Equatable {
    public var id: Int64
    public var context: String
    public var text: String
    /// Its document's language (a CLD2 code; "" when the document has none stored).
    public var language: String

    public init(id: Int64, context: String, text: String, language: String = "") {
        self.id = id
        self.context = context
        self.text = text
        self.language = language
    }

    /// The chunks (and their documents' languages) `whereClause` selects, in id order.
    static func forEach(_ db: Database, where whereClause: String = "", arguments: StatementArguments = [],
                        batchSize: Int, _ body: ([ChunkText]) throws -> Void) throws {
        let language = try Schema.hasDocumentLanguage(db) ? "d.language" : "''"
        let sql = "SELECT c.id, c.context, c.text, \(language) FROM chunks c JOIN documents d ON d.id = c.document_id \(whereClause) ORDER BY c.id"
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var batch: [ChunkText] = []
        batch.reserveCapacity(batchSize)
        while let row = try rows.next() {
            batch.append(ChunkText(id: row[0], context: row[1], text: row[2], language: row[3]))
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }
}

/// A chunk drawn for corpus drift.
public struct SampledChunk: Sendable {
    public var text: String
    public var context: String
    public var tokenCount: Int
    public var vector: [Float]?
}

enum StoredEmbedding {
    static func forEach(_ db: Database, sql: String = "SELECT chunk_id, vector FROM embeddings ORDER BY chunk_id", arguments: StatementArguments = [],
                        dimension: Int, batchSize: Int, _ body: ([Int64], [[Float]]) throws -> Void) throws {
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        var ids: [Int64] = []
        var vectors: [[Float]] = []
        while let row = try rows.next() {
            let id: Int64 = row[0]
            guard let vector = VectorBlob.decode(row[1], dimension: dimension) else {
                throw StoreError(.database, collection: "", "embedding of chunk \(id) is not \(dimension) floats")
            }
            ids.append(id)
            vectors.append(vector)
            if ids.count == batchSize {
                try body(ids, vectors)
                ids.removeAll(keepingCapacity: true)
                vectors.removeAll(keepingCapacity: true)
            }
        }
        if !ids.isEmpty { try body(ids, vectors) }
    }
}

extension DerivedBuildContext {
    /// Every chunk of the generation being built, in id order, in batches.
    public func forEachChunkText(batchSize: Int = 4096, _ body: ([ChunkText]) throws -> Void) throws {
        try ChunkText.forEach(database, batchSize: batchSize, body)
    }

    /// The chunks this generation added, in id order.
    public func addedChunks() throws -> [ChunkText] {
        var added: [ChunkText] = []
        try ChunkText.forEach(database, where: "WHERE c.generation = ?", arguments: [generation], batchSize: 4096) { added += $0 }
        return added
    }

    /// The chunks this generation removed (replaced or deleted documents).
    public func removedChunkIDs() throws -> Set<Int64> {
        Set(try Int64.fetchAll(database, sql: "SELECT chunk_id FROM chunk_tombstones WHERE generation = ?", arguments: [generation]))
    }

    /// Every embedding of the generation being built, in chunk-id order, in batches.
    public func forEachEmbedding(dimension: Int, batchSize: Int = 4096, _ body: ([Int64], [[Float]]) throws -> Void) throws {
        try StoredEmbedding.forEach(database, dimension: dimension, batchSize: batchSize, body)
    }

    /// The embeddings of the chunks this generation added, in chunk-id order, in batches.
    public func forEachAddedEmbedding(dimension: Int, batchSize: Int = 4096, _ body: ([Int64], [[Float]]) throws -> Void) throws {
        try StoredEmbedding.forEach(database, sql: """
            SELECT e.chunk_id, e.vector FROM embeddings e JOIN chunks c ON c.id = e.chunk_id
            WHERE c.generation = ? ORDER BY e.chunk_id
            """, arguments: [generation], dimension: dimension, batchSize: batchSize, body)
    }
}
