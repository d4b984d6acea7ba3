import Foundation
import QuarryCore
import QuarryStore

/// Makes sure a collection's derived files (indexes) are usable before a search opens them.
///
/// Each file the manifest lists for its generation is checked with the caller's validator
/// (which opens it and verifies the checksum). A missing, damaged or mismatched file is
/// never used: when no writer holds the collection and no ingest is unfinished, it is
/// rebuilt from SQLite and the manifest updated; otherwise the caller builds a private copy
/// in memory. Every repair is reported in `notes`.
enum DerivedFiles {
    struct Outcome {
        var reader: CollectionReader
        var notes: [String]
        /// Kinds with no usable file (the caller must build them in memory).
        var unavailable: Set<String>
    }

    static func ensure(home: QuarryHome, collection name: String, builders: [any DerivedIndexBuilder],
                       validate: (String, URL, CollectionReader) throws -> Void) async throws -> Outcome {
        var reader = try CollectionReader(home: home, name: name)
        var notes: [String] = []
        var missing: [any DerivedIndexBuilder] = []
        var damaged: Set<String> = []
        for builder in builders {
            guard let entry = reader.manifest.derivedFile(builder.kind) else {
                notes.append("collection '\(name)' has no \(builder.kind) index for generation \(reader.manifest.generation); building it from collection.sqlite")
                missing.append(builder)
                continue
            }
            do {
                try validate(builder.kind, reader.directory.appendingPathComponent(entry.name), reader)
            } catch {
                notes.append("\(builder.kind) index damaged or mismatched (\(error)); rebuilding from collection.sqlite")
                missing.append(builder)
                damaged.insert(builder.kind)
            }
        }
        guard !missing.isEmpty else { return Outcome(reader: reader, notes: notes, unavailable: []) }
        if let writer = try? CollectionWriter(home: home, name: name, settings: reader.manifest.settings) {
            let pending = (try? await writer.hasPendingRows()) ?? true
            if !pending {
                do {
                    _ = try await writer.commit(builders: missing, rebuilding: damaged)
                    notes += await writer.buildNotes
                    await writer.close()
                    reader = try CollectionReader(home: home, name: name)
                    return Outcome(reader: reader, notes: notes, unavailable: [])
                } catch {
                    await writer.close()
                    notes.append("could not persist the rebuilt index (\(error))")
                }
            } else {
                await writer.close()
            }
        }
        notes.append("the collection is being written (or an ingest is unfinished); searching a temporary index built from its current contents")
        return Outcome(reader: reader, notes: notes, unavailable: Set(missing.map(\.kind)))
    }
}
