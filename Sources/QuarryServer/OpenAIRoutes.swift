import Foundation
import Hummingbird
import NIOCore
import QuarryCore
import QuarryEmbed
import QuarryGenerate
import QuarryPipeline
import QuarryRetrieve
import QuarryStore
import QuarryWire

/// OpenAI-compatible endpoints, so existing clients and SDKs work unchanged:
/// `POST /v1/embeddings` (the server's embedder) and `POST /v1/chat/completions`, where
/// `model` names a collection and the answer is grounded in it, with citations (plain, or
/// streamed as `chat.completion.chunk` events ending with `data: [DONE]`). Errors keep the
/// problem+json shape; OpenAI's SDKs surface the status and the body's text.
extension Handlers {
    static let maxEmbeddingInputs = 2048

    struct EmbeddingsBody: Decodable {
        enum Input: Decodable {
            case one(String), many([String])
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) { self = .one(text) } else { self = .many(try container.decode([String].self)) }
            }
        }
        var input: Input
        var model: String?
        var encoding_format: String?
        var dimensions: Int?
        var user: String?
    }

    struct ChatBody: Decodable {
        struct Message: Decodable {
            var role: String
            var content: String?
        }
        var model: String
        var messages: [Message]
        var stream: Bool?
        var temperature: Double?
        var max_tokens: Int?
        var top_p: Double?
        var user: String?
        var n: Int?
    }

    func registerOpenAI(on router: Router<QuarryRequestContext>) {
        router.post("/v1/embeddings") { request, context in
            guard let embedder = pool.factory.embedder else { throw Problem(.notFound, "this server has no embedding model (embedding.provider is none)", title: "Model not found") }
            let body: EmbeddingsBody = try await decode(request, keys: ["input", "model", "encoding_format", "dimensions", "user"])
            let texts: [String]
            switch body.input {
            case .one(let text): texts = [text]
            case .many(let list): texts = list
            }
            guard !texts.isEmpty, texts.count <= Self.maxEmbeddingInputs else {
                throw Problem(.badRequest, "\"input\" must hold 1...\(Self.maxEmbeddingInputs) texts")
            }
            if let index = texts.firstIndex(where: { $0.isEmpty }) { throw Problem(.badRequest, "input[\(index)] is empty") }
            let format = body.encoding_format ?? "float"
            guard format == "float" || format == "base64" else {
                throw Problem(.badRequest, "encoding_format must be \"float\" or \"base64\"")
            }
            if let dimensions = body.dimensions, dimensions != embedder.dimension {
                throw Problem(.badRequest, "this embedder returns \(embedder.dimension) dimensions, not \(dimensions)")
            }
            if let model = body.model, !model.isEmpty, model != embedder.identity.model, model != "default" {
                throw Problem(.notFound, "model \"\(model)\" is not served here; use \"\(embedder.identity.model)\"")
            }
            let vectors = try await embedder.embed(texts)
            let tokens = texts.reduce(0) { $0 + (embedder.countTokens($1) ?? $1.split(whereSeparator: \.isWhitespace).count) }
            struct Usage: Encodable { var prompt_tokens: Int; var total_tokens: Int }
            let usage = Usage(prompt_tokens: tokens, total_tokens: tokens)
            if format == "base64" {
                // OpenAI's base64 form: the float32 values, little-endian, base64-encoded (the
                // Python SDK asks for it by default and decodes it itself).
                struct Item: Encodable { var object = "embedding"; var index: Int; var embedding: String }
                struct Reply: Encodable { var object = "list"; var data: [Item]; var model: String; var usage: Usage }
                let items = vectors.enumerated().map { index, vector in
                    Item(index: index, embedding: vector.withUnsafeBufferPointer { Data(buffer: $0) }.base64EncodedString())
                }
                return try Self.json(Reply(data: items, model: embedder.identity.model, usage: usage))
            }
            struct Item: Encodable { var object = "embedding"; var index: Int; var embedding: [Float] }
            struct Reply: Encodable { var object = "list"; var data: [Item]; var model: String; var usage: Usage }
            return try Self.json(Reply(data: vectors.enumerated().map { Item(index: $0.offset, embedding: $0.element) },
                                       model: embedder.identity.model, usage: usage))
        }
        router.post("/v1/chat/completions") { request, context in
            let start = DispatchTime.now().uptimeNanoseconds
            let body: ChatBody = try await decode(request, keys: ["model", "messages", "stream", "temperature", "max_tokens", "top_p", "user", "n"])
            if let n = body.n, n != 1 { throw Problem(.badRequest, "only n = 1 is supported") }
            guard let question = body.messages.last(where: { $0.role == "user" })?.content,
                  !question.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem(.badRequest, "messages must hold a user message with text content")
            }
            guard question.unicodeScalars.count <= settings.maxQueryCharacters else {
                throw Problem(.badRequest, "the user message is longer than \(settings.maxQueryCharacters) characters (server.max_query_characters)")
            }
            let name = body.model
            let entry: CollectionPool.Entry
            do {
                entry = try await pool.entry(name)
            } catch where error is NameError || (error as? StoreError)?.code == .notFound {
                throw Problem(.notFound, "model \"\(name)\" is not a collection of this server (GET /v1/collections lists them)")
            }
            // Any other failure to open the collection (a damaged index, the query log) is
            // the server's, not the client's: it goes to ErrorMapping and the log as it is.
            // The configured mode, or lexical where the collection has no dense side.
            let options = try served(RetrievalOverrides())
            let id = "chatcmpl-" + context.requestID
            let created = Int(Date().timeIntervalSince1970)
            if body.stream == true {
                return chatStream(entry, question: question, options: options, id: id, created: created, model: name, context: context,
                                  start: start)
            }
            let pipeline = entry.pipeline
            var answer = try await Deadline.run(seconds: settings.requestTimeoutSeconds) { try await pipeline.answer(question, options: options) }
            finish(&answer, entry: entry, query: question, explain: false, options: options, latency: Self.milliseconds(since: start),
                   context: context)
            return try Self.json(ChatReply(id: id, created: created, model: name, answer: answer))
        }
    }

    /// The answer text as a chat message: the answer, then its sources so a plain chat
    /// client shows where [n] points; the structured citations ride along under `quarry`.
    static func chatContent(_ answer: Answer) -> String {
        var text = answer.text
        if answer.kind == .extractive, let reason = answer.fallbackReason { text = "(Extractive answer: \(reason).)\n" + text }
        let cited = Set(answer.citations.map(\.number))
        let sources = answer.sources.filter { cited.contains($0.number) }
        if !sources.isEmpty {
            text += "\n\nSources:\n" + sources.map { "[\($0.number)] \($0.sourceLabel)" }.joined(separator: "\n")
        }
        return text
    }

    struct ChatReply: Encodable {
        struct Choice: Encodable {
            struct Message: Encodable { var role = "assistant"; var content: String }
            var index = 0
            var message: Message
            var finish_reason = "stop"
        }
        struct Usage: Encodable { var prompt_tokens = 0; var completion_tokens = 0; var total_tokens = 0 }
        struct Grounding: Encodable {
            var kind: String
            var fallback_reason: String?
            var citations: [Citation]
            var sources: [ContextPassage]
            var prompt: String
            /// Per-sentence verdicts of the grounding check (strict or annotate).
            var grounding: GroundingReport?

            init(_ answer: Answer) {
                kind = answer.kind.rawValue
                fallback_reason = answer.fallbackReason
                citations = answer.citations
                sources = answer.sources
                prompt = answer.prompt
                grounding = answer.grounding
            }
        }
        var id: String
        var object = "chat.completion"
        var created: Int
        var model: String
        var choices: [Choice]
        var usage = Usage()
        var quarry: Grounding

        init(id: String, created: Int, model: String, answer: Answer) {
            self.id = id
            self.created = created
            self.model = model
            // "length" when the model ran out of answer tokens (the answer is cut); the token
            // counts when the model reported them (zeros otherwise, as before).
            choices = [Choice(message: .init(content: Handlers.chatContent(answer)), finish_reason: answer.finishReason == "length" ? "length" : "stop")]
            let prompt = answer.promptTokens ?? 0, completion = answer.completionTokens ?? 0
            usage = Usage(prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion)
            quarry = Grounding(answer)
        }
    }

    struct ChatChunk: Encodable {
        struct Choice: Encodable {
            struct Delta: Encodable { var role: String?; var content: String? }
            var index = 0
            var delta: Delta
            var finish_reason: String?
        }
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice]
        var quarry: ChatReply.Grounding?
    }

    func chatStream(_ entry: CollectionPool.Entry, question: String, options: RetrievalOptions, id: String, created: Int, model: String,
                    context: QuarryRequestContext, start: UInt64) -> Response {
        let events = entry.pipeline.run(question, options: options, stream: true)
        let body = ResponseBody { writer in
            func send(_ chunk: ChatChunk) async throws {
                try await writer.write(ByteBuffer(string: "data: " + String(decoding: try WireJSON.encoder.encode(chunk), as: UTF8.self) + "\n\n"))
            }
            func delta(_ content: String?, role: String? = nil, finish: String? = nil, grounding: ChatReply.Grounding? = nil) -> ChatChunk {
                ChatChunk(id: id, created: created, model: model,
                          choices: [.init(delta: .init(role: role, content: content), finish_reason: finish)], quarry: grounding)
            }
            try await send(delta(nil, role: "assistant"))
            var streamed = false
            do {
                for try await event in events {
                    switch event {
                    case .context: break
                    case .token(let text):
                        streamed = true
                        try await send(delta(text))
                    case .fallback(let reason):
                        if streamed { try await send(delta("\n\n(The LLM answer broke off: \(reason).)\n")) }
                        streamed = false
                    case .done(var answer):
                        finish(&answer, entry: entry, query: question, explain: false, options: options,
                               latency: Self.milliseconds(since: start), context: context)
                        let grounding = ChatReply.Grounding(answer)
                        let full = Handlers.chatContent(answer)
                        // Tokens already streamed are the answer; add only the sources. Otherwise send it whole.
                        let rest = streamed ? String(full.dropFirst(answer.text.count)) : full
                        if !rest.isEmpty { try await send(delta(rest)) }
                        try await send(delta(nil, finish: "stop", grounding: grounding))
                    }
                }
            } catch {
                let problem = ErrorMapping.problem(for: error)
                try await send(delta("\n\n(Error: \(problem.detail))", finish: "stop"))
            }
            try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
