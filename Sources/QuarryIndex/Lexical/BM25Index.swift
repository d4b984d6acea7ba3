/// BM25 search over a `BM25Reader` with MaxScore (Turtle & Flood 1995): query terms are
/// ordered by their score upper bounds; terms whose bounds together cannot lift a document
/// above the current k-th score are "non-essential" and only probed (with block skipping)
/// for documents the essential terms produce. Scores are exact: pruning never changes the
/// top k, which a differential test checks against `exhaustiveSearch`.
public struct BM25Index: LexicalIndex {
    public let reader: BM25Reader

    public init(reader: BM25Reader) {
        self.reader = reader
    }

    public var documentCount: Int { reader.documentCount }

    public func contains(term: String) -> Bool { reader.termIndex(term) != nil }

    public func idf(_ term: String) -> Float {
        guard let index = reader.termIndex(term) else { return 0 }
        return BM25Parameters.idf(documentCount: reader.documentCount, documentFrequency: reader.entry(index).df)
    }

    struct QueryTerm {
        var cursor: PostingCursor
        var weight: Float
        var bound: Float
    }

    /// The distinct query terms found in the dictionary, weighted by idf × repetitions.
    func prepare(_ terms: [String], _ parameters: BM25Parameters) -> [QueryTerm] {
        var repetitions: [String: Int] = [:]
        var order: [String] = []
        for term in terms {
            if repetitions[term] == nil { order.append(term) }
            repetitions[term, default: 0] += 1
        }
        let exactBounds = parameters == reader.header.boundParameters
        var prepared: [QueryTerm] = []
        for term in order {
            guard let index = reader.termIndex(term) else { continue }
            let entry = reader.entry(index)
            let weight = Float(repetitions[term]!) * BM25Parameters.idf(documentCount: reader.documentCount, documentFrequency: entry.df)
            guard weight > 0 else { continue }
            // Stored bounds hold only for the parameters they were computed with; otherwise
            // tf / (tf + norm) < 1 bounds every contribution by the weight itself.
            let bound = exactBounds ? weight * entry.maxFraction * 1.0001 : weight
            prepared.append(QueryTerm(cursor: PostingCursor(reader: reader, entry: entry, titleBoost: parameters.titleBoost),
                                      weight: weight, bound: bound))
        }
        return prepared
    }

    public func search(terms: [String], k: Int, parameters: BM25Parameters, allowing allowed: Set<Int64>?) -> [ScoredChunk] {
        guard k > 0, reader.documentCount > 0 else { return [] }
        if let allowed, allowed.isEmpty { return [] }
        let permitted: [Bool]? = allowed.map { allowed in (0 ..< reader.documentCount).map { allowed.contains(reader.chunkID(UInt32($0))) } }
        let query = prepare(terms, parameters).sorted { $0.bound < $1.bound }
        guard !query.isEmpty else { return [] }
        let n = query.count
        let cursors = UnsafeMutableBufferPointer<PostingCursor>.allocate(capacity: n)
        _ = cursors.initialize(from: query.map(\.cursor))
        defer {
            for i in 0 ..< n { cursors[i].release() }
            cursors.deallocate()
        }
        let weights = query.map(\.weight)
        var cumulative = [Float](repeating: 0, count: n)
        var sum: Float = 0
        for i in 0 ..< n {
            sum += query[i].bound
            cumulative[i] = sum
        }
        let c0 = parameters.k1 * (1 - parameters.b)
        let c1 = parameters.k1 * parameters.b / reader.averageLength
        let lengths = reader.lengths
        var heap = TopK(k: k)
        var threshold: Float = 0
        var firstEssential = 0
        weights.withUnsafeBufferPointer { weights in
            cumulative.withUnsafeBufferPointer { cumulative in
                while true {
                    // The smallest current document among essential terms.
                    var doc = PostingCursor.exhausted
                    for i in firstEssential ..< n where cursors[i].current < doc { doc = cursors[i].current }
                    if doc == PostingCursor.exhausted { break }
                    if let permitted, !permitted[Int(doc)] {
                        for i in firstEssential ..< n where cursors[i].current == doc { cursors[i].next() }
                        continue
                    }
                    let norm = c0 + c1 * Float(lengths[Int(doc)])
                    var score: Float = 0
                    for i in firstEssential ..< n where cursors[i].current == doc {
                        let tf = cursors[i].frequency
                        score += weights[i] * tf / (tf + norm)
                        cursors[i].next()
                    }
                    var i = firstEssential - 1
                    while i >= 0 {
                        if score + cumulative[i] <= threshold { break }
                        cursors[i].advance(to: doc)
                        if cursors[i].current == doc {
                            let tf = cursors[i].frequency
                            score += weights[i] * tf / (tf + norm)
                        }
                        i -= 1
                    }
                    if i < 0, score > threshold || !heap.isFull, heap.insert(score: score, document: doc) {
                        threshold = heap.threshold
                        while firstEssential < n, cumulative[firstEssential] <= threshold { firstEssential += 1 }
                        if firstEssential == n { break }
                    }
                }
            }
        }
        return heap.sorted().map { ScoredChunk(chunkID: reader.chunkID($0.document), score: $0.score) }
    }

