import Crypto
import Foundation
import QuarryCore

/// The on-disk format of a BM25 index, `lexical.<generation>.bm25`, version 1.
///
/// ```
/// header   128 bytes  magic "QBM25IDX", version, generation, document and term counts,
///                     total length, the k1/b the stored score bounds were computed for,
///                     section offsets, analyzer name
/// docs     N × Int64 chunk ids (ascending), then N × UInt32 lengths (text + title tokens)
/// terms    T × 40-byte entries, sorted by term bytes: term offset/length, df, postings
///          offset/length, block count, max score fraction
/// strings  the term bytes (UTF-8), concatenated
/// postings per term: a block directory (last doc, end offset, max fraction per block of
///          128 postings) then the blocks: varint doc deltas interleaved with varint
///          (text tf << 1 | has-title) and, when flagged, varint title tf
/// footer   SHA-256 of everything before it, then "QBM25END"
/// ```
/// All integers little-endian. The file is immutable once written; a new generation is a
/// new file. Readers verify the checksum and every section bound before use.
public enum BM25File {
    static let magic = Array("QBM25IDX".utf8)
    static let endMagic = Array("QBM25END".utf8)
    /// The format version this build writes and the newest it reads.
    public static let version: UInt32 = 1
    static let headerSize = 128
    static let termEntrySize = 40
    static let blockEntrySize = 12
    static let footerSize = 40
    /// Postings per block: the unit of skipping and of the block-max bounds.
    public static let blockSize = 128

    /// Where each header field sits, in bytes from the start of the file: the one place the
    /// layout is written down, used by both `encode` and `parseHeader`.
    enum Field {
        static let magic = 0 ..< 8
        static let version = 8          // UInt32
        static let generation = 16      // UInt64
        static let documentCount = 24   // UInt32
        static let termCount = 28       // UInt32
        static let totalLength = 32     // UInt64
        static let boundK1 = 40         // Float32
        static let boundB = 44          // Float32
        static let boundTitleBoost = 48 // Float32
        /// docs, terms, strings, postings, footer: five UInt64s.
        static let sectionOffsets = 56
        static let analyzer = 96 ..< 128 // UTF-8, NUL-padded
    }

    /// Where each field of a 40-byte term dictionary entry sits, from the entry's start.
    enum TermField {
        static let stringOffset = 0    // UInt32, into the strings section
        static let stringLength = 4    // UInt32
        static let df = 8              // UInt32
        static let postingsOffset = 12 // UInt64, into the postings section
        static let postingsLength = 20 // UInt32
        static let blockCount = 24     // UInt32
        static let maxFraction = 28    // Float32
    }

    /// Where each field of a 12-byte block directory entry sits.
    enum BlockField {
        static let lastDocument = 0 // UInt32
        static let end = 4          // UInt32, from the term's block data
        static let maxFraction = 8  // Float32
    }

    /// The self-description of a file, readable without loading the body.
    public struct Header: Sendable, Equatable {
        public var version: UInt32
        public var generation: UInt64
        public var documentCount: Int
        public var termCount: Int
        public var totalLength: UInt64
        public var boundParameters: BM25Parameters
        public var analyzer: String
        var docsOffset: Int
        var termsOffset: Int
        var stringsOffset: Int
        var postingsOffset: Int
        var footerOffset: Int
    }

    /// Reads just the header of a file.
    public static func readHeader(at path: String) throws -> Header {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let data = try handle.read(upToCount: headerSize) ?? Data()
        return try data.withUnsafeBytes { try parseHeader($0, fileSize: Int.max, path: path) }
    }

    static func parseHeader(_ bytes: UnsafeRawBufferPointer, fileSize: Int, path: String) throws -> Header {
        guard bytes.count >= headerSize, Array(bytes[Field.magic]) == magic else {
            throw IndexError(.corrupt, path: path, "not a Quarry BM25 index (bad magic or too short)")
        }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func f32(_ at: Int) -> Float { Float(bitPattern: u32(at)) }
        let version = u32(Field.version)
        guard version <= BM25File.version, version >= 1 else {
            throw IndexError(.unsupportedVersion, path: path, "BM25 index format v\(version) unsupported (this build reads v1...v\(BM25File.version))")
        }
        let nameBytes = Array(bytes[Field.analyzer]).prefix { $0 != 0 }
        let offsets = (0 ..< 5).map { Int(clamping: u64(Field.sectionOffsets + $0 * 8)) }
        let header = Header(version: version, generation: u64(Field.generation), documentCount: Int(u32(Field.documentCount)),
                            termCount: Int(u32(Field.termCount)), totalLength: u64(Field.totalLength),
                            boundParameters: BM25Parameters(k1: f32(Field.boundK1), b: f32(Field.boundB), titleBoost: f32(Field.boundTitleBoost)),
                            analyzer: String(decoding: nameBytes, as: UTF8.self),
                            docsOffset: offsets[0], termsOffset: offsets[1], stringsOffset: offsets[2], postingsOffset: offsets[3],
                            footerOffset: offsets[4])
        return header
    }

