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
        guard bytes.count >= headerSize, Array(bytes[0 ..< 8]) == magic else {
            throw IndexError(.corrupt, path: path, "not a Quarry BM25 index (bad magic or too short)")
        }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func f32(_ at: Int) -> Float { Float(bitPattern: u32(at)) }
        let version = u32(8)
        guard version <= BM25File.version, version >= 1 else {
            throw IndexError(.unsupportedVersion, path: path, "BM25 index format v\(version) unsupported (this build reads v1...v\(BM25File.version))")
        }
        let nameBytes = Array(bytes[96 ..< 128]).prefix { $0 != 0 }
        let offsets = [u64(56), u64(64), u64(72), u64(80), u64(88)].map { Int(clamping: $0) }
        let header = Header(version: version, generation: u64(16), documentCount: Int(u32(24)), termCount: Int(u32(28)),
                            totalLength: u64(32), boundParameters: BM25Parameters(k1: f32(40), b: f32(44), titleBoost: f32(48)),
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
                out.storeLE(previous, at: entryAt)
                out.storeLE(UInt32(out.count - dataStart), at: entryAt + 4)
                out.storeLE(blockMax.bitPattern, at: entryAt + 8)
                termMax = max(termMax, blockMax)
            }
            let termAt = termsOffset + index * termEntrySize
            out.storeLE(UInt32(termOffsets[index]), at: termAt)
            out.storeLE(UInt32(entry.term.count), at: termAt + 4)
            out.storeLE(UInt32(list.count), at: termAt + 8)
            out.storeLE(UInt64(start), at: termAt + 12)
            out.storeLE(UInt32(out.count - postingsOffset - start), at: termAt + 20)
            out.storeLE(UInt32(blockCount), at: termAt + 24)
            out.storeLE(termMax.bitPattern, at: termAt + 28)
        }
        let footerOffset = out.count
        // Header.
        out.replaceSubrange(0 ..< 8, with: magic)
        out.storeLE(version, at: 8)
        out.storeLE(UInt64(generation), at: 16)
        out.storeLE(UInt32(n), at: 24)
        out.storeLE(UInt32(terms.count), at: 28)
        out.storeLE(totalLength, at: 32)
        out.storeLE(boundParameters.k1.bitPattern, at: 40)
        out.storeLE(boundParameters.b.bitPattern, at: 44)
        out.storeLE(boundParameters.titleBoost.bitPattern, at: 48)
        for (i, offset) in [docsOffset, termsOffset, stringsOffset, postingsOffset, footerOffset].enumerated() {
            out.storeLE(UInt64(offset), at: 56 + i * 8)
        }
        let name = Array(analyzer.utf8.prefix(32))
        out.replaceSubrange(96 ..< 96 + name.count, with: name)
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
