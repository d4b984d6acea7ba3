/// Input checks shared by every method, so each throws the same clear error for the same
/// mistake instead of returning NaN.
enum Validation {
    /// Throws unless `values` has at least `minimum` elements, all finite.
    static func checkSample(_ values: [Double], name: String, minimum: Int = 1) throws {
        guard values.count >= minimum else {
            if values.isEmpty {
                throw DriftError(.emptySample, "the \(name) sample is empty; pass at least \(minimum) value(s)")
            }
            throw DriftError(.emptySample, "the \(name) sample has \(values.count) value(s); this method needs at least \(minimum)")
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw DriftError(.nonFiniteValue,
                             "the \(name) sample holds \(values[index]) at index \(index); drop or impute missing values before testing for drift")
        }
    }

    /// Throws unless `labels` is non-empty.
    static func checkLabels(_ labels: [String], name: String) throws {
        guard !labels.isEmpty else {
            throw DriftError(.emptySample, "the \(name) sample is empty; pass at least one label")
        }
    }

    /// Throws unless `vectors` has at least `minimum` rows, all of one length ≥ 1, all finite.
    /// - Returns: The common dimension.
    @discardableResult
    static func checkVectors<T: BinaryFloatingPoint>(_ vectors: [[T]], name: String, minimum: Int = 1, dimension: Int? = nil) throws -> Int {
        guard vectors.count >= minimum else {
            throw DriftError(.emptySample, "the \(name) sample has \(vectors.count) vector(s); this method needs at least \(minimum)")
        }
        let expected = dimension ?? vectors[0].count
        guard expected > 0 else {
            throw DriftError(.dimensionMismatch, "the \(name) vectors are empty (dimension 0)")
        }
        for (row, vector) in vectors.enumerated() {
            guard vector.count == expected else {
                throw DriftError(.dimensionMismatch,
                                 "\(name) vector \(row) has \(vector.count) dimensions, expected \(expected); embed both samples with the same model")
            }
            if let column = vector.firstIndex(where: { !$0.isFinite }) {
                throw DriftError(.nonFiniteValue, "\(name) vector \(row) holds \(vector[column]) at dimension \(column)")
            }
        }
        return expected
    }

    /// Throws unless `value` lies in `range`.
    static func checkParameter<T: Comparable>(_ value: T, in range: ClosedRange<T>, name: String) throws {
        guard range.contains(value) else {
            throw DriftError(.invalidParameter, "\(name) must lie in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
    }

    /// Throws unless `value` is finite and strictly positive.
    static func checkPositive(_ value: Double, name: String) throws {
        guard value.isFinite, value > 0 else {
            throw DriftError(.invalidParameter, "\(name) must be a positive finite number, got \(value)")
        }
    }

    /// Throws unless `alpha` is a significance level strictly between 0 and 1.
    static func checkAlpha(_ alpha: Double) throws {
        guard alpha > 0, alpha < 1 else {
            throw DriftError(.invalidParameter, "alpha must lie strictly between 0 and 1, got \(alpha)")
        }
    }

    /// Throws unless `value` lies in (0, 1].
    static func checkShare(_ value: Double, name: String) throws {
        guard value > 0, value <= 1 else {
            throw DriftError(.invalidParameter, "\(name) must lie in (0, 1], got \(value)")
        }
    }
}
