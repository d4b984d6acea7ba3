import Foundation
import QuarryCore
import QuarryIndex

/// `quarry-bench hnsw`: builds an `HNSWIndex` over a base set on one thread, then sweeps ef
/// over the query set, reporting recall@k against exact ground truth and queries/s.
struct HNSWBenchmark {
    var base = ""
    var queries = ""
    var groundTruth = ""
    var connectivity = 16
    var expansionAdd = 200
    var efs = [10, 16, 24, 32, 48, 64, 96, 128, 256]
    var k = 10
    /// Each ef's query set is repeated until it has run at least this long.
    var minSeconds = 0.5
    var indexFile: String?
    var quantization = VectorQuantization.none

    static let usage = """
    usage: quarry-bench hnsw --base B.fvecs --queries Q.fvecs --ground-truth G.ivecs
                             [--m 16] [--ef-construction 200] [--ef 10,16,24,32,48,64,96,128,256]
                             [--k 10] [--min-seconds 0.5] [--index FILE] [--quantization none|int8]
    --index FILE: load the graph from FILE when it exists (build_s is then the load time,
                  "loaded": true), else build it and save it there; for quick search-only
                  iterations on a fixed graph
    --quantization int8: search on SQ8 codes and rescore with the floats, read in place from
                  the file (needs --index: a new graph is built, saved, then loaded)
    Also reports resident memory (/proc/self/status RssAnon and RssFile) before the index is
    loaded, after loading and after the sweep, so the index's own share can be told apart.
    Builds an HNSW index (cosine; on normalised vectors the same ranking as inner product)
    on one thread and prints one JSON object: build seconds, recall@k and queries/s per ef
    (one query at a time), and bytes per vector (the encoded HNSWFile / vector count).
    """

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func int(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number > 0 else { throw UsageError("\(flag) expects a positive integer, got '\(text)'") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--base": base = try value(flag)
            case "--queries": queries = try value(flag)
            case "--ground-truth": groundTruth = try value(flag)
            case "--m": connectivity = try int(flag)
            case "--ef-construction": expansionAdd = try int(flag)
            case "--k": k = try int(flag)
            case "--index": indexFile = try value(flag)
            case "--quantization":
                let text = try value(flag)
                guard let parsed = VectorQuantization(rawValue: text) else { throw UsageError("--quantization expects none or int8, got '\(text)'") }
                quantization = parsed
            case "--ef":
                let text = try value(flag)
                let parsed = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    throw UsageError("--ef expects comma-separated positive integers, got '\(text)'")
                }
                efs = parsed.map { $0! }
            case "--min-seconds":
                let text = try value(flag)
                guard let seconds = Double(text), seconds >= 0 else { throw UsageError("--min-seconds expects a number ≥ 0") }
                minSeconds = seconds
            case "-h", "--help": throw UsageError(nil)
            default: throw UsageError("unknown option '\(flag)'")
            }
        }
        if base.isEmpty || queries.isEmpty || groundTruth.isEmpty {
            throw UsageError("--base, --queries and --ground-truth are required")
        }
        if quantization == .int8 && indexFile == nil { throw UsageError("--quantization int8 needs --index FILE") }
    }

    func run() throws -> [String: Any] {
        let baseVectors = try VectorFiles.read(base, as: Float.self)
        let queryVectors = try VectorFiles.read(queries, as: Float.self)
        let truth = try VectorFiles.read(groundTruth, as: Int32.self)
        guard let dimension = baseVectors.first?.count, !queryVectors.isEmpty else { throw UsageError("empty base or query set") }
        guard truth.count == queryVectors.count, truth.allSatisfy({ $0.count >= k }) else {
            throw UsageError("the ground truth needs ≥ \(k) neighbours for each of the \(queryVectors.count) queries")
        }

        let configuration = HNSWIndex.Configuration(connectivity: connectivity, expansionAdd: expansionAdd, compactionThreshold: nil)
        let clock = ContinuousClock()
        let rssBefore = Memory.resident()
        let buildStart = clock.now
        var index: HNSWIndex
        let loaded = indexFile.map { FileManager.default.fileExists(atPath: $0) } ?? false
        if loaded, let indexFile {
            index = try HNSWIndex(path: indexFile, configuration: configuration, quantization: quantization)
            // The file's graph parameters win over the flags; refuse a cache that does not
            // belong to this base set and these parameters rather than mislabel its figures.
            guard index.count == baseVectors.count, index.dimension == dimension, index.metric == .cosine,
                  index.configuration.connectivity == connectivity, index.configuration.expansionAdd == expansionAdd else {
                throw UsageError("\(indexFile) holds \(index.count) × \(index.dimension) \(index.metric) vectors with M \(index.configuration.connectivity), efConstruction \(index.configuration.expansionAdd); this run has \(baseVectors.count) × \(dimension) cosine, M \(connectivity), efConstruction \(expansionAdd) (delete the file to rebuild it)")
            }
        } else {
            index = try HNSWIndex(dimension: dimension, metric: .cosine, configuration: configuration)
            try index.add(ids: (0 ..< Int64(baseVectors.count)).map { $0 }, vectors: baseVectors)
        }
        let buildSeconds = (clock.now - buildStart).seconds

        // The file's size, without encoding a loaded index again (which would read every
        // vector and blur the memory figures).
        let fileBytes: Int
        if let indexFile, loaded {
            fileBytes = (try FileManager.default.attributesOfItem(atPath: indexFile)[.size] as? NSNumber)?.intValue ?? 0
        } else {
            let encoded = try index.encoded(generation: 1, embedderID: "bench")
            fileBytes = encoded.count
            if let indexFile {
                try Data(encoded).write(to: URL(fileURLWithPath: indexFile), options: .atomic)
                if quantization == .int8 { index = try HNSWIndex(path: indexFile, configuration: configuration, quantization: .int8) }
            }
        }
        let rssLoaded = Memory.resident()

        let expected = truth.map { Set($0.prefix(k).map(Int64.init)) }
        var sweep: [[String: Any]] = []
        for ef in efs {
            // Recall from one pass; speed from repeated passes (the first one warms caches).
            var hit = 0
            for (q, query) in queryVectors.enumerated() {
                let found = try index.search(query, k: k, expansionSearch: ef)
                hit += found.reduce(0) { $0 + (expected[q].contains($1.chunkID) ? 1 : 0) }
            }
            var searched = 0
            var checksum = 0.0
            let start = clock.now
            var elapsed = 0.0
            repeat {
                for query in queryVectors {
                    let found = try index.search(query, k: k, expansionSearch: ef)
                    checksum += Double(found.first?.score ?? 0)
                }
                searched += queryVectors.count
                elapsed = (clock.now - start).seconds
            } while elapsed < minSeconds
            precondition(checksum.isFinite)
            sweep.append([
                "ef": ef,
                "recall": Double(hit) / Double(k * queryVectors.count),
                "qps": Double(searched) / elapsed,
            ])
        }
        return [
            "library": "quarry",
            "count": baseVectors.count,
            "dimension": dimension,
            "queries": queryVectors.count,
            "m": connectivity,
            "ef_construction": expansionAdd,
            "k": k,
            "threads": 1,
            "build_s": buildSeconds,
            "loaded": loaded,
            "bytes_per_vector": Double(fileBytes) / Double(baseVectors.count),
            "quantization": quantization.rawValue,
            "rss": ["before_load": rssBefore.json, "after_load": rssLoaded.json, "after_sweep": Memory.resident().json],
            "sweep": sweep,
        ]
    }
}

/// The process's resident memory, anonymous and file-backed, from /proc/self/status.
struct Memory {
    var anonymous = 0
    var file = 0

    static func resident() -> Memory {
        var memory = Memory()
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            if fields[0] == "RssAnon:" { memory.anonymous = kib * 1024 }
            if fields[0] == "RssFile:" { memory.file = kib * 1024 }
        }
        return memory
    }

    var json: [String: Int] { ["anon_bytes": anonymous, "file_bytes": file] }
}

struct UsageError: Error {
    let message: String?
    init(_ message: String?) { self.message = message }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) * 1e-18
    }
}
