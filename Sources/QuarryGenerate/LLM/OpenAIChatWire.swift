/// The JSON of OpenAI's chat-completions API, as far as Quarry reads it.
///
/// Every response field is optional so that a missing one becomes a precise
/// `.invalidResponse` or `.emptyAnswer` message instead of a generic decoding error, and
/// extra fields (logprobs, system_fingerprint, reasoning) are ignored.
enum OpenAIChatWire {
    struct Request: Encodable {
        var model: String
        var messages: [ChatMessage]
        var temperature: Double
        var maxTokens: Int
        var stream: Bool

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature, stream
            case maxTokens = "max_tokens"
        }
    }

    /// A non-streamed answer.
    struct Response: Decodable {
        struct Choice: Decodable {
            struct Message: Decodable { var content: String? }
            var message: Message?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case message
                case finishReason = "finish_reason"
            }
        }

        struct Usage: Decodable {
            var promptTokens: Int?
            var completionTokens: Int?

            enum CodingKeys: String, CodingKey {
                case promptTokens = "prompt_tokens"
                case completionTokens = "completion_tokens"
            }
        }

        var model: String?
        var choices: [Choice]?
        var usage: Usage?
    }

    /// One `data:` event of a streamed answer.
    struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
            var finishReason: String?

            enum CodingKeys: String, CodingKey {
                case delta
                case finishReason = "finish_reason"
            }
        }

        var choices: [Choice]?
        /// Servers report a failure after the head as an event with an error object.
        var error: ServerError?
    }

    /// `{"error": {"message": …}}` (OpenAI, vLLM) or `{"error": "…"}` (Ollama, llama.cpp).
    struct ServerError: Decodable {
        var message: String?

        private enum CodingKeys: String, CodingKey { case message }

        init(from decoder: Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                message = text
            } else {
                message = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .message)
            }
        }
    }
}
