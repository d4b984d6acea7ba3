/// A collection-store failure: a code, the collection and path involved, and what to do next.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Code: String, Sendable {
        case notFound, alreadyExists, locked, invalidDocument, embedderMismatch, corruptManifest, unsupportedFormat, settingsMismatch, database, io
    }

    public var code: Code
    public var collection: String
    public var message: String

    public init(_ code: Code, collection: String, _ message: String) {
        self.code = code
        self.collection = collection
        self.message = message
    }

    public var description: String { message }
}
