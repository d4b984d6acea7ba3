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

    public func search(terms: [String], k: Int, parameters: BM25Parameters) -> [LexicalHit] {
        guard k > 0, reader.documentCount > 0 else { return [] }
        var query = prepare(terms, parameters)
        guard !query.isEmpty else { return [] }
        query.sort { $0.bound < $1.bound }
        let n = query.count
        var cumulative = [Float](repeating: 0, count: n)
        var sum: Float = 0
        for i in 0 ..< n {
            sum += query[i].bound
            cumulative[i] = sum
        }
        let c0 = parameters.k1 * (1 - parameters.b)
        let c1 = parameters.k1 * parameters.b / reader.averageLength
        var heap = TopK(k: k)
        var firstEssential = 0
        while true {
            // The smallest current document among essential terms.
            var doc = PostingCursor.exhausted
            for i in firstEssential ..< n where query[i].cursor.current < doc { doc = query[i].cursor.current }
            if doc == PostingCursor.exhausted { break }
            let norm = c0 + c1 * Float(reader.length(doc))
            var score: Float = 0
            for i in firstEssential ..< n where query[i].cursor.current == doc {
                let tf = query[i].cursor.frequency
                score += query[i].weight * tf / (tf + norm)
                query[i].cursor.next()
            }
            var i = firstEssential - 1
            while i >= 0 {
                if score + cumulative[i] <= heap.threshold { break }
                query[i].cursor.advance(to: doc)
                if query[i].cursor.current == doc {
                    let tf = query[i].cursor.frequency
                    score += query[i].weight * tf / (tf + norm)
                }
                i -= 1
            }
            if i < 0, heap.insert(score: score, document: doc) {
                while firstEssential < n, cumulative[firstEssential] <= heap.threshold { firstEssential += 1 }
                if firstEssential == n { break }
            }
        }
        return heap.sorted().map { LexicalHit(chunkID: reader.chunkID($0.document), score: $0.score) }
    }

    /// Scores every posting of every query term (term at a time): the exact twin that
    /// tests compare MaxScore against, and the baseline for benchmarks.
    public func exhaustiveSearch(terms: [String], k: Int, parameters: BM25Parameters = BM25Parameters()) -> [LexicalHit] {
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
        }
        var heap = TopK(k: k)
        for (doc, score) in scores.sorted(by: { $0.key < $1.key }) { _ = heap.insert(score: score, document: doc) }
        return heap.sorted().map { LexicalHit(chunkID: reader.chunkID($0.document), score: $0.score) }
    }
}

/// A bounded min-heap of the best `k` (score, document) pairs. Among equal scores the
/// smaller document number ranks higher, so results are deterministic.
struct TopK {
    let k: Int
    private(set) var items: [(score: Float, document: UInt32)] = []

    init(k: Int) {
        self.k = k
        items.reserveCapacity(min(k, 4096))
    }

    /// The score a new document must beat (0 until the heap is full: only positive scores count).
    var threshold: Float { items.count < k ? 0 : items[0].score }

    @inline(__always)
    static func worse(_ a: (score: Float, document: UInt32), _ b: (score: Float, document: UInt32)) -> Bool {
        a.score < b.score || (a.score == b.score && a.document > b.document)
    }

    /// Inserts when the pair belongs in the top k; returns whether it did.
    mutating func insert(score: Float, document: UInt32) -> Bool {
        guard score > 0 else { return false }
        let item = (score: score, document: document)
        if items.count < k {
            items.append(item)
            var child = items.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.worse(items[child], items[parent]) else { break }
                items.swapAt(child, parent)
                child = parent
            }
            return true
        }
        guard Self.worse(items[0], item) else { return false }
        items[0] = item
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, Self.worse(items[left], items[smallest]) { smallest = left }
            if right < items.count, Self.worse(items[right], items[smallest]) { smallest = right }
            if smallest == parent { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return true
    }

    /// Best first.
    func sorted() -> [(score: Float, document: UInt32)] {
        items.sorted { Self.worse($1, $0) }
    }
}
