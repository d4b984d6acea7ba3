import Foundation
import QuarryCore

/// A span of a query log: `24h` (the last 24 hours), `48h..24h` (from 48 to 24 hours ago,
/// the window before it), or absolute ISO-8601 bounds `2026-11-01T00:00:00Z..2026-11-02T00:00:00Z`.
///
/// Why relative bounds: a cron job runs the same command every day and must compare "the last
/// day" with "the day before" without computing dates. The start is inclusive and the end
/// exclusive, so back-to-back windows never count a query twice.
public struct QueryLogWindow: Sendable, Equatable, CustomStringConvertible {
    /// One end of a window.
    public enum Bound: Sendable, Equatable {
        /// The moment the check runs.
        case now
        /// This many seconds before the check runs.
        case ago(TimeInterval)
        /// A fixed moment.
        case at(Date)
    }

    public var start: Bound
    public var end: Bound

    public init(start: Bound, end: Bound = .now) {
        self.start = start
        self.end = end
    }

    /// The last `seconds` seconds.
    public static func last(_ seconds: TimeInterval) -> QueryLogWindow {
        QueryLogWindow(start: .ago(seconds), end: .now)
    }

    /// The window of the same length that ends where this one starts (the default reference
    /// of `quarry drift queries`). Only relative windows have one without knowing the time;
    /// absolute ones shift by their own length.
    public var preceding: QueryLogWindow {
        switch (start, end) {
        case let (.ago(a), .now): return QueryLogWindow(start: .ago(2 * a), end: .ago(a))
        case let (.ago(a), .ago(b)): return QueryLogWindow(start: .ago(a + (a - b)), end: .ago(a))
        default:
            let span = resolve(now: Date())
            let length = span.upperBound.timeIntervalSince(span.lowerBound)
            return QueryLogWindow(start: .at(span.lowerBound.addingTimeInterval(-length)), end: .at(span.lowerBound))
        }
    }

    /// The absolute span at `now`.
    public func resolve(now: Date) -> Range<Date> {
        func date(_ bound: Bound) -> Date {
            switch bound {
            case .now: now
            case .ago(let seconds): now.addingTimeInterval(-seconds)
            case .at(let date): date
            }
        }
        let lower = date(start), upper = date(end)
        return lower < upper ? lower ..< upper : lower ..< lower
    }

    /// Parses `24h`, `90m`, `7d`, `3600s`, `48h..24h`, `ISO..ISO` or `ISO..now`.
    /// - Throws: `DriftError.Code.invalidSource` naming the accepted forms.
    public static func parse(_ text: String) throws -> QueryLogWindow {
        let parts = text.components(separatedBy: "..")
        switch parts.count {
        case 1:
            guard let seconds = duration(parts[0]) else { throw invalid(text) }
            return .last(seconds)
        case 2:
            let window = QueryLogWindow(start: try bound(parts[0], text), end: try bound(parts[1], text))
            if case let (.ago(a), .ago(b)) = (window.start, window.end), a <= b { throw invalid(text, "the start must be further back than the end") }
            if case let (.at(a), .at(b)) = (window.start, window.end), a >= b { throw invalid(text, "the start must come before the end") }
            return window
        default:
            throw invalid(text)
        }
    }

    private static func bound(_ text: String, _ whole: String) throws -> Bound {
        if text == "now" { return .now }
        if let seconds = duration(text) { return .ago(seconds) }
        if let date = parseDate(text) { return .at(date) }
        throw invalid(whole)
    }

    /// `N` followed by s, m, h or d; N a positive whole number.
    static func duration(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let count = Int(text.dropLast()), count > 0 else { return nil }
        switch unit {
        case "s": return TimeInterval(count)
        case "m": return TimeInterval(count) * 60
        case "h": return TimeInterval(count) * 3600
        case "d": return TimeInterval(count) * 86400
        default: return nil
        }
    }

    static func parseDate(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return withFraction.date(from: text) ?? plain.date(from: text)
    }

    private static func invalid(_ text: String, _ why: String? = nil) -> DriftError {
        DriftError(.invalidSource, "window \(Printable.quoted(text))\(why.map { ": " + $0 } ?? ""); use 24h, 90m, 7d, 48h..24h or "
                   + "2026-11-01T00:00:00Z..2026-11-02T00:00:00Z")
    }

    public var description: String {
        func text(_ bound: Bound) -> String {
            switch bound {
            case .now: return "now"
            case .ago(let seconds): return Self.format(seconds)
            case .at(let date): return Timestamp.format(date)
            }
        }
        if case .now = end, case .ago(let seconds) = start { return Self.format(seconds) }
        return text(start) + ".." + text(end)
    }

    static func format(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds)
        if whole % 3600 == 0 && whole <= 3 * 86400 { return "\(whole / 3600)h" }
        if whole % 86400 == 0 { return "\(whole / 86400)d" }
        if whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
