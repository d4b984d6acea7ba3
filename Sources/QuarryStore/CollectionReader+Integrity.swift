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

            let generation = manifest.generation
            let legacyPending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents WHERE generation > ?", arguments: [generation]) ?? 0
            if legacyPending > 0 {
                report.warnings.append("\(legacyPending) documents from an unfinished ingest of an older Quarry (generation \(generation + 1)); the next commit publishes them")
            } else if documents != manifest.documentCount || chunks != manifest.chunkCount {
                report.problems.append("counts differ from the committed generation \(generation): \(documents)/\(chunks) documents/chunks in the tables, \(manifest.documentCount)/\(manifest.chunkCount) recorded at commit")
            }
            let staged = try CommittedState.staged(db)
            if staged.documents > 0 {
                let owners = staged.ingests.map { "#\($0)" }.joined(separator: ", ")
                report.warnings.append("\(staged.documents) documents staged by an unfinished ingest \(owners.isEmpty ? "" : "(\(owners)) ")are not committed and not visible; re-run the same ingest to commit them (any other write rolls them back)")
            }
            let interrupted = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM ingest_log WHERE status IN ('running', 'interrupted')
                AND id > COALESCE((SELECT MAX(id) FROM ingest_log WHERE generation IS NOT NULL), 0)
                """) ?? 0
            if interrupted > 0 { report.warnings.append("\(interrupted) ingest(s) did not finish (see `quarry collections show`)") }

            // Every derived file the committed generation names: present, same size and checksum.
            for file in manifest.derivedFiles {
                let url = directory.appendingPathComponent(file.name)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    report.problems.append("\(file.kind) index \(file.name) is missing (rebuilt on next use, or run `quarry collections reindex \(name)`)")
                    continue
                }
                if data.count != file.bytes || ContentHash.sha256(data) != file.sha256 {
                    report.problems.append("\(file.kind) index \(file.name) does not match its recorded size or checksum (\(data.count) of \(file.bytes) bytes)")
                }
            }
            let named = Set(manifest.derivedFiles.map(\.name))
            let orphans = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { !named.contains($0) && CommittedState.isDerivedOrTemporary($0) }.sorted()
            if !orphans.isEmpty { report.warnings.append("files no commit names (the next writer removes them): \(orphans.joined(separator: ", "))") }
            let published = directory.appendingPathComponent(CollectionWriter.Files.manifest)
            if let copy = try? Manifest.read(from: published, collection: name) {
                if copy != manifest { report.warnings.append("MANIFEST.json names generation \(copy.generation) and differs from what collection.sqlite committed (\(generation)); the next writer rewrites it") }
            } else {
                report.warnings.append("MANIFEST.json is missing or damaged; the next writer rewrites it from collection.sqlite")
            }

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
