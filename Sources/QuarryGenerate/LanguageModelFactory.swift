import Foundation
import QuarryCore

/// The LLM the `llm.*` settings describe, or nil for `provider: none`.
public enum LanguageModelFactory {
    /// - Throws: `GenerateError(.configuration)` for an unusable URL or setting.
    public static func make(_ settings: LLMSettings) throws -> (any LanguageModel)? {
        guard settings.provider == .openai else { return nil }
        guard let url = URL(string: settings.url) else { throw GenerateError(.configuration, "llm.url '\(settings.url)' is not a URL") }
        return try OpenAIChatClient(OpenAIChatClient.Configuration(
            baseURL: url, model: settings.model, temperature: settings.temperature, maxTokens: settings.maxTokens,
            requestTimeout: settings.timeoutSeconds, maxAttempts: settings.maxAttempts,
            apiKeyEnvironmentVariable: settings.apiKeyEnvironment))
    }
}
