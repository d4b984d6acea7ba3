import Foundation
import QuarryCore

/// The LLM the `llm.*` settings describe, or nil for extractive answers.
public enum LanguageModelFactory {
    /// - Parameter resolve: turns `llm.model` into a path (relative to the configuration
    ///   file's folder, else the working directory).
    /// - Throws: `GenerateError(.configuration)` for an unusable URL or setting.
    public static func make(_ settings: LLMSettings, resolve: (String) -> URL = { URL(fileURLWithPath: $0) }) throws -> (any LanguageModel)? {
        switch settings.provider {
        case .none:
            return nil
        case .native:
            return NativeLanguageModel(location: resolve(settings.nativeModel), settings: settings)
        case .auto:
            // The native model when its file is there; extractive answers otherwise.
            let location = resolve(settings.nativeModel)
            guard (try? NativeLanguageModel.modelFile(at: location)) != nil else { return nil }
            return NativeLanguageModel(location: location, settings: settings)
        case .openai:
            guard let url = URL(string: settings.url) else { throw GenerateError(.configuration, "llm.url '\(settings.url)' is not a URL") }
            return try OpenAIChatClient(OpenAIChatClient.Configuration(
                baseURL: url, model: settings.model, temperature: settings.temperature, maxTokens: settings.answerTokens(native: false),
                requestTimeout: settings.timeoutSeconds, maxAttempts: settings.maxAttempts,
                apiKeyEnvironmentVariable: settings.apiKeyEnvironment))
        }
    }

    /// Why there is no LLM under `settings` (for the extractive answer's label).
    public static func absence(_ settings: LLMSettings, resolve: (String) -> URL = { URL(fileURLWithPath: $0) }) -> String {
        switch settings.provider {
        case .auto:
            return "no LLM is configured (llm.provider auto found no model at \(resolve(settings.nativeModel).path); scripts/fetch-model SmolLM2-135M-Instruct downloads it)"
        default:
            return "no LLM is configured (llm.provider is \(settings.provider.rawValue))"
        }
    }
}
