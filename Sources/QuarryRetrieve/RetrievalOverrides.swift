import QuarryCore
import QuarryIndex

/// What one request may change of a pipeline's retrieval defaults. `quarry query` and
/// `quarry search` flags and the server's JSON bodies all become this one value, and
/// `applied(to:spelling:maxK:)` is the one place its numbers are checked, so a limit or a
/// message cannot differ between the CLI and the API. nil (or absent) keeps the default.
public struct RetrievalOverrides: Sendable, Equatable, Codable {
    public var mode: SearchMode?
    public var k: Int?
    public var candidates: Int?
    public var fusion: FusionMethod?
    public var rrfK: Double?
    public var denseWeight: Double?
    public var normalization: ScoreNormalization?
    public var k1: Float?
    public var b: Float?
    public var titleBoost: Float?
    /// Metadata conditions (`field=value`, …), all of which must hold.
    public var filter: [String]?
    public var rerank: Bool?
    /// MMR's λ, 0…1.
    public var mmr: Double?
    /// Merge adjacent chunks of one document.
    public var merge: Bool?

    public init() {}

    /// Decodes a JSON object's keys (all optional); an unknown mode is named with its choices.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        /// A choice key: its string parsed, an unknown value named with the choices.
        func choice<Choice: SettingChoice>(_ key: CodingKeys) throws -> Choice? {
            guard let name = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let parsed = Choice(rawValue: name) else { throw RetrieveError("\"\(key.rawValue)\" must be \(Choice.choices), got '\(name)'") }
            return parsed
        }
        mode = try choice(.mode)
        k = try c.decodeIfPresent(Int.self, forKey: .k)
        candidates = try c.decodeIfPresent(Int.self, forKey: .candidates)
        fusion = try choice(.fusion)
        rrfK = try c.decodeIfPresent(Double.self, forKey: .rrfK)
        denseWeight = try c.decodeIfPresent(Double.self, forKey: .denseWeight)
        normalization = try choice(.normalization)
        k1 = try c.decodeIfPresent(Float.self, forKey: .k1)
        b = try c.decodeIfPresent(Float.self, forKey: .b)
        titleBoost = try c.decodeIfPresent(Float.self, forKey: .titleBoost)
        filter = try c.decodeIfPresent([String].self, forKey: .filter)
        rerank = try c.decodeIfPresent(Bool.self, forKey: .rerank)
        mmr = try c.decodeIfPresent(Double.self, forKey: .mmr)
        merge = try c.decodeIfPresent(Bool.self, forKey: .merge)
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case mode, k, candidates, fusion, rrfK = "rrf_k", denseWeight = "dense_weight", normalization, k1, b
        case titleBoost = "title_boost", filter, rerank, mmr, merge
    }

    /// How an error names an option: as the CLI flag (`--rrf-k`) or as the JSON key (`"rrf_k"`).
    public enum Spelling: Sendable {
        case flag, json

        public func name(_ key: CodingKeys) -> String {
            switch self {
            case .flag: "--" + key.rawValue.replacingOccurrences(of: "_", with: "-")
            case .json: "\"\(key.rawValue)\""
            }
        }
    }

    /// `base` with these overrides on top.
    /// - Parameter maxK: the largest `k` this front end allows.
    /// - Throws: `RetrieveError` naming the option as the caller spelled it and its range.
    public func applied(to base: RetrievalOptions, spelling: Spelling = .json, maxK: Int = RetrievalOptions.maxK) throws -> RetrievalOptions {
        func fail(_ key: CodingKeys, _ rule: String) -> RetrieveError { RetrieveError("\(spelling.name(key)) \(rule)") }
        var options = base
        if let mode { options.mode = mode }
        if let k {
            guard (1 ... maxK).contains(k) else { throw fail(.k, "must be 1...\(maxK), got \(k)") }
            options.k = k
        }
        if let candidates {
            guard (1 ... 10_000).contains(candidates) else { throw fail(.candidates, "must be 1...10000, got \(candidates)") }
            options.candidates = candidates
        }
        if fusion != nil || rrfK != nil || denseWeight != nil || normalization != nil {
            options.fusion = try fusionMethod(base: base, fail: fail)
        }
        if let k1 {
            guard k1.isFinite, (0 ... 10).contains(k1) else { throw fail(.k1, "must be 0...10, got \(k1)") }
            options.parameters.k1 = k1
        }
        if let b {
            guard b.isFinite, (0 ... 1).contains(b) else { throw fail(.b, "must be 0...1, got \(b)") }
            options.parameters.b = b
        }
        if let titleBoost {
            guard titleBoost.isFinite, (0 ... 100).contains(titleBoost) else { throw fail(.titleBoost, "must be 0...100, got \(titleBoost)") }
            options.parameters.titleBoost = titleBoost
        }
        if let filter { options.filter = try MetadataFilter.parse(filter) }
        if let rerank { options.rerank = rerank }
        if let mmr {
            guard mmr >= 0, mmr <= 1 else { throw fail(.mmr, "must be 0...1, got \(mmr)") }
            options.mmrLambda = mmr
        }
        if let merge { options.mergeAdjacent = merge }
        if mode != nil { options.modeFallback = false }
        return options
    }

    /// The fusion these overrides ask for, the unnamed parts taken from `base`'s fusion when
    /// it is the same method and from the configured ones otherwise (`--fusion rrf` on an
    /// `auto` default keeps the configured `rrf_k`). A part that belongs to another method is
    /// refused rather than dropped.
    private func fusionMethod(base options: RetrievalOptions, fail: (CodingKeys, String) -> RetrieveError) throws -> Fusion {
        let base = options.fusion
        let method = fusion ?? (rrfK != nil ? .rrf : denseWeight != nil || normalization != nil ? .convex : base.method)
        if method != .convex, denseWeight != nil { throw fail(.denseWeight, "applies to convex fusion only, and the fusion is \(method.rawValue)") }
        if method != .convex, normalization != nil { throw fail(.normalization, "applies to convex fusion only, and the fusion is \(method.rawValue)") }
        if method != .rrf, rrfK != nil { throw fail(.rrfK, "applies to rrf fusion only, and the fusion is \(method.rawValue)") }
        switch base.method == method ? base : Fusion(method, configured: options.configured) {
        case .auto:
            return .auto
        case .reciprocalRank(var k):
            if let rrfK {
                guard rrfK.isFinite, rrfK >= 0 else { throw fail(.rrfK, "must be a finite number >= 0, got \(rrfK)") }
                k = rrfK
            }
            return .reciprocalRank(k: k)
        case .convex(var weight, var scaling):
            if let denseWeight {
                guard denseWeight >= 0, denseWeight <= 1 else { throw fail(.denseWeight, "must be 0...1, got \(denseWeight)") }
                weight = denseWeight
            }
            if let normalization { scaling = normalization }
            return .convex(denseWeight: weight, normalization: scaling)
        }
    }
}

extension Fusion {
    /// The method, as the settings and overrides name it.
    public var method: FusionMethod {
        switch self {
        case .auto: .auto
        case .reciprocalRank: .rrf
        case .convex: .convex
        }
    }
}
