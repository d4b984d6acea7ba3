import Foundation
import QuarryCore

extension HNSWIndex {
    /// Loads an index file written by `encoded(generation:embedderID:)`, verifying its
    /// checksum and structure (see `HNSWFile`). The graph is copied into memory (the
    /// vectors in one copy), so the loaded index accepts adds and removes.
    ///
    /// With `quantization: .int8` only the links and the vectors' SQ8 codes are copied: the
    /// float vectors are read in place from the mapped file, and after loading the file's
    /// pages are released (they stay in the page cache), so anonymous memory holds about a
    /// third of the float index; the floats that rescoring reads come back as file pages,
    /// which the kernel may drop again under memory pressure. An add copies them in first.
    /// - Parameters:
    ///   - path: the `.hnsw` file.
    ///   - expectedEmbedderID: when given, the file must have been built with it.
    ///   - configuration: search and maintenance knobs to use instead of the file's
    ///     (`expansionSearch`, the filter knobs, `compactionThreshold`); the graph's own
    ///     `connectivity`, `expansionAdd` and `seed` always come from the file.
    ///   - quantization: how searches read the vectors (`.none`: floats in memory).
    /// - Throws: `IndexError.io` (unreadable), `.corrupt`, `.unsupportedVersion`,
    ///   `.mismatch` (another embedder), or `.invalidArgument` (a bad `configuration`).
    public convenience init(path: String, expectedEmbedderID: String? = nil, configuration: Configuration? = nil,
                            quantization: VectorQuantization = .none) throws {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw IndexError(.io, path: path, "cannot open the HNSW index: \(error)")
        }
        let decoded = try HNSWFile.decode(file.bytes, path: path, mapping: quantization == .int8 ? file : nil)
        if let expectedEmbedderID, decoded.header.embedderID != expectedEmbedderID {
            throw IndexError(.mismatch, path: path,
                             "vectors were built with embedder '\(decoded.header.embedderID)', not '\(expectedEmbedderID)'; re-embed or rebuild the index")
        }
        try self.init(decoded: decoded, overriding: configuration, quantization: quantization)
        // Verification and encoding read the whole file; from now on searches read only
        // the floats they rescore (everything else was copied).
        if quantization == .int8 { file.releasePages(0 ..< file.count) }
    }

    /// Decodes an in-memory file image (as `encoded` returns).
    /// - Throws: as `init(path:expectedEmbedderID:configuration:)`.
    public convenience init(decoding bytes: [UInt8], configuration: Configuration? = nil, quantization: VectorQuantization = .none) throws {
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { image.deallocate() }
        image.copyBytes(from: bytes)
        let decoded = try HNSWFile.decode(UnsafeRawBufferPointer(image), path: "")
        try self.init(decoded: decoded, overriding: configuration, quantization: quantization)
    }

    /// The index as an `HNSWFile` image: a consistent snapshot (writers wait; searches go
    /// on). Write it with an atomic rename; it is immutable once written.
    /// - Parameters:
    ///   - generation: the collection generation the file belongs to.
    ///   - embedderID: which embedder made the vectors (≤ 64 UTF-8 bytes).
    /// - Throws: `IndexError.invalidArgument` for a bad embedder id.
    public func encoded(generation: UInt64, embedderID: String) throws -> [UInt8] {
        writerLock.lock()
        defer { writerLock.unlock() }
        // Only writers mutate, and we are the writer: reading without the shared lock is safe.
        return try HNSWFile.encode(graph: graph, ids: nodeIDs, metric: metric, configuration: configuration,
                                   rngState: rng.state, generation: generation, embedderID: embedderID)
    }
}
