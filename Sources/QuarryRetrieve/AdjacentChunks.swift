import QuarryStore
import QuarryWire

/// Merges hits that are neighbouring chunks of one document into one hit spanning them.
///
/// Why: a passage that straddles a chunk boundary otherwise fills two context slots with
/// overlapping text (chunks repeat their neighbour's last sentences), and the reader sees
/// the halves apart. The merged hit keeps the better-ranked hit's place, score and stages,
/// its text is the document's own text over the union of both spans (no repeated overlap),
/// and `mergedChunks` lists every chunk it covers.
///
/// Only qualifying hits merge: hits are taken in rank order until `limit` separate hits are
/// kept, so a chunk far down the list cannot grow a top passage; and a merged hit spans at
/// most `maxChunks` chunks, so one document cannot fill the whole context.
enum AdjacentChunks {
    static func merge(_ hits: [SearchHit], limit: Int, maxChunks: Int = 3, from collection: CollectionReader) throws -> [SearchHit] {
        var result: [SearchHit] = []
        /// For each kept hit: the ordinal range it covers.
        var spans: [(low: Int, high: Int)] = []
        var byDocument: [String: [Int]] = [:]
        var changed = Set<Int>()
        for hit in hits {
            let candidates = byDocument[hit.docID] ?? []
            if let target = candidates.first(where: {
                hit.ordinal >= spans[$0].low - 1 && hit.ordinal <= spans[$0].high + 1 && spans[$0].high - spans[$0].low + 1 < maxChunks
            }) {
                spans[target] = (min(spans[target].low, hit.ordinal), max(spans[target].high, hit.ordinal))
                result[target].start = min(result[target].start, hit.start)
                result[target].end = max(result[target].end, hit.end)
                result[target].mergedChunks = (result[target].mergedChunks ?? [result[target].chunkID]) + [hit.chunkID]
                changed.insert(target)
                continue
            }
            if result.count == limit { break }
            byDocument[hit.docID, default: []].append(result.count)
            spans.append((hit.ordinal, hit.ordinal))
            result.append(hit)
        }
        guard !changed.isEmpty else { return result }
        let documents = Set(changed.map { result[$0].docID })
        let texts = try collection.documentTexts(documents).mapValues { Array($0.unicodeScalars) }
        for index in changed {
            guard let scalars = texts[result[index].docID] else { continue }
            let start = max(0, min(result[index].start, scalars.count)), end = max(start, min(result[index].end, scalars.count))
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[start ..< end])
            result[index].text = String(view)
            result[index].ordinal = spans[index].low
        }
        return result
    }
}
