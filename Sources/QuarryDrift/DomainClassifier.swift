import QuarryCore

/// The domain-classifier ("classifier two-sample") test: train a model to tell reference rows
/// from current rows and read drift off how well it does on held-out rows (Lopez-Paz & Oquab,
/// "Revisiting classifier two-sample tests", ICLR 2017; Rabanser et al., "Failing loudly",
/// NeurIPS 2019).
///
/// If the samples come from one distribution no model can beat chance, so the held-out ROC
/// AUC sits near 0.5; the further above 0.5, the more separable — the more drifted — they are.
/// It scales to large, high-dimensional samples where kernel tests get expensive, and its
/// weights say which dimensions moved.
///
/// Procedure, exactly: each sample is first capped at `maxRowsPerSample` rows (2,000) by a
/// seeded random subset; rows are split into `folds` (5) stratified folds — each sample's row
/// order shuffled with SplitMix64 seeded by `seed` (42), then dealt round-robin — so every fold
/// holds both classes in proportion. For each fold an L2-regularised logistic regression
/// (`LogisticRegression`, C = 1) is fitted by L-BFGS on the other folds, standardised with
/// their means and standard deviations, and scored on the held-out fold. The reported AUC is
/// the mean of the fold AUCs (scikit-learn's `cross_val_score(scoring='roc_auc')`); drift when
/// it exceeds `threshold` (0.55). With 2,000 rows a side the AUC's standard error under no
/// drift is about 0.01, so 0.55 is several errors above chance yet small enough to catch a
/// shift that a linear model can see.
public enum DomainClassifier {
    /// Knobs for the classifier test.
    public struct Configuration: Sendable, Equatable, Codable {
        /// Cross-validation folds (default 5; 2…20).
        public var folds: Int = 5
        /// Seed for the subsample and the fold split (default 42).
        public var seed: UInt64 = 42
        /// scikit-learn's C, the inverse L2 strength on standardised features (default 1).
        public var inverseRegularization: Double = 1
        /// Drift when the mean held-out AUC exceeds this (default 0.55).
        public var threshold: Double = 0.55
        /// Rows used per sample, at most (default 2,000), which bounds the cost at
        /// O(folds · iterations · rows · dimension).
        public var maxRowsPerSample: Int = 2000
        /// L-BFGS iterations per fold, at most (default 500).
        public var maxIterations: Int = 500

        public init(folds: Int = 5, seed: UInt64 = 42, inverseRegularization: Double = 1, threshold: Double = 0.55,
                    maxRowsPerSample: Int = 2000, maxIterations: Int = 500) {
            self.folds = folds
            self.seed = seed
            self.inverseRegularization = inverseRegularization
            self.threshold = threshold
            self.maxRowsPerSample = maxRowsPerSample
            self.maxIterations = maxIterations
        }

        /// Throws `DriftError.Code.invalidParameter` for a setting out of range.
        public func validate() throws {
            try Validation.checkParameter(folds, in: 2...20, name: "folds")
            try Validation.checkPositive(inverseRegularization, name: "inverseRegularization")
            try Validation.checkParameter(threshold, in: 0.5...1, name: "threshold")
            try Validation.checkParameter(maxRowsPerSample, in: folds...10_000_000, name: "maxRowsPerSample")
            try Validation.checkParameter(maxIterations, in: 1...100_000, name: "maxIterations")
        }
    }

    /// Runs the test on embeddings.
    ///
    /// - Throws: `DriftError` when a sample has fewer rows than folds, dimensions differ, a
    ///   value is NaN/±∞, or the configuration is invalid.
    public static func test(
        reference: [[Float]], current: [[Float]], configuration: Configuration = Configuration()
    ) throws -> DomainClassifierResult {
        try configuration.validate()
        let d = try Validation.checkVectors(reference, name: "reference", minimum: configuration.folds)
        try Validation.checkVectors(current, name: "current", minimum: configuration.folds, dimension: d)
        return run(PackedVectors(reference, dimension: d), PackedVectors(current, dimension: d), configuration)
    }

