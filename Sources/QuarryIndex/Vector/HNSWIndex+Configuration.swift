extension HNSWIndex {
    /// The knobs of an HNSW index, with the paper's names in the docs and peers' defaults.
    ///
    /// `connectivity` and `expansionAdd` shape the graph and are fixed once vectors are
    /// added (a loaded index keeps the file's); the others only steer searches and
    /// maintenance.
    public struct Configuration: Sendable, Codable, Equatable {
        /// M: links per node per layer (layer 0 holds up to 2M). hnswlib's default 16,
        /// usearch 16, FAISS 32; useful range 8–64. Higher gives better recall on
        /// high-dimensional data at the cost of memory (8M bytes per node at layer 0) and
        /// build time. Range 2...256.
        public var connectivity: Int
        /// efConstruction: the beam width while inserting. hnswlib's examples 200, usearch
        /// 128. Higher builds a better graph, linearly slower. Range 1...10_000 (values
        /// below `connectivity` act as `connectivity`).
        public var expansionAdd: Int
        /// ef: the default beam width of a search (a search uses `max(ef, k)`). hnswlib 10,
        /// usearch 64. On the 5,000 msmarco MiniLM vectors ef 64 gives recall@10 0.99 (ef 10:
        /// 0.96, as hnswlib's 0.954); higher is slower, about linearly. Range 1...10_000.
        public var expansionSearch: Int
        /// Seed of the level generator, so builds are reproducible (hnswlib's default 100).
        public var seed: UInt64
        /// A filtered search scans the allowed ids exactly (recall 1) instead of searching
        /// the graph when they are at most this share of the live vectors… 0...1.
        public var exactFilterFraction: Double
        /// …or when `allowed ≤ exactFilterScale · √(ef′ · M0 · live)`, ef′ being the
        /// widened beam. The scan costs `a` per allowed id and a filtered beam search about
        /// `b · ef′ · M0 / share`, so they cross at `√(b/a · ef′ · M0 · live)`; on the
        /// synthetic 20,000 × 384 set a ≈ 180 ns and b ≈ 45–65 ns, hence the default 0.5.
        /// With the defaults the scan wins below ~22 % of 20,000 vectors, ~10 % of 100,000
        /// and ~3 % of a million. (There, a 10 % allow-list of the 20,000 ran at ~570
        /// queries/s through the graph and ~3,100 scanned.) 0 turns the rule off.
        public var exactFilterScale: Double
        /// The factor by which a filtered graph search widens its beam (≥ 1): disallowed
        /// nodes are still traversed but never kept. On the clustered synthetic set a 10–30 %
        /// allow-list searched at ef 64 reached recall 0.975–0.984, at ef 128 0.993–0.999.
        public var filteredExpansionFactor: Double
        /// Compact automatically once this share of the nodes are tombstones (nil: only
        /// when `compact()` is called). 0 < value ≤ 1. Tombstones keep routing searches,
        /// but they cost memory, beam slots and links; on msmarco, with 30 % of the nodes
        /// tombstoned or compacted away, recall@10 at ef 64 stayed ≥ 0.98.
        public var compactionThreshold: Double?

        public init(connectivity: Int = 16, expansionAdd: Int = 200, expansionSearch: Int = 64, seed: UInt64 = 100,
                    exactFilterFraction: Double = 0.02, exactFilterScale: Double = 0.5, filteredExpansionFactor: Double = 2,
                    compactionThreshold: Double? = 0.25) {
            self.connectivity = connectivity
            self.expansionAdd = expansionAdd
            self.expansionSearch = expansionSearch
            self.seed = seed
            self.exactFilterFraction = exactFilterFraction
            self.exactFilterScale = exactFilterScale
            self.filteredExpansionFactor = filteredExpansionFactor
            self.compactionThreshold = compactionThreshold
        }

        /// Throws unless every knob is in range.
        /// - Throws: `IndexError.invalidArgument` naming the knob.
        public func validate() throws {
            func fail(_ message: String) -> IndexError { IndexError(.invalidArgument, path: "", message) }
            guard (2 ... 256).contains(connectivity) else { throw fail("connectivity (M) must be in 2...256, got \(connectivity)") }
            guard (1 ... 10_000).contains(expansionAdd) else {
                throw fail("expansionAdd (efConstruction) must be in 1...10000, got \(expansionAdd)")
            }
            guard (1 ... 10_000).contains(expansionSearch) else {
                throw fail("expansionSearch (ef) must be in 1...10000, got \(expansionSearch)")
            }
            guard exactFilterFraction.isFinite, (0 ... 1).contains(exactFilterFraction) else {
                throw fail("exactFilterFraction must be in 0...1, got \(exactFilterFraction)")
            }
            guard exactFilterScale.isFinite, (0 ... 1_000).contains(exactFilterScale) else {
                throw fail("exactFilterScale must be in 0...1000, got \(exactFilterScale)")
            }
            guard filteredExpansionFactor.isFinite, (1 ... 1_000).contains(filteredExpansionFactor) else {
                throw fail("filteredExpansionFactor must be in 1...1000, got \(filteredExpansionFactor)")
            }
            if let compactionThreshold {
                guard compactionThreshold.isFinite, compactionThreshold > 0, compactionThreshold <= 1 else {
                    throw fail("compactionThreshold must be in (0, 1] or nil, got \(compactionThreshold)")
                }
            }
        }
    }
}
