import Foundation
import QuarryCore
import QuarryRetrieve
import Testing

@Suite struct RetrievalOverridesTests {
    @Test("one rule for the CLI and the API: the same bad value fails with the option spelt the caller's way")
    func spelling() throws {
        var overrides = RetrievalOverrides()
        overrides.rrfK = -1
        for (spelling, name) in [(RetrievalOverrides.Spelling.flag, "--rrf-k"), (.json, "\"rrf_k\"")] {
            let error = #expect(throws: RetrieveError.self) { try overrides.applied(to: RetrievalOptions(), spelling: spelling) }
            #expect(error?.description.hasPrefix("\(name) must be") == true, "\(error?.description ?? "")")
        }
        overrides = RetrievalOverrides()
        overrides.k = 0
        #expect(throws: RetrieveError.self) { try overrides.applied(to: RetrievalOptions(), maxK: 100) }
        overrides.k = 101
        let tooMany = #expect(throws: RetrieveError.self) { try overrides.applied(to: RetrievalOptions(), spelling: .flag, maxK: 100) }
        #expect(tooMany?.description == "--k must be 1...100, got 101")
    }

    @Test("overrides change only what they name; fusion keeps the configured method's other parts")
    func partial() throws {
        var settings = RetrievalSettings()
        settings.fusion = .convex
        settings.denseWeight = 0.3
        settings.normalization = .zScore
        let base = RetrievalOptions(settings, rerankDepth: 12)
        #expect(base.modeFallback, "the configured mode may fall back to lexical")
        var overrides = RetrievalOverrides()
        #expect(try overrides.applied(to: base).fusion == base.fusion)
        overrides.denseWeight = 0.8
        overrides.k1 = 1.2
        let options = try overrides.applied(to: base)
        #expect(options.fusion == .convex(denseWeight: 0.8, normalization: .zScore))
        #expect(options.parameters.k1 == 1.2 && options.parameters.b == base.parameters.b)
        #expect(options.rerankDepth == 12 && options.k == base.k && options.modeFallback)
        overrides = RetrievalOverrides()
        overrides.rrfK = 10
        #expect(try overrides.applied(to: base).fusion == .reciprocalRank(k: 10), "naming RRF's k switches to RRF")
        overrides.mode = .dense
        #expect(try !overrides.applied(to: base).modeFallback, "an explicit mode is served or refused")
    }

    @Test("switching method keeps the configured parts of the new one; parts of another method are refused")
    func switchingMethod() throws {
        var settings = RetrievalSettings()
        settings.rrfK = 15
        settings.denseWeight = 0.25
        settings.normalization = .zScore
        let base = RetrievalOptions(settings, rerankDepth: 30)
        #expect(base.fusion == .auto)
        var overrides = RetrievalOverrides()
        overrides.fusion = .rrf
        #expect(try overrides.applied(to: base).fusion == .reciprocalRank(k: 15), "the configured rrf_k, not 60")
        overrides.fusion = .convex
        #expect(try overrides.applied(to: base).fusion == .convex(denseWeight: 0.25, normalization: .zScore))
        let refused: [(RetrievalOverrides, String)] = [
            ({ var o = RetrievalOverrides(); o.fusion = .auto; o.denseWeight = 0.3; return o }(), "applies to convex fusion only, and the fusion is auto"),
            ({ var o = RetrievalOverrides(); o.fusion = .rrf; o.normalization = .minMax; return o }(), "applies to convex fusion only, and the fusion is rrf"),
            ({ var o = RetrievalOverrides(); o.fusion = .convex; o.rrfK = 10; return o }(), "applies to rrf fusion only, and the fusion is convex"),
            ({ var o = RetrievalOverrides(); o.rrfK = 10; o.denseWeight = 0.4; return o }(), "applies to convex fusion only, and the fusion is rrf"),
        ]
        for (overrides, message) in refused {
            let error = #expect(throws: RetrieveError.self) { try overrides.applied(to: base) }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
        }
    }

    @Test("JSON bodies decode into the same overrides; an unknown mode names the choices")
    func decoding() throws {
        let data = Data(#"{"mode": "dense", "k": 3, "filter": ["lang=en"], "rerank": true, "mmr": 0.5, "rrf_k": 20}"#.utf8)
        let overrides = try JSONDecoder().decode(RetrievalOverrides.self, from: data)
        #expect(overrides.mode == .dense && overrides.k == 3 && overrides.filter == ["lang=en"] && overrides.rerank == true)
        #expect(overrides.mmr == 0.5 && overrides.rrfK == 20 && overrides.candidates == nil)
        let error = #expect(throws: RetrieveError.self) {
            try JSONDecoder().decode(RetrievalOverrides.self, from: Data(#"{"mode": "sparse"}"#.utf8))
        }
        #expect(error?.description == "\"mode\" must be lexical, dense or hybrid, got 'sparse'")
    }
}
