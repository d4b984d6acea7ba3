import Foundation
import QuarryCore

/// The reranker the `rerank.*` settings describe, or nil for `provider: none`.
public enum RerankerFactory {
    /// - Throws: `RetrieveError` for a missing model folder or an unusable URL.
    public static func make(_ configuration: QuarryConfiguration) throws -> (any Reranker)? {
        let settings = configuration.rerank
        switch settings.provider {
        case .native:
            return try CrossEncoderReranker(modelDirectory: configuration.resolvePath(settings.model))
        case .http:
            guard let url = URL(string: settings.url) else { throw RetrieveError("rerank.url '\(settings.url)' is not a URL") }
            return try HTTPReranker(HTTPReranker.Configuration(
                baseURL: url, model: settings.httpModel, api: settings.api, requestTimeout: settings.timeoutSeconds,
                apiKeyEnvironmentVariable: settings.apiKeyEnvironment))
        case .none:
            return nil
        }
    }
}
