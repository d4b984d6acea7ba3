import Foundation
import Prometheus

/// The Prometheus metrics `/metrics` exposes: requests by route, method and status; request
/// latency by route; time per pipeline stage; requests in flight; collection sizes; lookups
/// in the query-embedding cache by result; query-log lines written, dropped and failed.
final class ServerMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    private var counters: [String: Counter] = [:]
    private var histograms: [String: DurationHistogram] = [:]
    private var gauges: [String: Gauge] = [:]
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .seconds(2.5), .seconds(5), .seconds(10), .seconds(30)]

    func request(route: String, method: String, status: Int, seconds: Double) {
        let counter = lock.withLock {
            let key = "\(route)|\(method)|\(status)"
            if let existing = counters[key] { return existing }
            let made = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "quarry", subsystem: "http", metricName: "requests",
                                                                             unitName: "total", helpText: "HTTP requests answered, by route, method and status."),
                                            labels: [("route", route), ("method", method), ("status", String(status))])
            counters[key] = made
            return made
        }
        counter.increment()
        histogram(MetricNameDescriptor(namespace: "quarry", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                                       helpText: "Time from request to response head, by route."), label: ("route", route))
            .record(.nanoseconds(Int64(seconds * 1e9)))
    }

    func stage(_ name: String, milliseconds: Double) {
        histogram(MetricNameDescriptor(namespace: "quarry", metricName: "stage_duration", unitName: "seconds",
                                       helpText: "Time per pipeline stage (retrieval and generation)."), label: ("stage", name))
            .record(.nanoseconds(Int64(milliseconds * 1e6)))
    }

    /// A gauge `quarry_collection_<metric>` for one collection.
    func collectionGauge(_ metric: String, collection: String, help: String) -> Gauge {
        lock.withLock {
            let key = metric + "|" + collection
            if let existing = gauges[key] { return existing }
            let made = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "quarry", subsystem: "collection", metricName: metric,
                                                                           unitName: "", helpText: help),
                                          labels: [("collection", collection)])
            gauges[key] = made
            return made
        }
    }

    /// Brings `quarry_query_embedding_cache_lookups_total{result="hit"|"miss"}` up to the
    /// caches' counts (called at each scrape).
    func queryCache(hits: Int, misses: Int) {
        catchUp(subsystem: "query_embedding_cache", name: "lookups",
                help: "Query embeddings looked up in the cache, by result (hit: no forward pass).",
                totals: [("hit", hits), ("miss", misses)])
    }

    /// Brings `quarry_query_log_lines_total{result="written"|"dropped"|"failed"}` and the
    /// gauge `quarry_query_log_queued_lines` up to the query-log queue's counts.
    func queryLog(_ counts: QueryLogQueue.Counts, queued: Int) {
        catchUp(subsystem: "query_log", name: "lines",
                help: "Query-log lines by result (dropped: the queue was full; failed: the write failed).",
                totals: [("written", counts.written), ("dropped", counts.dropped), ("failed", counts.failed)])
        let gauge = lock.withLock {
            if let existing = gauges["query_log_queued"] { return existing }
            let made = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "quarry", subsystem: "query_log", metricName: "queued",
                                                                           unitName: "lines", helpText: "Query-log lines waiting to be written."))
            gauges["query_log_queued"] = made
            return made
        }
        gauge.set(Double(queued))
    }

    /// Raises the counters `quarry_<subsystem>_<name>_total{result=…}` to `totals`, counts
    /// kept elsewhere that only grow: each counter is incremented by the difference since the
    /// last scrape.
    private func catchUp(subsystem: String, name: String, help: String, totals: [(result: String, total: Int)]) {
        lock.withLock {
            for (result, total) in totals {
                let key = subsystem + "|" + result
                let counter = counters[key] ?? registry.makeCounter(
                    descriptor: MetricNameDescriptor(namespace: "quarry", subsystem: subsystem, metricName: name, unitName: "total", helpText: help),
                    labels: [("result", result)])
                counters[key] = counter
                let grown = total - (reported[key] ?? 0)
                if grown > 0 { counter.increment(by: Int64(grown)) }
                reported[key] = total
            }
        }
    }

    private var reported: [String: Int] = [:]

    private func histogram(_ descriptor: MetricNameDescriptor, label: (String, String)) -> DurationHistogram {
        lock.withLock {
            let key = "\(descriptor.name)|\(label.1)"
            if let existing = histograms[key] { return existing }
            let made = registry.makeDurationHistogram(descriptor: descriptor, labels: [label], buckets: Self.buckets)
            histograms[key] = made
            return made
        }
    }

    func text() -> String { registry.emitToString() }
}
