/// The latency percentiles the CLI prints (`quarry embed --latency`, `quarry query
/// --latency`): nearest rank, i.e. the smallest sample with at least `p` of the samples at
/// or below it — always a measured value, never an interpolation.
enum NearestRank {
    /// `sorted` ascending and not empty; `p` in (0, 1].
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
