import Foundation
import GRDB
import QuarryCore

/// The outcome of an integrity check: problems mean damage, warnings mean something a
/// writer will repair or a re-run will finish.
public struct IntegrityReport: Sendable, Codable, Equatable {
    public var collection: String
    public var generation: Int
    public var documents: Int
    public var chunks: Int
    public var problems: [String] = []
    public var warnings: [String] = []

    public var isHealthy: Bool { problems.isEmpty }
}

extension CollectionReader {
    /// Checks the collection end to end: SQLite's own integrity and foreign keys, the
    /// manifest against SQLite, and every chunk against its document (ordinals contiguous,
    /// `document.text[start..<end] == chunk.text`, content hashes, unique keys).
    public func checkIntegrity() throws -> IntegrityReport {
        try database.read { db in
            let (documents, chunks) = (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0,
                                       try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks") ?? 0)
            var report = IntegrityReport(collection: name, generation: manifest.generation, documents: documents, chunks: chunks)
            let sqliteCheck = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if sqliteCheck != ["ok"] { report.problems.append("SQLite integrity_check: \(sqliteCheck.prefix(5).joined(separator: "; "))") }
            let foreign = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            if !foreign.isEmpty { report.problems.append("\(foreign.count) rows break foreign keys") }

            let generation = Int(try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'generation'") ?? "") ?? -1
            if generation != manifest.generation {
                report.warnings.append("MANIFEST.json names generation \(manifest.generation), collection.sqlite has \(generation); the next writer rewrites it")
            }
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE generation > ?", arguments: [generation]) ?? 0
            if pending > 0 {
                report.warnings.append("\(pending) documents from an unfinished ingest (generation \(generation + 1)); re-run the ingest to commit them")
            } else if generation == manifest.generation, documents != manifest.documentCount || chunks != manifest.chunkCount {
                report.problems.append("counts differ from the manifest: \(documents)/\(chunks) documents/chunks in SQLite, \(manifest.documentCount)/\(manifest.chunkCount) in MANIFEST.json")
            }
            let interrupted = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ingest_log WHERE status IN ('running', 'interrupted')") ?? 0
            if interrupted > 0 { report.warnings.append("\(interrupted) ingest(s) did not finish (see `quarry collections show`)") }

            // Every document's chunks: contiguous ordinals, text at the offsets, hashes.
            let docs = try Row.fetchCursor(db, sql: "SELECT id, doc_id, text FROM documents ORDER BY id")
            let chunkStatement = try db.makeStatement(sql: "SELECT ordinal, text, start_offset, end_offset, content_hash FROM chunks WHERE document_id = ? ORDER BY ordinal")
            var bad = 0
            while let doc = try docs.next() {
                let rowID: Int64 = doc[0]
                let docID: String = doc[1]
                let text: String = doc[2]
                let scalars = Array(text.unicodeScalars)
                let rows = try Row.fetchAll(chunkStatement, arguments: [rowID])
                if rows.isEmpty { report.problems.append("document \(Printable.quoted(docID)) has no chunks"); bad += 1 }
                for (expected, row) in rows.enumerated() {
                    let ordinal: Int = row[0]
                    let chunkText: String = row[1]
                    let start: Int = row[2]
                    let end: Int = row[3]
                    let hash: String = row[4]
                    var issue: String?
                    if ordinal != expected {
                        issue = "ordinal \(ordinal) where \(expected) was expected"
                    } else if start < 0 || end > scalars.count || start > end {
                        issue = "offsets \(start)..<\(end) outside the text (\(scalars.count) characters)"
                    } else {
                        var slice = String.UnicodeScalarView()
                        slice.append(contentsOf: scalars[start ..< end])
                        if String(slice) != chunkText { issue = "chunk \(ordinal) text differs from the document text at \(start)..<\(end)" }
                        else if ContentHash.sha256(chunkText) != hash { issue = "chunk \(ordinal) content hash mismatch" }
                    }
                    if let issue {
                        bad += 1
                        if bad <= 20 { report.problems.append("document \(Printable.quoted(docID)): \(issue)") }
                        break
                    }
                }
            }
            if bad > 20 { report.problems.append("… and \(bad - 20) more damaged documents") }
            return report
        }
    }
}
