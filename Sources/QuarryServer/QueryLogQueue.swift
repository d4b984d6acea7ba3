import Foundation
import QuarryCore
import QuarryStore
import ServiceLifecycle

/// The query log's lines on their way to disk. A request hands its line over and answers at
/// once; every `server.query_log_flush_ms` one task writes what has queued, one transaction
/// per collection. Written on the request path, the log cost a SQLite commit per query and
/// made concurrent requests wait on the log's lock; the reader (drift monitoring) looks at
/// hours of queries and cannot tell a line written 100 ms late.
///
/// What a crash loses: on SIGTERM or Ctrl-C nothing (the server stops answering, finishes
/// the requests in flight, then this service writes the last lines before the process
/// exits). On SIGKILL, or power loss, the lines queued since the last flush (at most
/// `server.query_log_flush_ms` of answered queries) and those of a write in progress. With
/// the interval at 0 every line is written before its answer is sent, as before.
///
/// Bounded: past `capacity` queued lines (a disk so slow or locked that writes stall) new
/// lines are dropped and counted instead of growing memory; answers never wait for the
/// log. A write that fails loses its batch (one collection's lines of one interval),
/// counted as `failed` and reported.
final class QueryLogQueue: Service, @unchecked Sendable {
    /// One answered query, stamped when it was answered.
    struct Line {
        var writer: QueryLogFile.Writer
        var entry: QueryLogFile.Entry
        var at: Date
    }

    /// Lines written, dropped because the queue was full, and lost to a failed write.
    struct Counts: Sendable, Equatable {
        var written = 0
        var dropped = 0
        var failed = 0
    }

    let interval: Duration?
    let capacity: Int
    private let report: @Sendable (String) -> Void
    private let lock = NSLock()
    private var pending: [Line] = []
    private var _counts = Counts()
    /// Whether the current run of drops has been reported (reset once the queue drains).
    private var reportedFull = false

    /// - Parameters:
    ///   - flushMilliseconds: how often queued lines are written; 0 writes each line at once,
    ///     on the request path.
    ///   - capacity: the most lines queued at once.
    ///   - report: where a failed write is reported (the server's error log).
    init(flushMilliseconds: Int, capacity: Int = 20_000, report: @escaping @Sendable (String) -> Void) {
        interval = flushMilliseconds > 0 ? .milliseconds(flushMilliseconds) : nil
        self.capacity = capacity
        self.report = report
    }

    var counts: Counts { lock.withLock { _counts } }

    /// Lines waiting to be written.
    var queued: Int { lock.withLock { pending.count } }

    /// Queues `entry` for `writer`'s log (or writes it now when the interval is 0).
    func enqueue(_ entry: QueryLogFile.Entry, to writer: QueryLogFile.Writer) {
        let line = Line(writer: writer, entry: entry, at: Date())
        guard interval != nil else {
            write([line])
            return
        }
        let firstDrop = lock.withLock {
            guard pending.count < capacity else {
                _counts.dropped += 1
                defer { reportedFull = true }
                return !reportedFull
            }
            pending.append(line)
            return false
        }
        if firstDrop {
            report("query log queue full (\(capacity) lines): lines are dropped until the log's disk takes writes again")
        }
    }

    /// Writes every queued line now.
    func flush() {
        let lines = lock.withLock {
            let taken = pending
            pending.removeAll(keepingCapacity: true)
            reportedFull = false
            return taken
        }
        write(lines)
    }

    /// Writes `lines`, one transaction per log, oldest first.
    private func write(_ lines: [Line]) {
        guard !lines.isEmpty else { return }
        var order: [ObjectIdentifier] = []
        var groups: [ObjectIdentifier: (writer: QueryLogFile.Writer, lines: [(entry: QueryLogFile.Entry, at: String)])] = [:]
        for line in lines {
            let key = ObjectIdentifier(line.writer)
            if groups[key] == nil {
                order.append(key)
                groups[key] = (line.writer, [])
            }
            groups[key]!.lines.append((line.entry, Timestamp.format(line.at)))
        }
        for key in order {
            guard let group = groups[key] else { continue }
            do {
                try group.writer.append(contentsOf: group.lines)
                lock.withLock { _counts.written += group.lines.count }
            } catch {
                lock.withLock { _counts.failed += group.lines.count }
                report("query log write failed (\(group.lines.count) \(group.lines.count == 1 ? "line" : "lines") lost): \(error)")
            }
        }
    }

    /// Flushes every interval until the server shuts down, then once more: ServiceGroup
    /// stops the services in reverse order, so the HTTP server (added after this one) has
    /// finished its requests in flight by the time this returns.
    func run() async throws {
        guard let interval else {
            // Nothing to flush, but a service that returned would stop the server.
            try? await gracefulShutdown()
            return
        }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A shutdown ends the wait at once instead of after up to a whole interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            flush()
        }
        flush()
    }
}
