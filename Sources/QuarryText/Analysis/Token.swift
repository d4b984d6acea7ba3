/// One index term produced by an analyzer, with where it came from.
public struct Token: Sendable, Equatable, Codable {
    /// The normalised term ("running" → "run" under the English analyzer).
    public var term: String
    /// Unicode-scalar offset of the token's first character in the analysed text.
    public var start: Int
    /// Unicode-scalar offset just past the token's last character.
    public var end: Int
    /// The token's ordinal among word-like segments; stop words leave gaps, as in Lucene,
    /// so phrase distances stay true.
    public var position: Int

    public init(term: String, start: Int, end: Int, position: Int) {
        self.term = term
        self.start = start
        self.end = end
        self.position = position
    }
}
