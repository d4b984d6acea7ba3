import Foundation
import Hummingbird
import NIOCore
import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryRetrieve
import QuarryStore
import QuarryTrack

/// How the modules' errors become HTTP answers. Input errors (a bad filter, an empty query,
/// a mode the collection cannot serve) are 400 with their own message, which names no file;
/// an unknown collection is 404; a failing embedder or reranker is 502 (a dependency failed,
/// say which); anything else is a 500 whose detail says only that, with the request id.
enum ErrorMapping {
    static func problem(for error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let error as HTTPError where (400 ..< 500).contains(Int(error.status.code)):
            return Problem(error.status, error.body ?? error.status.reasonPhrase)
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "the request body is larger than the server's limit (server.max_body_bytes)")
        case let error as RetrieveError:
            return Problem(.badRequest, error.description)
        case let error as StoreError where error.code == .notFound:
            return Problem(.notFound, "no collection '\(error.collection)'")
        case let error as StoreError where error.code == .locked:
            return Problem(.conflict, "another writer is changing collection '\(error.collection)'; retry when it has committed",
                           headers: [(.retryAfter, "2")])
        case let error as StoreError where error.code == .settingsMismatch || error.code == .embedderMismatch || error.code == .invalidDocument:
            return Problem(.badRequest, error.message)
        case let error as TrackingError:
            switch error.code {
            case .notFound: return Problem(.notFound, error.message)
            case .storage: return Problem(.internalServerError, "the tracking store failed; the server log has the details under this request id")
            default: return Problem(.badRequest, error.message)
            }
        case let error as NameError:
            return Problem(.badRequest, error.description)
        case let error as EmbedError:
            return Problem(.badGateway, "the embedder failed: \(error.code.rawValue)", title: "Embedder failure")
        case let error as GenerateError where error.code == .configuration:
            return Problem(.internalServerError, "the LLM is misconfigured")
        case is CancellationError:
            return Problem(.serviceUnavailable, "the request was cancelled (server shutting down or timed out)")
        case let error as DecodingError:
            return Problem(.badRequest, "the body is not the expected JSON: " + describe(error))
        default:
            return Problem(.internalServerError, "an internal error occurred; the server log has the details under this request id")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the top level" : "'\(path)'"
        }
        switch error {
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "missing value at \(path(context))"
        case .keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "malformed JSON" : "bad value at \(path(context))"
        @unknown default: return "undecodable"
        }
    }
}
