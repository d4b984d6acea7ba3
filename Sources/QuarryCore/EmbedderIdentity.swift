/// What an embedder is, precisely enough that two collections embedded differently can
/// never be mixed: the kind, the model, a checksum of its weights (or the endpoint's
/// model name), the pooling and the dimension.
public struct EmbedderIdentity: Sendable, Codable, Equatable, CustomStringConvertible {
    /// "native", "http" or "hash".
    public var kind: String
    /// The model name (folder name, or the endpoint's model id).
    public var model: String
    /// SHA-256 prefix of the weights for native models; the endpoint URL for HTTP ones.
    public var checksum: String
    /// "mean", "cls", … or "endpoint" when the server decides.
    public var pooling: String
    public var dimension: Int

    public init(kind: String, model: String, checksum: String, pooling: String, dimension: Int) {
        self.kind = kind
        self.model = model
        self.checksum = checksum
        self.pooling = pooling
        self.dimension = dimension
    }

    public var description: String { "\(kind):\(model)@\(checksum.prefix(16)) (\(pooling), \(dimension)-d)" }
}
