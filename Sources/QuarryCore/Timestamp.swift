import Foundation

/// UTC timestamps as ISO 8601 strings with milliseconds, the one format Quarry stores.
public enum Timestamp {
    /// Now, e.g. "2026-11-29T18:04:05.123Z".
    public static func now() -> String { format(Date()) }

    /// A date in Quarry's format.
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
