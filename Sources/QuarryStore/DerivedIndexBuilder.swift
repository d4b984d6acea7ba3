import Foundation
import GRDB
import QuarryCore

/// A type that builds one derived file of a collection (an index) from SQLite at commit
/// time: the seam that lets QuarryIndex keep its formats while the store keeps the commit
/// protocol.
///
/// A builder writes its file for `context.generation` (durably: fsync'ed), and returns the
/// manifest entry. It may reuse the previous generation's file (`context.previous`) and
/// apply only the changes of the new generation, or rebuild from every chunk.
public protocol DerivedIndexBuilder: Sendable {
    /// The kind this builder owns ("lexical").
    var kind: String { get }
    /// Builds the file for `context.generation`.
    func build(_ context: DerivedBuildContext) throws -> DerivedBuildResult
}

/// What a builder made, and anything worth telling the user (e.g. a full rebuild because
/// the previous file was damaged).
public struct DerivedBuildResult: Sendable {
    public var file: Manifest.DerivedFile
    public var note: String?

    public init(file: Manifest.DerivedFile, note: String? = nil) {
        self.file = file
        self.note = note
    }
}

/// Everything a builder may read: the collection, the generation being built, the manifest
/// it replaces, and read access to SQLite (which already holds the new generation's rows).
///
/// The database is the commit's own connection, inside its open transaction: the builder
/// sees the promoted rows that no reader sees yet. A context is valid only during `build`
/// and on the thread that called it (hence unchecked Sendable).
public struct DerivedBuildContext: @unchecked Sendable {
    public let collection: String
    public let directory: URL
    /// The generation the file must reflect.
    public let generation: Int
    /// The manifest being replaced (its derived files reflect `previous.generation`).
    public let previous: Manifest?
    public let settings: CollectionSettings
    let database: Database

    /// Runs `body` with read access to collection.sqlite (inside the commit's transaction).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try body(database)
    }

    /// The path of a file in the collection directory.
    public func url(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }
}
