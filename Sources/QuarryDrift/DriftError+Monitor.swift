extension DriftError.Code {
    /// A side of a check could not be parsed (`querylog:NAME@24h`, `collection:NAME`, …).
    public static let invalidSource = DriftError.Code(rawValue: "invalidSource")
    /// A side named something that is not there: a file, a collection, a query log, a version.
    public static let sourceNotFound = DriftError.Code(rawValue: "sourceNotFound")
    /// A side exists but cannot be compared: an empty window, a pinned generation that is no
    /// longer on disk, a query side against a corpus side.
    public static let sourceUnavailable = DriftError.Code(rawValue: "sourceUnavailable")
}
