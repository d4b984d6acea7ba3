import Foundation
import QuarryCore
import QuarryTesting
import Testing

@Suite struct ConfigurationTests {
    @Test("config/quarry.yaml parses to exactly the built-in defaults")
    func documentedFileMatchesDefaults() throws {
        let file = Fixtures.packageRoot().appendingPathComponent("config/quarry.yaml").path
        var loaded = try ConfigurationLoader.load(file: file, environment: [:])
        loaded.sourceFile = nil
        #expect(loaded == QuarryConfiguration())
    }

    @Test("an unknown key is an error naming the key and the file")
    func unknownKey() throws {
        var config = QuarryConfiguration()
        let error = #expect(throws: ConfigError.self) {
            try ConfigurationLoader.apply(yaml: "chunking:\n  max_token: 512\n", file: "/tmp/q.yaml", to: &config)
        }
        #expect(error?.key == "chunking.max_token")
        #expect(error?.file == "/tmp/q.yaml")
        #expect(error?.description.contains("chunking.max_tokens") == true)
    }

    @Test("an unknown section is an error")
    func unknownSection() throws {
        var config = QuarryConfiguration()
        #expect(throws: ConfigError.self) { try ConfigurationLoader.apply(yaml: "ingets:\n  batch_size: 3\n", file: nil, to: &config) }
        #expect(throws: ConfigError.self) { try ConfigurationLoader.apply(yaml: "colour: blue\n", file: nil, to: &config) }
    }

    @Test("a value of the wrong type or out of range names the key")
    func badValues() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("q.yaml", "chunking:\n  max_tokens: lots\n")
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
        try dir.write("q.yaml", "chunking:\n  max_tokens: 3\n")
        let error = #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
        #expect(error?.key == "chunking.max_tokens")
        try dir.write("q.yaml", "analysis:\n  analyzer: klingon\n")
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
        try dir.write("q.yaml", "ingest: [1, 2]\n")
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
        try dir.write("q.yaml", "ingest:\n  batch_size: [1, 2]\n")
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
        try dir.write("q.yaml", "chunking: {max_tokens: 1\n")
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: [:]) }
    }

    @Test("environment overrides the file; lists split on commas")
    func environmentOverrides() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("q.yaml", "chunking:\n  max_tokens: 100\ningest:\n  exclude: ['a/**']\n")
        let config = try ConfigurationLoader.load(file: file.path, environment: ["QUARRY_CHUNKING_MAX_TOKENS": "128", "QUARRY_INGEST_EXCLUDE": "x/**, *.tmp"])
        #expect(config.chunking.maxTokens == 128)
        #expect(config.ingest.exclude == ["x/**", "*.tmp"])
        #expect(throws: ConfigError.self) { try ConfigurationLoader.load(file: file.path, environment: ["QUARRY_INGEST_BATCH_SIZE": "many"]) }
    }

    @Test("the home is .quarry beside the config file unless set")
    func homeResolution() throws {
        var config = QuarryConfiguration()
        #expect(QuarryHome(explicit: nil, configuration: config, workingDirectory: "/w").url.path == "/w/.quarry")
        config.sourceFile = "/etc/q/quarry.yaml"
        #expect(QuarryHome(explicit: nil, configuration: config, workingDirectory: "/w").url.path == "/etc/q/.quarry")
        config.home = "data"
        #expect(QuarryHome(explicit: nil, configuration: config, workingDirectory: "/w").url.path == "/etc/q/data")
        #expect(QuarryHome(explicit: "h", configuration: config, workingDirectory: "/w").url.path == "/w/h")
    }
}

@Suite struct NameAndPathTests {
    @Test("collection names are validated before they become paths", arguments: [
        "", "..", "../etc", "/abs", "a/b", "Demo", "-x", "_x", "a\u{0}b", "a b", "é", String(repeating: "a", count: 65), "%2e%2e",
    ])
    func rejectsBadNames(name: String) {
        #expect(throws: NameError.self) { try CollectionName.validate(name) }
        #expect(throws: NameError.self) { try QuarryHome(url: URL(fileURLWithPath: "/h")).collectionDirectory(name) }
    }

    @Test("good names map inside the home", arguments: ["demo", "a", "msmarco-v1", "x_2", String(repeating: "z", count: 64)])
    func acceptsGoodNames(name: String) throws {
        let dir = try QuarryHome(url: URL(fileURLWithPath: "/h")).collectionDirectory(name)
        #expect(dir.path == "/h/collections/\(name)")
    }

    @Test("printable escaping neutralises control and bidi characters")
    func printable() {
        #expect(Printable.escaped("a\nb\u{202E}c") == "a\\u{a}b\\u{202e}c")
        #expect(Printable.quoted("x\"y") == "\"x\\\"y\"")
    }

    @Test("atomic writes replace content and leave no temporary files")
    func atomicWrite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("f.json")
        try AtomicFile.write(Data("one".utf8), to: url)
        try AtomicFile.write(Data("two".utf8), to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["f.json"])
    }

    @Test("content hashes are SHA-256 and length-prefixed over fields")
    func hashes() {
        #expect(ContentHash.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256(fields: ["ab", "c"]) != ContentHash.sha256(fields: ["a", "bc"]))
    }
}

@Suite struct SettingChoiceTests {
    @Test("choice settings are parsed once, typed; a bad value names the key and every choice", arguments: [
        ("retrieval:\n  mode: sparse\n", "retrieval.mode", "must be lexical, dense or hybrid, got 'sparse'"),
        ("retrieval:\n  fusion: max\n", "retrieval.fusion", "must be auto, rrf or convex, got 'max'"),
        ("retrieval:\n  normalization: l2\n", "retrieval.normalization", "must be minmax or zscore, got 'l2'"),
        ("embedding:\n  provider: onnx\n", "embedding.provider", "must be native, http or none, got 'onnx'"),
        ("rerank:\n  api: voyage\n", "rerank.api", "must be cohere, jina or tei, got 'voyage'"),
        ("llm:\n  provider: gguf\n", "llm.provider", "must be none, openai, native or auto, got 'gguf'"),
    ])
    func choices(yaml: String, key: String, reason: String) throws {
        var config = QuarryConfiguration()
        let error = #expect(throws: ConfigError.self) { try ConfigurationLoader.apply(yaml: yaml, file: nil, to: &config) }
        #expect(error?.key == key && error?.reason == reason, "\(String(describing: error))")
        try ConfigurationLoader.apply(yaml: "retrieval:\n  mode: dense\n  fusion: convex\n  normalization: zscore\nrerank:\n  api: tei\n",
                                      file: nil, to: &config)
        #expect(config.retrieval.mode == .dense && config.retrieval.fusion == .convex && config.retrieval.normalization == .zScore)
        #expect(config.rerank.api == .tei)
        let environment = #expect(throws: ConfigError.self) {
            try ConfigurationLoader.apply(environment: ["QUARRY_LLM_PROVIDER": "gguf"], to: &config)
        }
        #expect(environment?.key == "llm.provider")
    }
}
