import Foundation

/// Reference and current shares over one set of bins or categories: what a report draws for
/// a feature.
///
/// Numeric features get `binCount` equal-width bins over the pooled 1st–99th percentile
/// (values beyond fall into the end bins, so one slow request cannot squash every other bar
/// into one); categorical features their most frequent categories, the rest pooled as
/// `(other)`; embeddings the cosine similarity of each vector to the reference centroid, which
/// moves when the current queries leave the reference's region of the space.
public struct FeatureHistogram: Sendable, Codable, Equatable {
    /// What the bins are of ("words per query", "category").
    public var axis: String
    /// A label per bin: its lower edge, or the category.
    public var labels: [String]
    /// Shares of the reference's values per bin (summing to 1).
    public var reference: [Double]
    public var current: [Double]
    /// The upper edge of the last bin, for numeric histograms.
    public var upperEdge: String?

    public init(axis: String, labels: [String], reference: [Double], current: [Double], upperEdge: String? = nil) {
        self.axis = axis
        self.labels = labels
        self.reference = reference
        self.current = current
        self.upperEdge = upperEdge
    }

    /// Bins per numeric histogram (whole numbers over a range under 32 get one bin per value).
    public static let binCount = 16
    /// Categories shown before the rest are pooled.
    public static let categoryCount = 12

    /// Shares per bin of a numeric feature on one shared grid.
    public static func numeric(axis: String, reference: [Double], current: [Double]) -> FeatureHistogram {
        let pooled = (reference + current).sorted()
        guard let first = pooled.first, let last = pooled.last else {
            return FeatureHistogram(axis: axis, labels: [], reference: [], current: [])
        }
        var lower = quantile(pooled, 0.01), upper = quantile(pooled, 0.99)
        if lower >= upper { (lower, upper) = (first, last) }
        var count = binCount
        // Whole numbers over a short range (words per query, tokens) get a bin per value.
        if pooled.allSatisfy({ $0 == $0.rounded() }), upper - lower < Double(2 * binCount) {
            lower = lower.rounded(.down)
            upper = upper.rounded(.up) + 1
            count = Int(upper - lower)
        }
        let bins = EqualWidthBins(lower: lower, upper: upper, count: count)
        func shares(_ values: [Double]) -> [Double] {
            let clamped = values.map { min(max($0, bins.edges[0]), bins.edges[count]) }
            return normalized(bins.counts(clamped))
        }
        return FeatureHistogram(axis: axis, labels: bins.edges.dropLast().map(format), reference: shares(reference),
                                current: shares(current), upperEdge: format(bins.edges[count]))
    }

    /// Shares per category, the most frequent first, the rest pooled as `(other)`.
    public static func categorical(axis: String, reference: [String], current: [String]) -> FeatureHistogram {
        let referenceCounts = Dictionary(reference.map { ($0, 1) }, uniquingKeysWith: +)
        let currentCounts = Dictionary(current.map { ($0, 1) }, uniquingKeysWith: +)
        let pooled = referenceCounts.merging(currentCounts, uniquingKeysWith: +)
        let ordered = pooled.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.map(\.key)
        let shown = Array(ordered.prefix(ordered.count > categoryCount ? categoryCount - 1 : categoryCount))
        let rest = Set(ordered.dropFirst(shown.count))
        func shares(_ counts: [String: Int]) -> [Double] {
            var values = shown.map { counts[$0] ?? 0 }
            if !rest.isEmpty { values.append(rest.reduce(0) { $0 + (counts[$1] ?? 0) }) }
            return normalized(values)
        }
        return FeatureHistogram(axis: axis, labels: shown + (rest.isEmpty ? [] : ["(other)"]), reference: shares(referenceCounts),
                                current: shares(currentCounts))
    }

    /// Shares of the cosine similarity to the reference centroid.
    public static func embedding(reference: [[Float]], current: [[Float]]) -> FeatureHistogram {
        let centroid = Centroid(reference)
        return numeric(axis: "cosine similarity to the reference centroid", reference: reference.map(centroid.cosine),
                       current: current.map(centroid.cosine))
    }

    static func normalized(_ counts: [Int]) -> [Double] {
        let total = counts.reduce(0, +)
        return counts.map { total == 0 ? 0 : Double($0) / Double(total) }
    }

    /// Type-7 (linear) quantile of sorted values.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    static func format(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1000 || value == value.rounded() { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }
}

/// The mean direction of a set of vectors, and cosine similarity to it.
struct Centroid {
    var unit: [Double]

    init(_ vectors: [[Float]]) {
        var sum = [Double](repeating: 0, count: vectors.first?.count ?? 0)
        for vector in vectors {
            let norm = Self.norm(vector)
            guard norm > 0 else { continue }
            for i in sum.indices where i < vector.count { sum[i] += Double(vector[i]) / norm }
        }
        let length = sum.reduce(0) { $0 + $1 * $1 }.squareRoot()
        unit = length > 0 ? sum.map { $0 / length } : sum
    }

    func cosine(_ vector: [Float]) -> Double {
        let norm = Self.norm(vector)
        guard norm > 0 else { return 0 }
        var dot = 0.0
        for i in unit.indices where i < vector.count { dot += unit[i] * Double(vector[i]) }
        return dot / norm
    }

    static func norm(_ vector: [Float]) -> Double {
        vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }
}
