import Foundation
import QuarryCore
import QuarryStore

/// Makes sure a collection's derived file (an index) is usable before a search uses it.
///
/// The file the manifest lists for its generation is opened with the caller's `open`
/// (which verifies the checksum), and the opened value is handed back, so a file is read and
/// checked once per search. A missing, damaged or mismatched file is never used: when no
/// writer holds the collection and no ingest is unfinished, it is rebuilt from SQLite and the
/// manifest updated; otherwise the value is nil and the caller builds a private copy in
/// memory. Every repair is reported in `notes`.
enum DerivedFiles {
    struct Outcome<Value> {
        var reader: CollectionReader
        var notes: [String]
        /// The opened file, or nil when none is usable (build in memory).
        var value: Value?
    }

    static func ensure<Value>(home: QuarryHome, collection name: String, builder: any DerivedIndexBuilder,
                              open: (URL, CollectionReader) throws -> Value) async throws -> Outcome<Value> {
        var reader = try CollectionReader(home: home, name: name)
        var notes: [String] = []
        var damaged: Set<String> = []
        if let entry = reader.manifest.derivedFile(builder.kind) {
            do {
                return Outcome(reader: reader, notes: notes, value: try open(reader.directory.appendingPathComponent(entry.name), reader))
            } catch {
                notes.append("\(builder.kind) index damaged or mismatched (\(error)); rebuilding from collection.sqlite")
                damaged.insert(builder.kind)
            }
        } else {
            notes.append("collection '\(name)' has no \(builder.kind) index for generation \(reader.manifest.generation); building it from collection.sqlite")
        }
        if let writer = try? CollectionWriter(home: home, name: name, settings: reader.manifest.settings) {
            let pending = (try? await writer.hasPendingRows()) ?? true
            if !pending {
                do {
                    _ = try await writer.commit(builders: [builder], rebuilding: damaged)
                    notes += await writer.buildNotes
                    await writer.close()
                    reader = try CollectionReader(home: home, name: name)
                    if let entry = reader.manifest.derivedFile(builder.kind) {
                        return Outcome(reader: reader, notes: notes, value: try open(reader.directory.appendingPathComponent(entry.name), reader))
                    }
                } catch {
                    await writer.close()
                    notes.append("could not persist the rebuilt index (\(error))")
                }
            } else {
                await writer.close()
            }
        }
        notes.append("the collection is being written (or an ingest is unfinished); searching a temporary index built from its current contents")
        return Outcome(reader: reader, notes: notes, value: nil)
    }
}
