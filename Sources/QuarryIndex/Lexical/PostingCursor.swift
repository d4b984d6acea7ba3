/// Walks one term's postings block by block, decoding a block of up to 128 postings at a
/// time and skipping whole blocks through the block directory (`advance(to:)`), so a
/// search touches only the blocks that can hold candidates.
/// A trivial value (pointers and integers only, no reference counting), so a search keeps
/// its cursors in one unsafe buffer and the hot loop does no ARC or copy-on-write work;
/// `release()` frees the block buffer.
struct PostingCursor {
    static let exhausted = UInt32.max

    let base: UnsafePointer<UInt8>
    let directory: Int
    let dataStart: Int
    let dataEnd: Int
    let blockCount: Int
    let documentLimit: UInt32
    let titleBoost: Float

    var block = -1
    var position = 0
    var count = 0
    // One allocation for the decoded block: documents, text tf, title tf.
    let documents: UnsafeMutablePointer<UInt32>
    let texts: UnsafeMutablePointer<UInt32>
    let titles: UnsafeMutablePointer<UInt32>
    /// The current document, or `exhausted`.
    private(set) var current: UInt32 = PostingCursor.exhausted

    init(reader: BM25Reader, entry: BM25Reader.TermEntry, titleBoost: Float) {
        base = reader.base
        directory = reader.header.postingsOffset + entry.postingsOffset
        dataStart = directory + entry.blockCount * BM25File.blockEntrySize
        dataEnd = reader.header.postingsOffset + entry.postingsOffset + entry.postingsLength
        blockCount = entry.blockCount
        documentLimit = UInt32(reader.header.documentCount)
        self.titleBoost = titleBoost
        documents = .allocate(capacity: 3 * BM25File.blockSize)
        texts = documents + BM25File.blockSize
        titles = documents + 2 * BM25File.blockSize
        load(block: 0)
    }

    /// Frees the decoded-block buffer; the cursor must not be used afterwards.
    func release() {
        documents.deallocate()
    }

    var textFrequency: UInt32 { texts[position] }
    var titleFrequency: UInt32 { titles[position] }

    /// The boosted term frequency at the current posting.
    @inline(__always)
    var frequency: Float { Float(texts[position]) + titleBoost * Float(titles[position]) }

    @inline(__always)
    func blockLastDocument(_ b: Int) -> UInt32 {
        UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: directory + b * BM25File.blockEntrySize + BM25File.BlockField.lastDocument, as: UInt32.self))
    }

    @inline(__always)
    func blockEnd(_ b: Int) -> Int {
        dataStart + Int(UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: directory + b * BM25File.blockEntrySize + BM25File.BlockField.end, as: UInt32.self)))
    }

    /// The block-max score fraction of block `b` (for the bound's parameters).
    @inline(__always)
    func blockMaxFraction(_ b: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: directory + b * BM25File.blockEntrySize + BM25File.BlockField.maxFraction, as: UInt32.self)))
    }

    /// Decodes block `b`; a damaged block ends the list rather than reading out of bounds.
    mutating func load(block b: Int) {
        guard b < blockCount else {
            current = PostingCursor.exhausted
            block = blockCount
            return
        }
        var offset = b == 0 ? dataStart : blockEnd(b - 1)
        let end = min(blockEnd(b), dataEnd)
        var previous: UInt32 = b == 0 ? 0 : blockLastDocument(b - 1)
        var n = 0
        while offset < end, n < BM25File.blockSize {
            guard let delta = VarInt.read(base, &offset, end), let packed = VarInt.read(base, &offset, end) else { break }
            let doc = previous &+ delta
            guard doc < documentLimit, n == 0 && b == 0 || doc > previous else { break }
            var title: UInt32 = 0
            if packed & 1 == 1 {
                guard let t = VarInt.read(base, &offset, end) else { break }
                title = t
            }
            documents[n] = doc
            texts[n] = packed >> 1
            titles[n] = title
            previous = doc
            n += 1
        }
        block = b
        count = n
        position = 0
        current = n > 0 ? documents[0] : PostingCursor.exhausted
    }

    @inline(__always)
    mutating func next() {
        position += 1
        if position < count {
            current = documents[position]
        } else {
            load(block: block + 1)
        }
    }

    /// Moves to the first posting with document ≥ `target`.
    mutating func advance(to target: UInt32) {
        guard current < target else { return }
        if blockLastDocument(block) < target {
            var b = block + 1
            while b < blockCount, blockLastDocument(b) < target { b += 1 }
            load(block: b)
            if current == PostingCursor.exhausted { return }
        }
        while position < count, documents[position] < target { position += 1 }
        if position < count { current = documents[position] } else { load(block: block + 1) }
    }
}
