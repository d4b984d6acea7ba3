/// A drift computation that could not run, with a code and what to do about it.
///
/// A struct with a `Code` rather than an enum, so new codes don't break callers that switch on
/// the ones they know (the GRDB `DatabaseError` pattern). `feature` names the feature when the
/// error came from a `DriftPolicy` evaluation.
public struct DriftError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem it was.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A sample had no values (or too few for the method).
        public static let emptySample = Code(rawValue: "emptySample")
        /// A value was NaN or infinite.
        public static let nonFiniteValue = Code(rawValue: "nonFiniteValue")
        /// Vectors of different lengths were mixed.
        public static let dimensionMismatch = Code(rawValue: "dimensionMismatch")
        /// A parameter was outside its range.
        public static let invalidParameter = Code(rawValue: "invalidParameter")
        /// The reference and current sample of a feature were of different kinds.
        public static let kindMismatch = Code(rawValue: "kindMismatch")
    }

    public var code: Code
    /// The feature being evaluated, when known.
    public var feature: String?
    public var message: String

    public init(_ code: Code, feature: String? = nil, _ message: String) {
        self.code = code
        self.feature = feature
        self.message = message
    }

    public var description: String {
        if let feature { return "drift (\(code)) in feature '\(feature)': \(message)" }
        return "drift (\(code)): \(message)"
    }

    /// The same error, naming `feature`.
    func naming(_ feature: String) -> DriftError {
        var copy = self
        copy.feature = feature
        return copy
    }
}
