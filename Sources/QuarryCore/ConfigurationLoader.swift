import Foundation
import Yams

/// Reads `QuarryConfiguration` from YAML and the environment, strictly: an unknown key, a
/// wrong type or a bad value is an error that names the key and the file.
///
/// Why not `Codable` via `YAMLDecoder`: it silently ignores unknown keys, and a misspelt key
/// (`max_token: 512`) that quietly does nothing is the worst kind of configuration bug.
public enum ConfigurationLoader {
    /// Loads the configuration: defaults, then `file` (or `$QUARRY_CONFIG`, or `./quarry.yaml`
    /// when it exists), then the environment. Validates the result.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> QuarryConfiguration {
        var config = QuarryConfiguration()
        let explicit = file ?? environment["QUARRY_CONFIG"]
        let candidate = explicit ?? (workingDirectory as NSString).appendingPathComponent("quarry.yaml")
        if explicit != nil || FileManager.default.fileExists(atPath: candidate) {
            guard let data = FileManager.default.contents(atPath: candidate) else {
                throw ConfigError(key: "-", file: candidate, reason: "cannot read the configuration file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(key: "-", file: candidate, reason: "the file is not valid UTF-8")
            }
            try apply(yaml: text, file: candidate, to: &config)
            config.sourceFile = candidate
        }
        try apply(environment: environment, to: &config)
        try config.validate()
        return config
    }

    /// Applies the keys of a YAML document to `config`.
    public static func apply(yaml: String, file: String?, to config: inout QuarryConfiguration) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(key: "-", file: file, reason: "not valid YAML: \(error)")
        }
        guard let node else { return }  // an empty file is the defaults
        guard let top = node.mapping else { throw ConfigError(key: "-", file: file, reason: "the top level must be a mapping") }
        for (keyNode, value) in top {
            guard let key = keyNode.string else { throw ConfigError(key: "\(keyNode)", file: file, reason: "keys must be strings") }
            if key == "home" {
                config.home = try scalar(value, key: key, file: file)
                continue
            }
            guard let section = value.mapping else {
                if ConfigKey.sections.contains(key) {
                    throw ConfigError(key: key, file: file, reason: "must be a mapping of settings")
                }
                throw ConfigError(key: key, file: file, reason: "unknown key (known: home, \(ConfigKey.sections.joined(separator: ", ")))")
            }
            for (innerKeyNode, innerValue) in section {
                guard let inner = innerKeyNode.string else { throw ConfigError(key: key, file: file, reason: "keys must be strings") }
                let path = "\(key).\(inner)"
                guard let setting = ConfigKey.all.first(where: { $0.path == path }) else {
                    let known = ConfigKey.all.filter { $0.path.hasPrefix(key + ".") }.map(\.path)
                    throw ConfigError(key: path, file: file,
                                      reason: known.isEmpty ? "unknown section '\(key)'" : "unknown key (known: \(known.joined(separator: ", ")))")
                }
                let raw: ConfigKey.Raw
                if let sequence = innerValue.sequence {
                    raw = .list(try sequence.map { try scalar($0, key: path, file: file) })
                } else {
                    raw = .scalar(try scalar(innerValue, key: path, file: file))
                }
                try setting.apply(raw, &config, file)
            }
        }
    }

    /// Applies `QUARRY_<SECTION>_<KEY>` variables (and `QUARRY_HOME`).
    public static func apply(environment: [String: String], to config: inout QuarryConfiguration) throws {
        if let home = environment["QUARRY_HOME"], !home.isEmpty { config.home = home }
        for setting in ConfigKey.all {
            guard let value = environment[setting.environmentName] else { continue }
            let raw: ConfigKey.Raw = setting.isList
                ? .list(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                : .scalar(value)
            try setting.apply(raw, &config, "environment variable \(setting.environmentName)")
        }
    }

    private static func scalar(_ node: Node, key: String, file: String?) throws -> String {
        guard let scalar = node.scalar else { throw ConfigError(key: key, file: file, reason: "must be a single value") }
        return scalar.string
    }
}

