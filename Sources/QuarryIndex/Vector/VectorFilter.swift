/// A restriction of a vector search to some ids: an allow-list or a predicate.
///
/// An allow-list lets an index judge the filter's selectivity exactly (and scan the allowed
/// ids directly when they are few); a predicate is sampled to estimate it. Either way only
/// allowed ids appear in results. A predicate must be cheap and thread-safe: it is called
/// from the searching thread, possibly for many ids.
public struct VectorFilter: Sendable {
    enum Rule: Sendable {
        case allowList(Set<Int64>)
        case predicate(@Sendable (Int64) -> Bool)
    }

    let rule: Rule

    /// Allows exactly `ids`.
    public init(allowing ids: Set<Int64>) {
        rule = .allowList(ids)
    }

    /// Allows exactly the ids in `ids`.
    public init<S: Sequence>(allowing ids: S) where S.Element == Int64 {
        rule = .allowList(Set(ids))
    }

    /// Allows the ids for which `predicate` returns true.
    public init(_ predicate: @escaping @Sendable (Int64) -> Bool) {
        rule = .predicate(predicate)
    }

    /// Whether `id` may appear in results.
    @inline(__always)
    public func allows(_ id: Int64) -> Bool {
        switch rule {
        case .allowList(let ids): ids.contains(id)
        case .predicate(let predicate): predicate(id)
        }
    }

    /// The allowed ids when the filter is an allow-list.
    public var allowList: Set<Int64>? {
        if case .allowList(let ids) = rule { return ids }
        return nil
    }
}
