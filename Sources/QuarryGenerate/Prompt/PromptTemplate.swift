import Foundation
import Mustache
import QuarryCore

/// A prompt: a system and a user message template (Mustache, TEXT content type), known by
/// an id that hashes both, so every answer records exactly which wording produced it.
public struct PromptTemplate: Sendable {
    public let name: String
    /// `NAME@sha256:` + the first 16 hex digits of SHA-256(system ‖ NUL ‖ user).
    public let id: String
    let system: MustacheTemplate
    let user: MustacheTemplate

    /// Parses two template texts.
    /// - Throws: `GenerateError(.configuration)` naming the template when Mustache rejects it.
    public init(name: String, system: String, user: String) throws {
        self.name = name
        do {
            self.system = try MustacheTemplate(string: system)
            self.user = try MustacheTemplate(string: user)
        } catch {
            throw GenerateError(.configuration, "prompt template '\(name)' is not valid Mustache: \(error)")
        }
        id = "\(name)@sha256:\(ContentHash.sha256(fields: [system, user]).prefix(16))"
    }

    /// The default template (a copy of prompts/answer).
    public static func builtin() throws -> PromptTemplate {
        try PromptTemplate(name: BuiltinPrompt.name, system: BuiltinPrompt.system, user: BuiltinPrompt.user)
    }

    /// The template `generation.prompt` names, or the built-in one when it is empty.
    public static func configured(_ configuration: QuarryConfiguration) throws -> PromptTemplate {
        let folder = configuration.generation.prompt
        return try folder.isEmpty ? builtin() : load(directory: configuration.resolvePath(folder))
    }

    /// Loads `system.mustache` and `user.mustache` from `directory`.
    /// - Throws: `GenerateError(.configuration)` naming the missing or unreadable file.
    public static func load(directory: URL) throws -> PromptTemplate {
        func read(_ file: String) throws -> String {
            let url = directory.appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
                throw GenerateError(.configuration, "cannot read prompt template \(url.path) (a prompt folder holds system.mustache and user.mustache)")
            }
            return text
        }
        return try PromptTemplate(name: directory.standardizedFileURL.lastPathComponent, system: try read("system.mustache"),
                                  user: try read("user.mustache"))
    }

    /// The chat messages for `question` over `context`.
    public func render(question: String, context: AssembledContext) -> [ChatMessage] {
        let passages: [[String: Any]] = context.passages.map { passage in
            // Titles and ids are untrusted too, and sit on the fence's own header line.
            ["number": passage.number, "source": DataFence.headerField(passage.sourceLabel), "title": DataFence.headerField(passage.title),
             "doc_id": DataFence.headerField(passage.docID),
             "text": DataFence.defuse(passage.text)]
        }
        let values: [String: Any] = ["question": DataFence.defuse(question), "passages": passages, "fence": context.fence.marker]
        return [.system(system.render(values)), .user(user.render(values))]
    }
}