/// One configuration key: its dotted path, how to parse it and where it goes.
struct ConfigKey: Sendable {
    enum Raw { case scalar(String), list([String]) }

    let path: String
    let isList: Bool
    let apply: @Sendable (Raw, inout QuarryConfiguration, String?) throws -> Void

    var environmentName: String {
        "QUARRY_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    static let sections = ["ingest", "chunking", "analysis", "embedding", "retrieval", "rerank", "llm", "generation", "server"]

    static let all: [ConfigKey] = [
        list("ingest.include") { $0.ingest.include = $1 },
        list("ingest.exclude") { $0.ingest.exclude = $1 },
        int("ingest.max_file_bytes") { $0.ingest.maxFileBytes = $1 },
        string("ingest.pdftotext") { $0.ingest.pdftotext = $1 },
        double("ingest.pdf_timeout_seconds") { $0.ingest.pdfTimeoutSeconds = $1 },
        int("ingest.batch_size") { $0.ingest.batchSize = $1 },
        int("chunking.max_tokens") { $0.chunking.maxTokens = $1 },
        int("chunking.overlap_tokens") { $0.chunking.overlapTokens = $1 },
        int("chunking.max_chunk_characters") { $0.chunking.maxChunkCharacters = $1 },
        string("analysis.analyzer") { $0.analysis.analyzer = $1 },
        choice("embedding.provider") { $0.embedding.provider = $1 },
        string("embedding.model") { $0.embedding.model = $1 },
        int("embedding.max_sequence_length") { $0.embedding.maxSequenceLength = $1 },
        string("embedding.url") { $0.embedding.url = $1 },
        string("embedding.http_model") { $0.embedding.httpModel = $1 },
        int("embedding.dimension") { $0.embedding.dimension = $1 },
        string("embedding.api_key_env") { $0.embedding.apiKeyEnvironment = $1 },
        int("embedding.batch_size") { $0.embedding.batchSize = $1 },
        double("embedding.timeout_seconds") { $0.embedding.timeoutSeconds = $1 },
        choice("retrieval.mode") { $0.retrieval.mode = $1 },
        int("retrieval.k") { $0.retrieval.k = $1 },
        int("retrieval.candidates") { $0.retrieval.candidates = $1 },
        choice("retrieval.vector_quantization") { $0.retrieval.vectorQuantization = $1 },
        choice("retrieval.fusion") { $0.retrieval.fusion = $1 },
        double("retrieval.rrf_k") { $0.retrieval.rrfK = $1 },
        double("retrieval.dense_weight") { $0.retrieval.denseWeight = $1 },
        choice("retrieval.normalization") { $0.retrieval.normalization = $1 },
        double("retrieval.mmr_lambda") { $0.retrieval.mmrLambda = $1 },
        bool("retrieval.merge_adjacent") { $0.retrieval.mergeAdjacent = $1 },
        choice("rerank.provider") { $0.rerank.provider = $1 },
        string("rerank.model") { $0.rerank.model = $1 },
        string("rerank.url") { $0.rerank.url = $1 },
        choice("rerank.api") { $0.rerank.api = $1 },
        string("rerank.http_model") { $0.rerank.httpModel = $1 },
        string("rerank.api_key_env") { $0.rerank.apiKeyEnvironment = $1 },
        double("rerank.timeout_seconds") { $0.rerank.timeoutSeconds = $1 },
        int("rerank.depth") { $0.rerank.depth = $1 },
        choice("llm.provider") { $0.llm.provider = $1 },
        string("llm.url") { $0.llm.url = $1 },
        string("llm.model") { $0.llm.model = $1 },
        double("llm.temperature") { $0.llm.temperature = $1 },
        double("llm.top_p") { $0.llm.topP = $1 },
        int("llm.seed") { $0.llm.seed = $1 },
        int("llm.threads") { $0.llm.threads = $1 },
        double("llm.repeat_penalty") { $0.llm.repeatPenalty = $1 },
        int("llm.max_tokens") { $0.llm.maxTokens = $1 },
        double("llm.timeout_seconds") { $0.llm.timeoutSeconds = $1 },
        int("llm.max_attempts") { $0.llm.maxAttempts = $1 },
        string("llm.api_key_env") { $0.llm.apiKeyEnvironment = $1 },
        bool("llm.stream") { $0.llm.stream = $1 },
        string("generation.prompt") { $0.generation.prompt = $1 },
        int("generation.context_tokens") { $0.generation.contextTokens = $1 },
        int("generation.extractive_sentences") { $0.generation.extractiveSentences = $1 },
        choice("generation.grounding") { $0.generation.grounding = $1 },
        choice("generation.decoding") { $0.generation.decoding = $1 },
        choice("generation.answer_form") { $0.generation.answerForm = $1 },
        double("generation.min_question_coverage") { $0.generation.minQuestionCoverage = $1 },
        string("server.host") { $0.server.host = $1 },
        int("server.port") { $0.server.port = $1 },
        string("server.api_keys_env") { $0.server.apiKeysEnvironment = $1 },
        bool("server.open_reads") { $0.server.openReads = $1 },
        int("server.max_body_bytes") { $0.server.maxBodyBytes = $1 },
        int("server.max_k") { $0.server.maxK = $1 },
        int("server.max_query_characters") { $0.server.maxQueryCharacters = $1 },
        double("server.request_timeout_seconds") { $0.server.requestTimeoutSeconds = $1 },
        int("server.max_concurrent_requests") { $0.server.maxConcurrentRequests = $1 },
        double("server.read_idle_timeout_seconds") { $0.server.readIdleTimeoutSeconds = $1 },
        double("server.body_timeout_seconds") { $0.server.bodyTimeoutSeconds = $1 },
        int("server.max_header_bytes") { $0.server.maxHeaderBytes = $1 },
        int("server.max_connections") { $0.server.maxConnections = $1 },
        int("server.query_cache_entries") { $0.server.queryCacheEntries = $1 },
        int("server.query_log_flush_ms") { $0.server.queryLogFlushMilliseconds = $1 },
    ]

    static func bool(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, Bool) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: false) { raw, config, file in
            guard case .scalar(let value) = raw, let flag = ["true": true, "yes": true, "on": true, "false": false, "no": false, "off": false][value.lowercased()] else {
                throw ConfigError(key: path, file: file, reason: "must be true or false")
            }
            set(&config, flag)
        }
    }

    static func string(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, String) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: false) { raw, config, file in
            guard case .scalar(let value) = raw else { throw ConfigError(key: path, file: file, reason: "must be a single value, not a list") }
            set(&config, value)
        }
    }

    /// A key with a fixed set of values (`SettingChoice`): parsed here, once.
    static func choice<Choice: SettingChoice>(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, Choice) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: false) { raw, config, file in
            guard case .scalar(let value) = raw else { throw ConfigError(key: path, file: file, reason: "must be a single value, not a list") }
            guard let parsed = Choice(rawValue: value) else {
                throw ConfigError(key: path, file: file, reason: "must be \(Choice.choices), got '\(value)'")
            }
            set(&config, parsed)
        }
    }

    static func int(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, Int) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: false) { raw, config, file in
            guard case .scalar(let value) = raw, let number = Int(value.replacingOccurrences(of: "_", with: "")) else {
                throw ConfigError(key: path, file: file, reason: "must be an integer")
            }
            set(&config, number)
        }
    }

    static func double(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, Double) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: false) { raw, config, file in
            guard case .scalar(let value) = raw, let number = Double(value), number.isFinite else {
                throw ConfigError(key: path, file: file, reason: "must be a finite number")
            }
            set(&config, number)
        }
    }

    static func list(_ path: String, _ set: @escaping @Sendable (inout QuarryConfiguration, [String]) -> Void) -> ConfigKey {
        ConfigKey(path: path, isList: true) { raw, config, file in
            switch raw {
            case .list(let values): set(&config, values)
            case .scalar(let value): set(&config, [value])
            }
        }
    }
}
