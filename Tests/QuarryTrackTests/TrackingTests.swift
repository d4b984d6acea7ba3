import Foundation
import QuarryCore
import QuarryTesting
import QuarryTrack
import Testing

/// The tracking backends one conformance suite runs on: SQLite (production) and the
/// in-memory twin. A new backend (PostgreSQL) joins by adding a case.
enum TrackingBackend: String, CaseIterable, Sendable {
    case sqlite, memory

    func make(_ dir: TemporaryDirectory) throws -> any TrackingStore & RegistryStore {
        switch self {
        case .sqlite: try SQLiteTrackingStore(home: QuarryHome(url: dir.url.appendingPathComponent("home")))
        case .memory: MemoryTrackingStore()
        }
    }
}

/// Every tracking and registry rule, checked on every backend.
@Suite struct TrackingConformanceTests {
    func start(_ store: any TrackingStore, _ experiment: String = "exp", name: String = "r", tags: [String: String] = [:]) throws -> String {
        try store.startRun(experiment: experiment, name: name, source: "test", gitCommit: nil, configHash: nil, tags: tags)
    }

    @Test("params are immutable: the same value again is fine, another value is refused", arguments: TrackingBackend.allCases)
    func immutableParams(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try backend.make(dir)
        let run = try start(store)
        try store.logParam(run, key: "analyzer", value: "english")
        try store.logParam(run, key: "analyzer", value: "english")
        let error = #expect(throws: TrackingError.self) { try store.logParam(run, key: "analyzer", value: "arabic") }
        #expect(error?.code == .immutableParam)
        #expect(error?.message.contains("english") == true)
        #expect(try store.run(run).params == ["analyzer": "english"])
        #expect(throws: TrackingError.self) { try store.logParam("nope", key: "a", value: "b") }
        #expect(throws: TrackingError.self) { try store.logParam(run, key: "bad\nkey", value: "b") }
        #expect(throws: TrackingError.self) { try store.logMetric(run, key: "loss", value: .nan) }
    }

    @Test("a batch is logged whole or not at all: one bad entry, a changed param or a param given twice differently refuses all of it",
          arguments: TrackingBackend.allCases)
    func batches(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try backend.make(dir)
        let run = try start(store)
        try store.logBatch(run, RunBatch(params: [("k", "10")], tags: [("team", "search")], metrics: [("loss", 0.5, 1), ("loss", 0.4, 2)]))
        let before = try store.run(run)
        #expect(before.params == ["k": "10"] && before.run.tags["team"] == "search" && before.metrics["loss"] == 0.4)
        let refused: [RunBatch] = [
            RunBatch(params: [("analyzer", "english")], metrics: [("loss", 0.3, 3), ("loss", .infinity, 4)]),
            RunBatch(params: [("analyzer", "english"), ("k", "20")], tags: [("team", "other")], metrics: [("loss", 0.3, 3)]),
            RunBatch(params: [("analyzer", "english"), ("analyzer", "arabic")], metrics: [("loss", 0.3, 3)]),
            RunBatch(params: [("analyzer", "english")], tags: [("bad\nkey", "x")]),
        ]
        for batch in refused {
            #expect(throws: TrackingError.self) { try store.logBatch(run, batch) }
            let after = try store.run(run)
            #expect(after.params == before.params && after.metrics == before.metrics && after.run.tags == before.run.tags)
            #expect(try store.metricHistory(run, key: "loss").count == 2)
        }
        #expect(throws: TrackingError.self) { try store.logBatch("nope", RunBatch(params: [("a", "b")])) }
    }

    @Test("metric history keeps logging order; the latest value is the last logged", arguments: TrackingBackend.allCases)
    func history(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try backend.make(dir)
        let run = try start(store)
        let values = (0 ..< 50).map { Double(50 - $0) / 10 }
        for (step, value) in values.enumerated() { try store.logMetric(run, key: "loss", value: value, step: step % 7) }
        let points = try store.metricHistory(run, key: "loss")
        #expect(points.map(\.value) == values)
        #expect(points.map(\.step) == (0 ..< 50).map { $0 % 7 })
        #expect(try store.run(run).metrics["loss"] == values.last)
    }

