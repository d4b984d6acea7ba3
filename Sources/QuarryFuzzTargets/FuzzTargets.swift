import Crypto
import Foundation
import QuarryCore
import QuarryHTTP
import QuarryIndex
import QuarryIngest
import QuarryModels
import QuarryRetrieve

/// The readers of untrusted bytes, each as one function of an input: what libFuzzer drives
/// (`quarry-fuzz` built with `-sanitize=fuzzer,address`, see scripts/reliability/fuzz.sh)
/// and what the seed corpus and every crash found are replayed through in `swift test`.
///
/// A target may throw (bad input must be refused with an error); it must never crash, hang
/// or read out of bounds. File readers get the input as a file; the BM25 and HNSW targets
/// first re-sign the input's footer (SHA-256 of everything before it), so the fuzzer gets
/// past the checksum to the parsers behind it, as a file crafted on purpose would.
public enum FuzzTargets {
    public static let names = ["html", "markdown", "jsonl", "filter", "bm25", "hnsw", "safetensors", "gguf", "sse", "config"]

    /// Runs one input through a target. Errors are swallowed: refusing is correct behaviour.
    public static func run(_ target: String, _ input: [UInt8]) {
        do {
            switch target {
            case "html": try html(input)
            case "markdown": try markdown(input)
            case "jsonl": try jsonl(input)
            case "filter": try filter(input)
            case "bm25": try bm25(input)
            case "hnsw": try hnsw(input)
            case "safetensors": try safetensors(input)
            case "gguf": try gguf(input)
            case "sse": sse(input)
            case "config": try config(input)
            default: fatalError("unknown fuzz target \(target); targets: \(names.joined(separator: ", "))")
            }
        } catch {}
    }

    static func html(_ input: [UInt8]) throws {
        let text = try TextDecoding.decode(Data(input))
        let parsed = HTMLReader().parse(text, fallbackTitle: "fuzz")
        checkHeadings(parsed)
    }

    static func markdown(_ input: [UInt8]) throws {
        let text = try TextDecoding.decode(Data(input))
        checkHeadings(MarkdownReader().parse(text, fallbackTitle: "fuzz"))
    }

    /// Heading offsets point into the text (what chunking relies on).
    static func checkHeadings(_ parsed: ParsedDocument) {
        let length = parsed.text.unicodeScalars.count
        for heading in parsed.headings {
            precondition(heading.offset >= 0 && heading.offset <= length, "heading offset \(heading.offset) outside the text (\(length))")
        }
    }

    static func jsonl(_ input: [UInt8]) throws {
        try withScratch(input) { url in
            let cursor = try BEIRCorpusReader(maxLineBytes: 1 << 16).open(url)
            while let records = try cursor.next(16) { _ = records.count }
        }
    }

    static func filter(_ input: [UInt8]) throws {
        let lines = String(decoding: input, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map(String.init)
        _ = try MetadataFilter.parse(lines)
    }

    static func bm25(_ input: [UInt8]) throws {
        try withScratch(resigned(input, endMagic: "QBM25END")) { url in
            let reader = try BM25Reader(path: url.path)
            for index in 0 ..< min(reader.termCount, 64) {
                let postings = reader.postings(at: index)
                for document in postings.documents.prefix(64) { _ = reader.chunkID(document) }
                _ = reader.term(at: index)
            }
            _ = BM25Index(reader: reader).search(terms: ["the", "a", "quarry"], k: 10, parameters: BM25Parameters(), allowing: nil)
        }
    }

    static func hnsw(_ input: [UInt8]) throws {
        let index = try HNSWIndex(decoding: resigned(input, endMagic: "QHNSWEND"))
        guard index.dimension > 0, index.dimension <= 4096 else { return }
        let query = (0 ..< index.dimension).map { Float(($0 % 7) - 3) }
        _ = try index.search(query, k: 5)
    }

    static func safetensors(_ input: [UInt8]) throws {
        try withScratch(input) { url in
            let file = try SafeTensorsFile(path: url.path)
            for (name, entry) in file.entries.prefix(16) where entry.elementCount <= 1 << 20 { _ = try? file.floats(name) }
        }
    }

    static func gguf(_ input: [UInt8]) throws {
        try withScratch(input) { url in
            let file = try GGUFFile(path: url.path)
            for tensor in file.tensors.prefix(16) where tensor.elementCount <= 1 << 20 {
                _ = try? file.row(tensor, 0)
                _ = try? file.floats(tensor.name)
            }
        }
    }

    static func sse(_ input: [UInt8]) {
        var parser = ServerSentEventParser()
        let middle = input.count / 2
        _ = parser.feed(input[..<middle])
        _ = parser.feed(input[middle...])
        _ = parser.finish()
    }

    static func config(_ input: [UInt8]) throws {
        var configuration = QuarryConfiguration()
        try ConfigurationLoader.apply(yaml: String(decoding: input, as: UTF8.self), file: "fuzz.yaml", to: &configuration)
    }

    /// The input with its last 40 bytes replaced by a valid footer: the SHA-256 of the rest,
    /// then the format's end magic.
    static func resigned(_ input: [UInt8], endMagic: String) -> [UInt8] {
        guard input.count >= 40 else { return input }
        var bytes = input
        let body = bytes.count - 40
        bytes.replaceSubrange(body ..< body + 32, with: Array(SHA256.hash(data: bytes[0 ..< body])))
        bytes.replaceSubrange(body + 32 ..< body + 40, with: Array(endMagic.utf8))
        return bytes
    }

    /// Runs `body` on the input written to a file of its own (readers take paths), removed
    /// afterwards. One file per call: replays run in parallel, and a file another call
    /// rewrote while this one has it mapped would be a crash of the harness, not the reader.
    static func withScratch<T>(_ input: [UInt8], _ body: (URL) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("quarry-fuzz-\(getpid())-\(UUID().uuidString).input")
        try Data(input).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url)
    }
}