    /// Runs the test on rows of numeric features (one column per feature).
    ///
    /// - Throws: As for the embedding form.
    public static func test(
        reference: [[Double]], current: [[Double]], configuration: Configuration = Configuration()
    ) throws -> DomainClassifierResult {
        try configuration.validate()
        let d = try Validation.checkVectors(reference, name: "reference", minimum: configuration.folds)
        try Validation.checkVectors(current, name: "current", minimum: configuration.folds, dimension: d)
        return run(PackedVectors(reference, dimension: d), PackedVectors(current, dimension: d), configuration)
    }

    private static func run(_ reference: PackedVectors, _ current: PackedVectors, _ configuration: Configuration) -> DomainClassifierResult {
        var random = SplitMix64(seed: configuration.seed)
        let k = configuration.folds
        // Cap each side, then shuffle and deal its rows round-robin into the folds.
        var foldsOf: [[Int]] = []   // [side][row] → fold
        var samples: [PackedVectors] = []
        for sample in [reference, current] {
            var rows = Array(0..<sample.count)
            random.shuffle(&rows)
            rows = Array(rows.prefix(configuration.maxRowsPerSample))
            samples.append(sample.subset(rows))
            foldsOf.append(rows.indices.map { $0 % k })
        }
        var aucs: [Double] = []
        for fold in 0..<k {
            var trainRows: [[Int]] = [[], []], testRows: [[Int]] = [[], []]
            for side in 0..<2 {
                for (row, f) in foldsOf[side].enumerated() {
                    if f == fold { testRows[side].append(row) } else { trainRows[side].append(row) }
                }
            }
            let train = stack(samples, trainRows)
            let test = stack(samples, testRows)
            let scaler = Standardizer(fitting: train.x)
            let options = LogisticRegression.Options(inverseRegularization: configuration.inverseRegularization,
                                                     maxIterations: configuration.maxIterations)
            let model = LogisticRegression.fit(scaler.transform(train.x), labels: train.labels, options: options)
            let scores = model.logits(scaler.transform(test.x))
            // Both classes are in every fold, so the AUC is defined.
            aucs.append((try? ROCAUC.score(labels: test.labels, scores: scores)) ?? 0.5)
        }
        let mean = aucs.reduce(0, +) / Double(aucs.count)
        return DomainClassifierResult(auc: mean, foldAUCs: aucs, threshold: configuration.threshold,
                                      referenceRows: samples[0].count, currentRows: samples[1].count)
    }

    /// Rows of both samples stacked, labelled false (reference) and true (current).
    private static func stack(_ samples: [PackedVectors], _ rows: [[Int]]) -> (x: PackedVectors, labels: [Bool]) {
        var x = samples[0].subset(rows[0])
        let second = samples[1].subset(rows[1])
        x.values.append(contentsOf: second.values)
        x.count += second.count
        return (x, Array(repeating: false, count: rows[0].count) + Array(repeating: true, count: rows[1].count))
    }
}

/// The outcome of a domain-classifier test.
public struct DomainClassifierResult: Sendable, Equatable, Codable {
    /// Mean held-out ROC AUC over the folds; 0.5 is chance.
    public var auc: Double
    /// The held-out AUC of each fold.
    public var foldAUCs: [Double]
    /// `drifted` when `auc` > this.
    public var threshold: Double
    /// Rows used from each sample after the cap.
    public var referenceRows: Int
    public var currentRows: Int

    public init(auc: Double, foldAUCs: [Double], threshold: Double, referenceRows: Int, currentRows: Int) {
        self.auc = auc
        self.foldAUCs = foldAUCs
        self.threshold = threshold
        self.referenceRows = referenceRows
        self.currentRows = currentRows
    }

    /// Whether the classifier separates the samples better than the threshold allows.
    public var drifted: Bool { auc > threshold }
}
