/// A failure in an index: a code, the file involved, and what happens next.
public struct IndexError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The file's checksum, magic or structure is wrong.
        case corrupt
        /// The file was written by a newer format version.
        case unsupportedVersion
        /// The file belongs to another generation or analyzer than expected.
        case mismatch
        case io
        case invalidArgument
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
