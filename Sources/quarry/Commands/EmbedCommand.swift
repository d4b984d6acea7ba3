import ArgumentParser
import Foundation
import QuarryCore
import QuarryEmbed
import QuarryModels

/// `quarry embed`: prints the vector of a text, to debug and to compare with other stacks.
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the embedding of a text with the configured embedder.",
        discussion: """
            Examples:
              quarry embed --text "This is an example sentence"
              quarry embed --text "query text" --json
              quarry embed --text "x" --model /path/to/bert-model-folder
              quarry embed --text "¿Cuántos balones?" --model models/multilingual-e5-small --role query
              quarry embed --corpus ../shared/corpora/msmarco/corpus.jsonl --output msmarco.fvecs
              quarry embed --latency-runs 200 --text "what is the capital of france"
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var embedding: EmbeddingOptions

    @Option(help: "The text to embed (default: standard input).")
    var text: String?

    @Flag(help: "Print JSON: the embedder's identity, token count and vector.")
    var json = false

    @Option(help: "Embed every record of a BEIR corpus.jsonl (title + \" \" + text) and report passages/second.")
    var corpus: String?

    @Option(help: "With --corpus: write the vectors as .fvecs (int32 dimension, then float32s, per vector).")
    var output: String?

    @Option(help: "Embed --text this many times one at a time and report latency percentiles.")
    var latencyRuns: Int?

    @Option(help: "Embed as a query or a passage: the model's prefix for the role goes in front (\"query: \" for multilingual-e5; nothing for MiniLM). Default: the text as given; --corpus embeds passages, --latency-runs queries.")
    var role: EmbeddingRole?

    struct Output: Encodable {
        var embedder: EmbedderIdentity
        var tokens: Int?
        var vector: [Float]
    }

    func run() async throws {
        let configuration = try embedding.apply(to: global.loadConfiguration())
        guard let embedder = try EmbedderFactory.make(configuration) else {
            throw ValidationError("embedding.provider is none; choose --embedder native or http")
        }
        if let corpus { return try await embedCorpus(corpus, embedder) }
        if let runs = latencyRuns { return try await latency(runs, embedder) }
        if embedder.identity.kind == "native", !json { Terminal.error("note: \(BLAS.kernelDescription), \(embedder.identity)") }
        let input = try text ?? ProcessFacts.standardInput()
        let vector = if let role { try await embedder.embed(input, as: role) } else { try await embedder.embed(input) }
        if json { return try Terminal.json(Output(embedder: embedder.identity, tokens: embedder.countTokens(input), vector: vector)) }
        print(vector.map { String(format: "%.7g", $0) }.joined(separator: " "))
    }

    struct Throughput: Encodable {
        var embedder: String
        var passages: Int
        var seconds: Double
        var passagesPerSecond: Double
        var peakRSSMiB: Double
        enum CodingKeys: String, CodingKey {
            case embedder, passages, seconds, passagesPerSecond = "passages_per_second", peakRSSMiB = "peak_rss_mib"
        }
    }

    private func embedCorpus(_ path: String, _ embedder: any Embedder) async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var texts: [String] = []
        for (n, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], let text = object["text"] as? String else {
                throw ValidationError("\(path):\(n + 1): not a BEIR record with a \"text\" field")
            }
            texts.append((object["title"] as? String ?? "") + " " + text)
        }
        let start = Date()
        var vectors: [[Float]] = []
        for slice in stride(from: 0, to: texts.count, by: 1024).map({ Array(texts[$0 ..< min($0 + 1024, texts.count)]) }) {
            vectors += try await embedder.embed(slice, as: role ?? .passage)
        }
        let seconds = Date().timeIntervalSince(start)
        if let output {
            var out = Data()
            for vector in vectors {
                Swift.withUnsafeBytes(of: Int32(vector.count).littleEndian) { out.append(contentsOf: $0) }
                for v in vector { Swift.withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
            try AtomicFile.write(out, to: URL(fileURLWithPath: output))
        }
        let result = Throughput(embedder: embedder.identity.description, passages: texts.count, seconds: seconds,
                                passagesPerSecond: Double(texts.count) / seconds, peakRSSMiB: ProcessFacts.peakResidentMiB())
        if json { return try Terminal.json(result) }
        print("embedded \(result.passages) passages in \(String(format: "%.2f", seconds)) s: \(String(format: "%.1f", result.passagesPerSecond)) passages/s, peak RSS \(Int(result.peakRSSMiB)) MiB")
    }

    private func latency(_ runs: Int, _ embedder: any Embedder) async throws {
        guard runs > 0, runs <= 100_000 else { throw ValidationError("--latency-runs must be 1...100000") }
        let text = self.text ?? "what is the capital of france"
        _ = try await embedder.embed(text, as: role ?? .query)  // warm-up
        var samples: [Double] = []
        for _ in 0 ..< runs {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try await embedder.embed(text, as: role ?? .query)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        samples.sort()
        struct Latency: Encodable { var runs: Int; var p50_ms: Double; var p99_ms: Double; var max_ms: Double }
        let result = Latency(runs: runs, p50_ms: NearestRank.percentile(samples, 0.5),
                             p99_ms: NearestRank.percentile(samples, 0.99), max_ms: samples.last ?? 0)
        if json { return try Terminal.json(result) }
        print("single-query latency over \(runs) runs: p50 \(String(format: "%.2f", result.p50_ms)) ms, p99 \(String(format: "%.2f", result.p99_ms)) ms")
    }

}

/// Flags that override the `embedding` section of the configuration.
struct EmbeddingOptions: ParsableArguments {
    @Option(help: "Embedder: native, http or none (default: embedding.provider, native).")
    var embedder: EmbeddingProvider?

    @Option(help: "Native model folder in Hugging Face layout (default: embedding.model).")
    var model: String?

    func apply(to configuration: QuarryConfiguration) throws -> QuarryConfiguration {
        var configuration = configuration
        if let embedder { configuration.embedding.provider = embedder }
        if let model {
            configuration.embedding.model = URL(fileURLWithPath: model).standardizedFileURL.path
        }
        try configuration.validate()
        return configuration
    }
}