    /// Scores every posting of every query term (term at a time): the exact twin that
    /// tests compare MaxScore against, and the baseline for benchmarks.
    public func exhaustiveSearch(terms: [String], k: Int, parameters: BM25Parameters = BM25Parameters()) -> [ScoredChunk] {
        guard k > 0 else { return [] }
        var scores: [UInt32: Float] = [:]
        let c0 = parameters.k1 * (1 - parameters.b)
        let c1 = parameters.k1 * parameters.b / reader.averageLength
        for var term in prepare(terms, parameters) {
            while term.cursor.current != PostingCursor.exhausted {
                let doc = term.cursor.current
                let tf = term.cursor.frequency
                scores[doc, default: 0] += term.weight * tf / (tf + c0 + c1 * Float(reader.length(doc)))
                term.cursor.next()
            }
            term.cursor.release()
        }
        var heap = TopK(k: k)
        for (doc, score) in scores.sorted(by: { $0.key < $1.key }) { _ = heap.insert(score: score, document: doc) }
        return heap.sorted().map { ScoredChunk(chunkID: reader.chunkID($0.document), score: $0.score) }
    }
}

/// A bounded min-heap of the best `k` (score, document) pairs. Among equal scores the
/// smaller document number ranks higher, so results are deterministic. Storage is one
/// unsafe allocation: the heap sits in the search's innermost loop.
struct TopK: ~Copyable {
    let k: Int
    private var scores: UnsafeMutablePointer<Float>
    private var documents: UnsafeMutablePointer<UInt32>
    private(set) var count = 0

    init(k: Int) {
        self.k = k
        scores = .allocate(capacity: k)
        documents = .allocate(capacity: k)
    }

    deinit {
        scores.deallocate()
        documents.deallocate()
    }

    /// The score a new document must beat (0 until the heap is full: only positive scores count).
    var threshold: Float { count < k ? 0 : scores[0] }

    var isFull: Bool { count >= k }

    @inline(__always)
    private func worse(_ a: Int, _ b: Int) -> Bool {
        scores[a] < scores[b] || (scores[a] == scores[b] && documents[a] > documents[b])
    }

    @inline(__always)
    private func swapAt(_ a: Int, _ b: Int) {
        swap(&scores[a], &scores[b])
        swap(&documents[a], &documents[b])
    }

    /// Inserts when the pair belongs in the top k; returns whether it did.
    mutating func insert(score: Float, document: UInt32) -> Bool {
        guard score > 0 else { return false }
        if count < k {
            scores[count] = score
            documents[count] = document
            var child = count
            count += 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard worse(child, parent) else { break }
                swapAt(child, parent)
                child = parent
            }
            return true
        }
        guard scores[0] < score || (scores[0] == score && documents[0] > document) else { return false }
        scores[0] = score
        documents[0] = document
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < count, worse(left, smallest) { smallest = left }
            if right < count, worse(right, smallest) { smallest = right }
            if smallest == parent { break }
            swapAt(parent, smallest)
            parent = smallest
        }
        return true
    }

    /// Best first.
    func sorted() -> [(score: Float, document: UInt32)] {
        (0 ..< count).map { (score: scores[$0], document: documents[$0]) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.document < $1.document) }
    }
}