    @Test("runs are searched by experiment, metric, param, tag, name and status", arguments: TrackingBackend.allCases)
    func search(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try backend.make(dir)
        var ids: [String] = []
        for i in 0 ..< 4 {
            let run = try start(store, i < 3 ? "eval" : "ingest", name: "run\(i)", tags: ["suite": i % 2 == 0 ? "demo" : "msmarco"])
            try store.logMetric(run, key: "hybrid/ndcg@10", value: 0.2 + 0.1 * Double(i))
            try store.logParam(run, key: "analyzer", value: i == 1 ? "arabic" : "english")
            try store.logParam(run, key: "k", value: ["5", "10", "100", "12abc"][i])
            if i != 2 { try store.endRun(run, status: .finished) }
            ids.append(run)
        }
        func find(_ filter: String, _ experiment: String? = nil) throws -> [String] {
            try store.searchRuns(experiment: experiment, filter: try RunFilter.parse(filter), limit: 100).map(\.id)
        }
        #expect(try find("metrics.hybrid/ndcg@10 > 0.35") == [ids[3], ids[2]])
        #expect(try find("metrics.hybrid/ndcg@10 > 0.25", "eval") == [ids[2], ids[1]])
        #expect(try find("params.analyzer = arabic") == [ids[1]])
        #expect(try find("tags.suite = demo and status = finished") == [ids[0]])
        #expect(try find("status = running") == [ids[2]])
        #expect(try find("params.analyzer != english") == [ids[1]])
        #expect(try find("") == ids.reversed())
        // Numbers compare as numbers, text as SQLite's CAST reads it ("12abc" is 12).
        #expect(try find("params.k >= 10") == [ids[3], ids[2], ids[1]])
        #expect(try find("params.k < 11") == [ids[1], ids[0]])
        #expect(try find("params.k = 10") == [ids[1]])
        #expect(try find("params.missing = x").isEmpty && find("params.missing != x").isEmpty)
        #expect(try find("name = run2") == [ids[2]])
        #expect(try find("metrics.absent >= 0").isEmpty)
        // A bound reads as SQLite's CAST reads it on every backend: "inf" and "0x1p3" are 0.
        #expect(try find("metrics.hybrid/ndcg@10 < inf").isEmpty)
        #expect(try find("metrics.hybrid/ndcg@10 > 0x1p3") == ids.reversed())
        for bad in ["metrics.x > high", "colour = red", "status = sleeping", "params.a >= b", "metrics.x"] {
            #expect(throws: TrackingError.self, "\(bad)") { try RunFilter.parse(bad) }
        }
        try store.deleteRun(ids[0])
        #expect(try find("tags.suite = demo") == [ids[2]])
    }

