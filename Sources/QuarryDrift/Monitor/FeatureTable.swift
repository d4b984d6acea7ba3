/// The features of one side, one row per query or chunk, before they are compared.
///
/// Why rows and not ready-made samples: a value can be missing for one row (a query with no
/// analysable term has no OOV rate) without dropping the row from other features, and a
/// subset of rows (a random half for calibration, a sample under the row cap) is one index
/// list applied to every column, so the features of a row stay together.
public struct FeatureTable: Sendable {
    /// One feature's values, a slot per row (`nil`: no value for that row).
    public enum Column: Sendable, Equatable {
        case numeric([Double?])
        case categorical([String?])
        case embedding([[Float]?])
        /// Several labels per row (a chunk's terms); compared as one categorical sample of all
        /// occurrences, the rarest labels pooled (see `DriftMonitor.Configuration.vocabularySize`).
        case labels([[String]])

        var count: Int {
            switch self {
            case .numeric(let values): values.count
            case .categorical(let values): values.count
            case .embedding(let values): values.count
            case .labels(let values): values.count
            }
        }

        func rows(_ indices: [Int]) -> Column {
            switch self {
            case .numeric(let values): .numeric(indices.map { values[$0] })
            case .categorical(let values): .categorical(indices.map { values[$0] })
            case .embedding(let values): .embedding(indices.map { values[$0] })
            case .labels(let values): .labels(indices.map { values[$0] })
            }
        }
    }

    /// A named column with what it measures.
    public struct Feature: Sendable, Equatable {
        /// A stable name (`query_length`), used as the metric key in tracking.
        public var name: String
        /// What the values are, for reports ("words per query").
        public var description: String
        public var column: Column

        public init(name: String, description: String, column: Column) {
            self.name = name
            self.description = description
            self.column = column
        }
    }

    public var rowCount: Int
    public var features: [Feature]
    /// Features this side cannot provide, with the reason (a queries file has no latencies).
    public var unavailable: [String: String]

    public init(rowCount: Int, features: [Feature] = [], unavailable: [String: String] = [:]) {
        self.rowCount = rowCount
        self.features = features
        self.unavailable = unavailable
    }

    /// Adds a column, which must have a slot per row.
    public mutating func add(_ name: String, _ description: String, _ column: Column) {
        precondition(column.count == rowCount, "column \(name) has \(column.count) rows, the table \(rowCount)")
        features.append(Feature(name: name, description: description, column: column))
    }

    /// Records that the side cannot give `name`, and why.
    public mutating func markUnavailable(_ name: String, _ reason: String) {
        unavailable[name] = reason
    }

    public func feature(_ name: String) -> Feature? {
        features.first { $0.name == name }
    }

    /// The table restricted to `indices`, in that order.
    public func rows(_ indices: [Int]) -> FeatureTable {
        FeatureTable(rowCount: indices.count,
                     features: features.map { Feature(name: $0.name, description: $0.description, column: $0.column.rows(indices)) },
                     unavailable: unavailable)
    }
}
