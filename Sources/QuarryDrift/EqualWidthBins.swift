import Foundation

/// Equal-width bins over the pooled range of two samples, with NumPy's `histogram` semantics,
/// so the Jensen–Shannon distance compares histograms on one shared grid.
///
/// Edges are `lower + i · (upper − lower) / count` with the last edge set to `upper` exactly
/// (`np.linspace`); bin i holds [edgeᵢ, edgeᵢ₊₁) and the last bin is closed. When every value
/// is equal the range is widened to ±0.5, as NumPy does.
struct EqualWidthBins: Sendable, Equatable {
    var edges: [Double]

    init(lower: Double, upper: Double, count: Int) {
        var lower = lower, upper = upper
        if lower == upper {
            lower -= 0.5
            upper += 0.5
        }
        let step = (upper - lower) / Double(count)
        var edges = (0...count).map { Double($0) * step + lower }
        edges[count] = upper
        self.edges = edges
    }

    /// Sturges' rule, ⌈log₂ n + 1⌉ bins for n pooled values (NumPy's `bins='sturges'`): few
    /// enough that each bin is populated on moderate samples, which keeps the histogram
    /// distance from reading sampling noise as drift.
    static func sturgesCount(_ n: Int) -> Int {
        max(1, Int((log2(Double(n)) + 1).rounded(.up)))
    }

    /// Counts per bin.
    func counts(_ values: [Double]) -> [Int] {
        let bins = edges.count - 1
        var counts = [Int](repeating: 0, count: bins)
        for value in values {
            // The last bin index whose lower edge is ≤ value, capped at the closed last bin.
            var low = 0, high = edges.count
            while low < high {
                let mid = (low + high) / 2
                if edges[mid] <= value { low = mid + 1 } else { high = mid }
            }
            counts[min(max(low - 1, 0), bins - 1)] += 1
        }
        return counts
    }
}
