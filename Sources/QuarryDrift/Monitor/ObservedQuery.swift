/// One query as a drift side sees it: its text and, when it came from a query log, what the
/// server recorded about answering it.
public struct ObservedQuery: Sendable, Equatable {
    public var text: String
    /// Milliseconds the server took; nil for queries files.
    public var latencyMilliseconds: Double?
    /// The retrieval mode the server used (`lexical`, `dense`, `hybrid`); nil for queries files.
    public var mode: String?
    /// The top hit's logged score, nil when there was no hit or nothing was logged. It is a
    /// BM25 score in `lexical` mode and a cosine similarity in `dense` mode; in `hybrid` mode it
    /// is a fused score, which the monitor does not use.
    public var topScore: Double?
    /// Hits the server returned; nil for queries files.
    public var hitCount: Int?

    public init(text: String, latencyMilliseconds: Double? = nil, mode: String? = nil, topScore: Double? = nil, hitCount: Int? = nil) {
        self.text = text
        self.latencyMilliseconds = latencyMilliseconds
        self.mode = mode
        self.topScore = topScore
        self.hitCount = hitCount
    }
}