    @Test("artifacts are stored by content and verified; names that could escape the store are refused", arguments: TrackingBackend.allCases)
    func artifacts(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try backend.make(dir)
        let run = try start(store)
        let record = try store.logArtifact(run, name: "reports/report.json", data: Array("{\"ok\":true}".utf8))
        #expect(record.sha256 == ContentHash.sha256(Array("{\"ok\":true}".utf8)))
        #expect(try store.artifact(run, name: "reports/report.json") == Array("{\"ok\":true}".utf8))
        for name in ["../escape", "/etc/passwd", "a/../../b", "a/./b", "", "a//b", "a\\b", "name\u{0}x", String(repeating: "a", count: 201)] {
            let error = #expect(throws: TrackingError.self, "\(name.debugDescription)") { _ = try store.logArtifact(run, name: name, data: [1]) }
            #expect(error?.code == .unsafePath)
            #expect(throws: TrackingError.self) { _ = try store.artifact(run, name: name) }
        }
        // Nothing was written outside the store.
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("escape").path))
        #expect(try store.run(run).artifacts.map(\.name) == ["reports/report.json"])
        let missing = #expect(throws: TrackingError.self) { _ = try store.artifact(run, name: "other.json") }
        #expect(missing?.code == .notFound)
    }

    @Test("artifacts on disk: a stored file replaced by a link is not followed, a damaged one is detected")
    func artifactFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try SQLiteTrackingStore(home: QuarryHome(url: dir.url.appendingPathComponent("home")))
        let run = try start(store)
        let record = try store.logArtifact(run, name: "reports/report.json", data: Array("{\"ok\":true}".utf8))
        // A stored file replaced by a symbolic link is not followed.
        let path = store.artifacts.root.appendingPathComponent("sha256/\(record.sha256.prefix(2))/\(record.sha256)").path
        try FileManager.default.removeItem(atPath: path)
        try dir.write("secret.txt", "{\"ok\":true}")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: dir.path + "/secret.txt")
        let linked = #expect(throws: TrackingError.self) { _ = try store.artifact(run, name: "reports/report.json") }
        #expect(linked?.code == .unsafePath)
        // A damaged file is detected.
        try FileManager.default.removeItem(atPath: path)
        try Data("{\"ok\":false}".utf8).write(to: URL(fileURLWithPath: path))
        let damaged = #expect(throws: TrackingError.self) { _ = try store.artifact(run, name: "reports/report.json") }
        #expect(damaged?.code == .storage)
    }

    @Test("registry: versions count up, promotion is gated, aliases move and every move is in the history", arguments: TrackingBackend.allCases)
    func registry(backend: TrackingBackend) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let registry = Registry(store: try backend.make(dir))
        func draft(_ ndcg: Double) -> PipelineVersion {
            PipelineVersion(pipeline: "qa", collection: "demo", generation: 3, manifestChecksum: "abc", embedder: "native:x", reranker: nil,
                            prompt: "answer@sha256:0", retrieval: ["mode": "hybrid"], sourceRun: nil, metrics: ["ndcg@10": ndcg],
                            corpusFingerprint: "f")
        }
        #expect(try registry.register(draft(0.30)).version == 1)
        #expect(try registry.register(draft(0.40)).version == 2)
        let refused = #expect(throws: TrackingError.self) {
            try registry.promote("qa", version: 1, alias: "production", requirements: [try Requirement.parse("ndcg@10>=0.35")], actor: "ci")
        }
        #expect(refused?.code == .gateFailed)
        #expect(refused?.message.contains("ndcg@10 is 0.3000") == true)
        #expect(try registry.aliases(of: "qa").isEmpty)
        let missing = #expect(throws: TrackingError.self) {
            try registry.promote("qa", version: 2, alias: "production", requirements: [try Requirement.parse("recall@100 >= 0.5")], actor: "ci")
        }
        #expect(missing?.message.contains("not measured") == true)
        try registry.promote("qa", version: 2, alias: "production", requirements: [try Requirement.parse("ndcg@10>=0.35")], actor: "ci")
        #expect(try registry.resolve("qa", "production").version == 2)
        try registry.setAlias("qa", alias: "production", version: 1, actor: "alice", reason: "rollback")
        #expect(try registry.resolve("qa", "production").version == 1)
        let history = try registry.history(of: "qa")
        #expect(history.map(\.toVersion) == [2, 1])
        #expect(history.map(\.fromVersion) == [nil, 2])
        #expect(history.last?.actor == "alice" && history.last?.reason == "rollback")
        #expect(throws: TrackingError.self) { try registry.setAlias("qa", alias: "production", version: 9, actor: "x", reason: "") }
        #expect(throws: TrackingError.self) { _ = try registry.register(draft(0.1).with(pipeline: "../qa")) }
        #expect(throws: TrackingError.self) { _ = try Requirement.parse("ndcg@10 ~ 3") }
        #expect(try registry.pipelines() == ["qa"] && registry.versions(of: "qa").map(\.version) == [1, 2])
        #expect(throws: TrackingError.self) { _ = try registry.resolve("qa", "staging") }
        #expect(throws: TrackingError.self) { _ = try registry.version("qa", 3) }
    }
}

extension PipelineVersion {
    func with(pipeline: String) -> PipelineVersion {
        var copy = self
        copy.pipeline = pipeline
        return copy
    }
}
