import Foundation
import QuarryHTTP

extension OpenAIChatClient {
    /// How to reach the chat endpoint, what to ask of the model, and how hard to try.
    public struct Configuration: Sendable, Equatable {
        /// The server root, `http` or `https`, without credentials (e.g. `http://127.0.0.1:11434`
        /// for Ollama, `https://api.openai.com/v1`). `/v1/chat/completions` is appended; a base
        /// that already ends in `/v1` gets only `/chat/completions`.
        public var baseURL: URL
        /// The model id sent with each request (e.g. `gpt-4o-mini`, `llama3.1:8b`).
        public var model: String
        /// Sampling temperature, 0…2. Default 0.1: grounded answers should stay close to the
        /// context; 0 is fully greedy but some servers then repeat themselves.
        public var temperature: Double
        /// The most tokens to generate (`max_tokens`), 1…1,000,000. Default 512, enough for a
        /// cited paragraph or two; an answer that hits it ends with `finishReason == "length"`.
        public var maxTokens: Int
        /// Seconds a plain request may take in all; for a streamed one, the longest silence
        /// allowed before the first token and between tokens. Default 60 (local models on CPU
        /// can take tens of seconds to read a long prompt).
        public var requestTimeout: Double
        /// Requests in all, first try included, 1…100. Default 3: chat requests are expensive,
        /// and a server that failed three times is better reported than hammered.
        public var maxAttempts: Int
        /// Upper bound of the first retry delay, in seconds. Default 0.5; doubles per retry.
        public var initialBackoff: Double
        /// Cap on any retry delay, in seconds, `Retry-After` included. Default 8.
        public var maxBackoff: Double
        /// The environment variable that holds the API key. Default `QUARRY_LLM_API_KEY`;
        /// unset or empty sends no `Authorization` header (local servers).
        public var apiKeyEnvironmentVariable: String
        /// Largest response accepted, in bytes, streamed or not. Default 8 MiB, far above any
        /// answer of `maxTokens` tokens, far below what would hurt the process.
        public var maxResponseBytes: Int
        /// Seconds a whole streamed answer may take. Default 600: the hard stop for a model that
        /// keeps generating slowly without ever going silent for `requestTimeout`.
        public var streamTimeout: Double

        public init(baseURL: URL, model: String, temperature: Double = 0.1, maxTokens: Int = 512,
                    requestTimeout: Double = 60, maxAttempts: Int = 3, initialBackoff: Double = 0.5,
                    maxBackoff: Double = 8, apiKeyEnvironmentVariable: String = "QUARRY_LLM_API_KEY",
                    maxResponseBytes: Int = 8 << 20, streamTimeout: Double = 600) {
            self.baseURL = baseURL
            self.model = model
            self.temperature = temperature
            self.maxTokens = maxTokens
            self.requestTimeout = requestTimeout
            self.maxAttempts = maxAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
            self.maxResponseBytes = maxResponseBytes
            self.streamTimeout = streamTimeout
        }

        /// The fields every QuarryHTTP client shares.
        var httpSettings: HTTPClientSettings {
            HTTPClientSettings(baseURL: baseURL, apiKeyEnvironmentVariable: apiKeyEnvironmentVariable,
                               requestTimeout: requestTimeout, maxAttempts: maxAttempts, initialBackoff: initialBackoff,
                               maxBackoff: maxBackoff, maxResponseBytes: maxResponseBytes)
        }

        /// Checks every field.
        /// - Throws: `GenerateError(.configuration, …)` naming the field and the allowed range.
        public func validate() throws {
            func fail(_ message: String) -> GenerateError { GenerateError(.configuration, "LLM client: \(message)") }
            do {
                try httpSettings.validate()
            } catch let error as HTTPClientError {
                throw fail(error.message)
            }
            guard !model.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw fail("model is empty") }
            guard temperature.isFinite && (0...2).contains(temperature) else {
                throw fail("temperature must be 0...2 (got \(temperature))")
            }
            guard (1...1_000_000).contains(maxTokens) else { throw fail("maxTokens must be 1...1000000 (got \(maxTokens))") }
            guard streamTimeout.isFinite && streamTimeout >= requestTimeout && streamTimeout <= 86_400 else {
                throw fail("streamTimeout must be in [requestTimeout, 86400] seconds (got \(streamTimeout))")
            }
        }
    }
}
