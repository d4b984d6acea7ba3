/// What an embedder is, precisely enough that two collections embedded differently can
/// never be mixed: the kind, the model, a checksum of its weights (or the endpoint's
/// model name), the pooling and the dimension.
public struct EmbedderIdentity: Sendable, Codable, Hashable, CustomStringConvertible {
    /// "native", "http" or "hash".
    public var kind: String
    /// The model name (folder name, or the endpoint's model id).
    public var model: String
    /// SHA-256 prefix of the weights for native models; the endpoint URL for HTTP ones.
    public var checksum: String
    /// "mean", "cls", … or "endpoint" when the server decides.
    public var pooling: String
    public var dimension: Int
    /// What the model expects in front of a query and of a passage (multilingual-e5's
    /// `"query: "` and `"passage: "`); nil for models trained without (MiniLM). Part of the
    /// identity: the same weights fed other prefixes make other vectors.
    public var queryPrefix: String?
    public var passagePrefix: String?

    public init(kind: String, model: String, checksum: String, pooling: String, dimension: Int,
                queryPrefix: String? = nil, passagePrefix: String? = nil) {
        self.kind = kind
        self.model = model
        self.checksum = checksum
        self.pooling = pooling
        self.dimension = dimension
        self.queryPrefix = queryPrefix
        self.passagePrefix = passagePrefix
    }

    /// The prefix for `role` ("" when the model has none).
    public func prefix(for role: EmbeddingRole) -> String {
        (role == .query ? queryPrefix : passagePrefix) ?? ""
    }

    enum CodingKeys: String, CodingKey {
        case kind, model, checksum, pooling, dimension, queryPrefix = "query_prefix", passagePrefix = "passage_prefix"
    }

    /// "native:multilingual-e5-small@1571fc9827503943 (mean, 384-d, query "query: ", passage
    /// "passage: ")"; the prefixes only when the model has them, so identities that differ
    /// only there never print the same.
    public var description: String {
        let prefixes = [queryPrefix.map { "query \(Printable.quoted($0))" }, passagePrefix.map { "passage \(Printable.quoted($0))" }].compactMap { $0 }
        return "\(kind):\(model)@\(checksum.prefix(16)) (\(([pooling, "\(dimension)-d"] + prefixes).joined(separator: ", ")))"
    }
}

/// What a text is to the embedder: a search query or a stored passage. Asymmetric models
/// (multilingual-e5) embed the two with different prefixes.
public enum EmbeddingRole: String, Sendable, CaseIterable {
    case query, passage
}
