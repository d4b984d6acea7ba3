/// The in-memory twin of `BM25Index`: the same BM25 (Lucene idf, `k1`, `b`, title boost,
/// document length = text + title terms) scored term at a time from dictionaries, with no
/// file, no pruning and no block skipping. It is the reference the conformance suite holds
/// every lexical backend to, and an index for tests and small embedded uses.
public struct MemoryLexicalIndex: LexicalIndex {
    private struct Posting {
        var document: Int
        var text: Float
        var title: Float
    }

    private let chunkIDs: [ChunkID]
    private let lengths: [Float]
    private let averageLength: Float
    private let postings: [String: [Posting]]

    /// Indexes `documents` (any order; each chunk id once).
    /// - Throws: `IndexError.invalidArgument` for a repeated chunk id.
    public init(_ documents: [LexicalDocument]) throws {
        let sorted = documents.sorted { $0.chunkID < $1.chunkID }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.chunkID == b.chunkID {
            throw IndexError(.invalidArgument, path: "", "chunk \(a.chunkID) is indexed twice")
        }
        var postings: [String: [Posting]] = [:]
        var total = 0.0
        for (number, document) in sorted.enumerated() {
            var counts: [String: (text: Float, title: Float)] = [:]
            for term in document.textTerms { counts[term, default: (0, 0)].text += 1 }
            for term in document.titleTerms { counts[term, default: (0, 0)].title += 1 }
            for (term, tf) in counts { postings[term, default: []].append(Posting(document: number, text: tf.text, title: tf.title)) }
            total += Double(document.textTerms.count + document.titleTerms.count)
        }
        chunkIDs = sorted.map(\.chunkID)
        lengths = sorted.map { Float($0.textTerms.count + $0.titleTerms.count) }
        averageLength = sorted.isEmpty ? 1 : Float(total / Double(sorted.count))
        self.postings = postings
    }

    public var documentCount: Int { chunkIDs.count }

    public func contains(term: String) -> Bool { postings[term] != nil }

    public func idf(_ term: String) -> Float {
        guard let list = postings[term] else { return 0 }
        return BM25Parameters.idf(documentCount: chunkIDs.count, documentFrequency: list.count)
    }

    public func search(terms: [String], k: Int, parameters: BM25Parameters, allowing allowed: Set<ChunkID>?) -> [ScoredChunk] {
        guard k > 0 else { return [] }
        // Terms in first-occurrence order: float sums then come out the same in every process
        // (a dictionary's order is seeded per process), so near-ties never swap between runs.
        var repetitions: [String: Float] = [:]
        var order: [String] = []
        for term in terms {
            if repetitions[term] == nil { order.append(term) }
            repetitions[term, default: 0] += 1
        }
        let c0 = parameters.k1 * (1 - parameters.b)
        let c1 = parameters.k1 * parameters.b / averageLength
        var scores: [Int: Float] = [:]
        for term in order {
            guard let count = repetitions[term], let list = postings[term] else { continue }
            let weight = count * BM25Parameters.idf(documentCount: chunkIDs.count, documentFrequency: list.count)
            guard weight > 0 else { continue }
            for posting in list where allowed?.contains(chunkIDs[posting.document]) ?? true {
                let tf = posting.text + parameters.titleBoost * posting.title
                guard tf > 0 else { continue }
                scores[posting.document, default: 0] += weight * tf / (tf + c0 + c1 * lengths[posting.document])
            }
        }
        return scores.filter { $0.value > 0 }
            .map { ScoredChunk(chunkID: chunkIDs[$0.key], score: $0.value) }
            .sorted(by: ScoredChunk.ranksBefore)
            .prefix(k).map { $0 }
    }
}
