import Foundation
import QuarryTesting
import Testing

@Suite struct CLITests {
    let quarry = Fixtures.quarryExecutable()

    @Test("help shows examples for every command")
    func help() async throws {
        for command in [[], ["ingest"], ["query"], ["search"], ["runs"], ["registry"], ["embed"], ["eval"], ["analyze"], ["collections"]] {
            let result = try await CommandRunner.run(quarry, command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples:"), "\(command) --help has no examples")
        }
    }

    @Test("analyze prints tokens with offsets, as text and JSON")
    func analyze() async throws {
        let text = try await CommandRunner.run(quarry, ["analyze", "--text", "Running foxes", "--analyzer", "english"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("run"))
        let json = try await CommandRunner.run(quarry, ["analyze", "--text", "北京 café", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let tokens = try #require(object?["tokens"] as? [[String: Any]])
        #expect(tokens.map { $0["term"] as? String } == ["北京", "café"])
        #expect(tokens.map { $0["start"] as? Int } == [0, 3])
        let bad = try await CommandRunner.run(quarry, ["analyze", "--text", "x", "--analyzer", "nope"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown analyzer"))
        // The default (auto) says which language it found and which chain it used.
        let german = try await CommandRunner.run(quarry, ["analyze", "--text", "Die Kinder spielen jeden Tag im großen Garten"])
        #expect(german.stdout.contains("language: de (reliable") && german.stdout.contains("german chain"), "\(german.stdout)")
        #expect(german.stdout.contains(" kind\n"))
        let forced = try await CommandRunner.run(quarry, ["analyze", "--text", "Kinder", "--language", "de", "--json"])
        let forcedObject = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any]
        #expect(forcedObject?["chain"] as? String == "german")
    }

    @Test("collections show lists the languages of a collection's chunks")
    func collectionLanguages() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/en.txt", "The children were playing happily in the garden behind the old house.")
        try dir.write("docs/de.txt", "Die Kinder spielten fröhlich im Garten hinter dem alten Haus ihrer Großeltern.")
        let home = dir.path + "/h"
        let ingest = try await CommandRunner.run(quarry, ["ingest", dir.path + "/docs", "--home", home, "--collection", "c", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let show = try await CommandRunner.run(quarry, ["collections", "show", "c", "--home", home])
        #expect(show.stdout.contains("analyzer    auto"))
        #expect(show.stdout.contains("languages   de 50.0%, en 50.0% of chunks"), "\(show.stdout)")
        let json = try await CommandRunner.run(quarry, ["collections", "show", "c", "--home", home, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["chunk_languages"] as? [String: Int] == ["de": 1, "en": 1])
    }

    @Test("bad input fails with a clear message on stderr and a non-zero status")
    func errors() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("a.txt", "Some text.")
        let badName = try await CommandRunner.run(quarry, ["ingest", dir.path, "--collection", "../etc", "--home", dir.path + "/h", "--embedder", "none"])
        #expect(badName.status != 0)
        #expect(badName.stderr.contains("invalid name"))
        let config = try dir.write("q.yaml", "chunking:\n  max_tokenz: 5\n")
        let badConfig = try await CommandRunner.run(quarry, ["ingest", dir.path + "/a.txt", "--config", config.path, "--home", dir.path + "/h"])
        #expect(badConfig.status != 0)
        #expect(badConfig.stderr.contains("chunking.max_tokenz"))
        #expect(badConfig.stderr.contains(config.path))
        let missing = try await CommandRunner.run(quarry, ["collections", "show", "nope", "--home", dir.path + "/h"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no collection 'nope'"))
    }

    @Test("a failed file makes the exit status non-zero unless --keep-going; the rest is ingested")
    func keepGoing() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("docs/good.txt", "Good text.")
        try dir.write("docs/bad.txt", Data([0x41, 0xFF]))
        let home = dir.path + "/h"
        let failing = try await CommandRunner.run(quarry, ["ingest", dir.path + "/docs", "--home", home, "--collection", "c", "--embedder", "none"])
        #expect(failing.status == 1)
        #expect(failing.stderr.contains("invalid UTF-8"))
        #expect(failing.stdout.contains("1 added"))
        let kept = try await CommandRunner.run(quarry, ["ingest", dir.path + "/docs", "--home", home, "--collection", "c", "--keep-going", "--json", "--embedder", "none"])
        #expect(kept.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(kept.stdout.utf8)) as? [String: Any]
        #expect(summary?["unchanged"] as? Int == 1)
        let list = try await CommandRunner.run(quarry, ["collections", "list", "--home", home, "--json"])
        #expect(list.stdout.contains("\"documents\" : 1"))
        let check = try await CommandRunner.run(quarry, ["collections", "check", "c", "--home", home])
        #expect(check.status == 0)
        #expect(check.stdout.hasPrefix("ok"))
    }

    @Test("search answers one query as text or JSON, and a queries file as a TREC run")
    func search() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path + "/h"
        let demo = Fixtures.packageRoot().appendingPathComponent("corpora/demo").path
        let ingest = try await CommandRunner.run(quarry, ["ingest", demo, "--home", home, "--collection", "demo", "--quiet", "--embedder", "none"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let text = try await CommandRunner.run(quarry, ["search", "reflecting telescope mirror", "--home", home, "--collection", "demo", "--k", "3"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("astronomy/telescopes.html"))
        let json = try await CommandRunner.run(quarry, ["search", "sourdough starter", "--home", home, "--collection", "demo", "--json"])
        let hits = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(hits.first?["doc_id"] as? String == "cooking/bread-baking.md")
        let queries = Fixtures.packageRoot().appendingPathComponent("corpora/suites/demo/queries.jsonl").path
        let run = dir.path + "/run.trec"
        let batch = try await CommandRunner.run(quarry, ["search", "--queries", queries, "--output", run, "--home", home, "--collection", "demo", "--k", "5"])
        #expect(batch.status == 0, "\(batch.stderr)")
        let lines = try String(contentsOfFile: run, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 25 * 5)
        #expect(lines.allSatisfy { $0.split(separator: " ").count == 6 })
        let badK = try await CommandRunner.run(quarry, ["search", "x", "--home", home, "--collection", "demo", "--k", "0"])
        #expect(badK.status != 0)
        #expect(badK.stderr.contains("--k must be"))
        let missing = try await CommandRunner.run(quarry, ["search", "x", "--home", home, "--collection", "nope"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no collection 'nope'"))
    }

    @Test("eval trec scores a run like trec_eval and fails clearly on bad input", Fixtures.needsShared)
    func evalTrec() async throws {
        let shared = Fixtures.shared()
        let run = shared.appendingPathComponent("fixtures/msmarco_bm25_run.trec").path
        let qrels = shared.appendingPathComponent("corpora/msmarco/qrels/test.tsv").path
        let result = try await CommandRunner.run(quarry, ["eval", "trec", run, qrels, "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let mean = try #require(object["mean"] as? [String: Double])
        #expect(abs(mean["ndcg@10"]! - 0.728828) < 1e-6)
        let bad = try await CommandRunner.run(quarry, ["eval", "trec", run, qrels, "--metrics", "bleu@4"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown metric"))
    }
}
