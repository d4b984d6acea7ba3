import Crypto
import Foundation
import QuarryCore

/// A memory-mapped, verified BM25 index file: an immutable snapshot of one generation that
/// any number of threads can search at once.
///
/// Opening checks the footer checksum over the whole file and every section bound, so a
/// damaged file is refused (never half-used); decoding re-checks each document number and
/// varint against its bounds, so even a crafted file cannot make a search read outside
/// the map.
public final class BM25Reader: @unchecked Sendable {
    public let header: BM25File.Header
    public let path: String
    let file: MappedFile
    let base: UnsafePointer<UInt8>
    let averageLength: Float

    /// Opens and verifies a file.
    /// - Throws: `IndexError.corrupt` / `.unsupportedVersion`.
    public init(path: String) throws {
        do {
            file = try MappedFile(path: path)
        } catch {
            throw IndexError(.io, path: path, "\(error)")
        }
        self.path = path
        let bytes = file.bytes
        guard bytes.count >= BM25File.headerSize + BM25File.footerSize, let start = bytes.baseAddress else {
            throw IndexError(.corrupt, path: path, "BM25 index is truncated (\(bytes.count) bytes)")
        }
        base = start.assumingMemoryBound(to: UInt8.self)
        header = try BM25File.parseHeader(bytes, fileSize: bytes.count, path: path)
        let footerOffset = bytes.count - BM25File.footerSize
        guard header.footerOffset == footerOffset, Array(bytes[(footerOffset + 32)...]) == BM25File.endMagic else {
            throw IndexError(.corrupt, path: path, "BM25 index is truncated or has a bad footer")
        }
        let digest = SHA256.hash(data: UnsafeRawBufferPointer(rebasing: bytes[0 ..< footerOffset]))
        guard Array(digest) == Array(bytes[footerOffset ..< footerOffset + 32]) else {
            throw IndexError(.corrupt, path: path, "BM25 index checksum mismatch (the file is damaged)")
        }
        let n = header.documentCount
        guard header.docsOffset == BM25File.headerSize,
              header.termsOffset == header.docsOffset + n * 12,
              header.stringsOffset == header.termsOffset + header.termCount * BM25File.termEntrySize,
              header.postingsOffset >= header.stringsOffset, header.postingsOffset <= footerOffset else {
            throw IndexError(.corrupt, path: path, "BM25 index sections are inconsistent")
        }
        averageLength = n > 0 ? Float(Double(header.totalLength) / Double(n)) : 1
        try validateStructure()
    }

    /// Checks every term entry's ranges and the ordering of terms and chunk ids.
    private func validateStructure() throws {
        var previousID = Int64.min
        for i in 0 ..< header.documentCount {
            let id = chunkID(UInt32(i))
            guard id > previousID else { throw IndexError(.corrupt, path: path, "chunk ids out of order") }
            previousID = id
        }
        let stringsLength = header.postingsOffset - header.stringsOffset
        let postingsLength = header.footerOffset - header.postingsOffset
        var previous: UnsafeRawBufferPointer?
        for t in 0 ..< header.termCount {
            let entry = self.entry(t)
            guard entry.termOffset + entry.termLength <= stringsLength,
                  entry.postingsOffset <= postingsLength, entry.postingsLength <= postingsLength - entry.postingsOffset,
                  entry.blockCount * BM25File.blockEntrySize <= entry.postingsLength,
                  entry.df <= header.documentCount, entry.df > 0,
                  entry.blockCount == (entry.df + BM25File.blockSize - 1) / BM25File.blockSize else {
                throw IndexError(.corrupt, path: path, "term entry \(t) is out of bounds")
            }
            let term = termBytes(entry)
            if let previous, !previous.lexicographicallyPrecedes(term) {
                throw IndexError(.corrupt, path: path, "terms out of order at entry \(t)")
            }
            previous = term
        }
    }

    public var documentCount: Int { header.documentCount }
    public var termCount: Int { header.termCount }

    /// The chunk id of internal document `doc`.
    @inline(__always)
    public func chunkID(_ doc: UInt32) -> Int64 {
        Int64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: header.docsOffset + Int(doc) * 8, as: Int64.self))
    }

    /// The document lengths, as a pointer into the map (4-byte aligned: the section starts
    /// at 128 + 8·N).
    var lengths: UnsafePointer<UInt32> {
        UnsafeRawPointer(base + header.docsOffset + header.documentCount * 8).assumingMemoryBound(to: UInt32.self)
    }

    /// The length (tokens of text and title) of internal document `doc`.
    @inline(__always)
    func length(_ doc: UInt32) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(
            fromByteOffset: header.docsOffset + header.documentCount * 8 + Int(doc) * 4, as: UInt32.self))
    }

    struct TermEntry {
        var termOffset: Int
        var termLength: Int
        var df: Int
        var postingsOffset: Int
        var postingsLength: Int
        var blockCount: Int
        var maxFraction: Float
    }

    @inline(__always)
    func entry(_ t: Int) -> TermEntry {
        let at = header.termsOffset + t * BM25File.termEntrySize
        let raw = UnsafeRawPointer(base)
        func u32(_ o: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + o, as: UInt32.self))) }
        typealias Field = BM25File.TermField
        return TermEntry(termOffset: u32(Field.stringOffset), termLength: u32(Field.stringLength), df: u32(Field.df),
                         // Clamped: a damaged offset past Int.max must fail the range check, not trap.
                         postingsOffset: Int(clamping: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at + Field.postingsOffset, as: UInt64.self))),
                         postingsLength: u32(Field.postingsLength), blockCount: u32(Field.blockCount),
                         maxFraction: Float(bitPattern: UInt32(u32(Field.maxFraction))))
    }

    func termBytes(_ entry: TermEntry) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(base) + header.stringsOffset + entry.termOffset, count: entry.termLength)
    }

    /// The index of `term` in the dictionary, by binary search over byte order.
    public func termIndex(_ term: String) -> Int? {
        var bytes = Array(term.utf8)
        return bytes.withUnsafeMutableBytes { key -> Int? in
            var low = 0
            var high = header.termCount
            while low < high {
                let mid = (low + high) / 2
                let candidate = termBytes(entry(mid))
                if candidate.lexicographicallyPrecedes(key) { low = mid + 1 }
                else if UnsafeRawBufferPointer(key).lexicographicallyPrecedes(candidate) { high = mid }
                else { return mid }
            }
            return nil
        }
    }

    /// The term at a dictionary index.
    public func term(at index: Int) -> [UInt8] {
        Array(termBytes(entry(index)))
    }

    /// Document frequency of a term, 0 when absent.
    public func documentFrequency(_ term: String) -> Int {
        termIndex(term).map { entry($0).df } ?? 0
    }

    /// Decodes a term's whole posting list (for merging into a new generation).
    public func postings(at index: Int) -> PostingList {
        var list = PostingList()
        var cursor = PostingCursor(reader: self, entry: entry(index), titleBoost: 0)
        defer { cursor.release() }
        while cursor.current != PostingCursor.exhausted {
            list.append(document: cursor.current, text: cursor.textFrequency, title: cursor.titleFrequency)
            cursor.next()
        }
        return list
    }
}
