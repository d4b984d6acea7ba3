/// BM25 scoring parameters, in Lucene's form (Robertson et al.; Lucene ≥ 8 drops the
/// `(k1 + 1)` numerator factor, which does not change rankings):
///
///     idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))
///     score(d, q) = Σ_t∈q  idf(t) · tf / (tf + k1 · (1 − b + b · dl / avgdl))
///
/// where query terms count with repetition, `tf = tf_text + titleBoost · tf_title`, and
/// `dl` counts the tokens of both fields (a simplified BM25F: the boost weights title
/// matches, not the length normalisation). See Kamphuis et al. 2020, "Which BM25 do you
/// mean?", for the variants.
public struct BM25Parameters: Sendable, Equatable, Codable {
    /// Term-frequency saturation. Lucene/Anserini use 0.9 for MS MARCO passages, classic
    /// BM25 uses 1.2; higher lets repeated terms count longer.
    public var k1: Float
    /// Length normalisation, 0 (none) … 1 (full). 0.4 for short passages; 0.75 classic.
    public var b: Float
    /// Weight of a term occurrence in the title/context field relative to the text.
    public var titleBoost: Float

    public init(k1: Float = 0.9, b: Float = 0.4, titleBoost: Float = 1) {
        self.k1 = k1
        self.b = b
        self.titleBoost = titleBoost
    }

    enum CodingKeys: String, CodingKey { case k1, b, titleBoost = "title_boost" }

    /// Throws unless the parameters are in range.
    public func validate() throws {
        guard k1.isFinite, k1 >= 0, k1 <= 10 else { throw IndexError(.invalidArgument, path: "", "k1 must be in 0...10, got \(k1)") }
        guard b.isFinite, b >= 0, b <= 1 else { throw IndexError(.invalidArgument, path: "", "b must be in 0...1, got \(b)") }
        guard titleBoost.isFinite, titleBoost >= 0, titleBoost <= 100 else {
            throw IndexError(.invalidArgument, path: "", "title boost must be in 0...100, got \(titleBoost)")
        }
    }

    /// Lucene's idf.
    @inline(__always)
    public static func idf(documentCount n: Int, documentFrequency df: Int) -> Float {
        Float(log(1 + (Double(n) - Double(df) + 0.5) / (Double(df) + 0.5)))
    }
}

#if canImport(Glibc)
import Glibc
#endif
