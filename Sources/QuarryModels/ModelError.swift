/// A model-loading or inference failure: a code, the file or tensor involved, and what to do.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case missingFile, invalidFile, missingTensor, shapeMismatch, unsupported, blas
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
