/// Per-category counts of two label samples over the union of their categories, aligned by
/// index: the 2 × K table that the chi-squared test and the categorical Jensen–Shannon
/// distance share.
struct CategoryCounts: Sendable, Equatable {
    /// Categories in order of first appearance, reference first.
    var categories: [String]
    var reference: [Int]
    var current: [Int]

    init(reference referenceLabels: [String], current currentLabels: [String]) {
        var index: [String: Int] = [:]
        var categories: [String] = []
        var reference: [Int] = []
        var current: [Int] = []
        func slot(_ label: String) -> Int {
            if let existing = index[label] { return existing }
            index[label] = categories.count
            categories.append(label)
            reference.append(0)
            current.append(0)
            return categories.count - 1
        }
        for label in referenceLabels { reference[slot(label)] += 1 }
        for label in currentLabels { current[slot(label)] += 1 }
        self.categories = categories
        self.reference = reference
        self.current = current
    }
}
