import Foundation
import QuarryCore

/// The latest drift report of each collection, kept beside the collection:
/// `<home>/collections/<name>/drift/latest.json` and `latest.html`.
///
/// Why beside the collection and not only in tracking: the server answers
/// `GET /v1/collections/{name}/drift` from it with one file read, without searching runs, and
/// the file goes when the collection is deleted. Every check is still a tracking run, so the
/// history lives there. Files are replaced atomically, so a reader never sees half a report.
public struct DriftReportStore: Sendable {
    public let home: QuarryHome

    public init(home: QuarryHome) {
        self.home = home
    }

    public func directory(_ collection: String) throws -> URL {
        try home.collectionDirectory(collection).appendingPathComponent("drift", isDirectory: true)
    }

    /// Stores `report` as the collection's latest.
    public func save(_ report: DriftReport, json: Data, html: String, collection: String) throws {
        let directory = try directory(collection)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(json, to: directory.appendingPathComponent("latest.json"))
        try AtomicFile.write(Data(html.utf8), to: directory.appendingPathComponent("latest.html"))
    }

    /// The collection's latest report, or nil when no check has stored one.
    /// - Throws: `DriftError.Code.invalidParameter` for a damaged report file.
    public func latest(_ collection: String) throws -> DriftReport? {
        let url = try directory(collection).appendingPathComponent("latest.json")
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try DriftReport.decode(data)
    }
}
