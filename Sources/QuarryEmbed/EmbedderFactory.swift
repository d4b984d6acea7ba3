import Foundation
import QuarryCore

/// Builds the configured embedder (`embedding.provider`), or nil for `none`.
public enum EmbedderFactory {
    public static func make(_ configuration: QuarryConfiguration) throws -> (any Embedder)? {
        let settings = configuration.embedding
        switch settings.provider {
        case .none:
            return nil
        case .http:
            guard let url = URL(string: settings.url) else {
                throw EmbedError(.configuration, "embedding.url \(settings.url) is not a URL")
            }
            let http = HTTPEmbedder.Configuration(baseURL: url, model: settings.httpModel, dimension: settings.dimension,
                                                  apiKeyEnvironmentVariable: settings.apiKeyEnvironment, batchSize: settings.batchSize,
                                                  requestTimeout: settings.timeoutSeconds)
            return try HTTPEmbedder(http)
        case .native:
            return try NativeEmbedder.open(modelDirectory: configuration.resolvePath(settings.model),
                                           maxSequenceLength: settings.maxSequenceLength)
        }
    }
}