    /// Serialises a built index: `terms` must be sorted by byte order and the postings'
    /// document numbers must index `chunkIDs`.
    public static func encode(generation: UInt64, analyzer: String, chunkIDs: [Int64], lengths: [UInt32],
                              terms: [(term: [UInt8], postings: PostingList)],
                              boundParameters: BM25Parameters = BM25Parameters()) -> [UInt8] {
        let n = chunkIDs.count
        let totalLength = lengths.reduce(UInt64(0)) { $0 + UInt64($1) }
        let averageLength = n > 0 ? Float(Double(totalLength) / Double(n)) : 1
        var out = [UInt8](repeating: 0, count: headerSize)
        out.reserveCapacity(headerSize + n * 12 + terms.count * 64)
        let docsOffset = out.count
        for id in chunkIDs { out.appendLE(UInt64(bitPattern: id)) }
        for length in lengths { out.appendLE(length) }
        let termsOffset = out.count
        out.append(contentsOf: [UInt8](repeating: 0, count: terms.count * termEntrySize))
        let stringsOffset = out.count
        var termOffsets: [Int] = []
        termOffsets.reserveCapacity(terms.count)
        for entry in terms {
            termOffsets.append(out.count - stringsOffset)
            out.append(contentsOf: entry.term)
        }
        let postingsOffset = out.count
        let k1 = boundParameters.k1, b = boundParameters.b
        var scratch: [UInt8] = []
        for (index, entry) in terms.enumerated() {
            let list = entry.postings
            let start = out.count - postingsOffset
            let blockCount = (list.count + blockSize - 1) / blockSize
            let directoryStart = out.count
            out.append(contentsOf: [UInt8](repeating: 0, count: blockCount * blockEntrySize))
            let dataStart = out.count
            var previous: UInt32 = 0
            var termMax: Float = 0
            for block in 0 ..< blockCount {
                scratch.removeAll(keepingCapacity: true)
                var blockMax: Float = 0
                let range = block * blockSize ..< min(list.count, (block + 1) * blockSize)
                for i in range {
                    let doc = list.documents[i]
                    VarInt.append(doc &- previous, to: &scratch)
                    previous = doc
                    let text = list.textFrequencies[i], title = list.titleFrequencies[i]
                    VarInt.append(text << 1 | (title > 0 ? 1 : 0), to: &scratch)
                    if title > 0 { VarInt.append(title, to: &scratch) }
                    // The bound uses tf with the title counted at the bound's boost.
                    let tf = Float(text) + boundParameters.titleBoost * Float(title)
                    let norm = k1 * (1 - b + b * Float(lengths[Int(doc)]) / averageLength)
                    blockMax = max(blockMax, tf / (tf + norm))
                }
                out.append(contentsOf: scratch)
                let entryAt = directoryStart + block * blockEntrySize
                out.storeLE(previous, at: entryAt + BlockField.lastDocument)
                out.storeLE(UInt32(out.count - dataStart), at: entryAt + BlockField.end)
                out.storeLE(blockMax.bitPattern, at: entryAt + BlockField.maxFraction)
                termMax = max(termMax, blockMax)
            }
            let termAt = termsOffset + index * termEntrySize
            out.storeLE(UInt32(termOffsets[index]), at: termAt + TermField.stringOffset)
            out.storeLE(UInt32(entry.term.count), at: termAt + TermField.stringLength)
            out.storeLE(UInt32(list.count), at: termAt + TermField.df)
            out.storeLE(UInt64(start), at: termAt + TermField.postingsOffset)
            out.storeLE(UInt32(out.count - postingsOffset - start), at: termAt + TermField.postingsLength)
            out.storeLE(UInt32(blockCount), at: termAt + TermField.blockCount)
            out.storeLE(termMax.bitPattern, at: termAt + TermField.maxFraction)
        }
        let footerOffset = out.count
        // Header.
        out.replaceSubrange(Field.magic, with: magic)
        out.storeLE(version, at: Field.version)
        out.storeLE(UInt64(generation), at: Field.generation)
        out.storeLE(UInt32(n), at: Field.documentCount)
        out.storeLE(UInt32(terms.count), at: Field.termCount)
        out.storeLE(totalLength, at: Field.totalLength)
        out.storeLE(boundParameters.k1.bitPattern, at: Field.boundK1)
        out.storeLE(boundParameters.b.bitPattern, at: Field.boundB)
        out.storeLE(boundParameters.titleBoost.bitPattern, at: Field.boundTitleBoost)
        for (i, offset) in [docsOffset, termsOffset, stringsOffset, postingsOffset, footerOffset].enumerated() {
            out.storeLE(UInt64(offset), at: Field.sectionOffsets + i * 8)
        }
        let name = Array(analyzer.utf8.prefix(Field.analyzer.count))
        out.replaceSubrange(Field.analyzer.lowerBound ..< Field.analyzer.lowerBound + name.count, with: name)
        let digest = SHA256.hash(data: out)
        out.append(contentsOf: digest)
        out.append(contentsOf: endMagic)
        return out
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { self[offset + i] = byte }
        }
    }
}
