import ArgumentParser
import Foundation
import QuarryCore
import QuarryGenerate
import QuarryModels

/// `quarry generate`: the native language model on its own — a chat turn or a raw prompt,
/// streamed, with the prompt and generation speeds (what `scripts/bench/llm.sh` times).
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text with the native GGUF language model (no retrieval).",
        discussion: """
            Examples:
              quarry generate "Write a haiku about the sea."
              quarry generate --raw --prompt-file prompt.txt --max-tokens 128 --temperature 0 --ignore-eos --json
              quarry generate "Hello" --model models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The user's message (default: --prompt-file, else standard input).")
    var text: String?

    @Option(help: "Read the message or prompt from this file.")
    var promptFile: String?

    @Flag(help: "Use the text as the whole prompt, without the model's chat template.")
    var raw = false

    @Option(help: "The GGUF file or its folder (default: llm.model, else models/SmolLM2-135M-Instruct).")
    var model: String?

    @Option(help: "Most tokens to generate (default: llm.max_tokens, 0: 256).")
    var maxTokens: Int?

    @Option(help: "Sampling temperature; 0 is greedy (default: llm.temperature).")
    var temperature: Double?

    @Option(help: "Sampler seed (default: llm.seed).")
    var seed: Int?

    @Option(help: "Repetition penalty over the last 64 generated tokens, 1 = off (default: llm.repeat_penalty).")
    var repeatPenalty: Double?

    @Option(help: "Threads reading the prompt (default: llm.threads, 0: one per core).")
    var threads: Int?

    @Flag(help: "Never stop at the end of the turn: generate exactly --max-tokens (for timing; with --copy-from, until the copy is complete).")
    var ignoreEos = false

    @Flag(help: "Print JSON: the text, token counts, seconds and tokens per second.")
    var json = false

    @Option(help: ArgumentHelp("Copy-constrained decoding: the answer may only copy whole sentences of these files, each cited [n] (n: the file's place in the list) (repeatable).", valueName: "file"))
    var copyFrom: [String] = []

    struct Output: Encodable {
        var model: String
        var text: String
        var promptTokens: Int
        var completionTokens: Int
        var finishReason: String
        var loadSeconds: Double
        var promptSeconds: Double
        var generationSeconds: Double
        var promptTokensPerSecond: Double
        var generationTokensPerSecond: Double
        var peakResidentMegabytes: Double?

        enum CodingKeys: String, CodingKey {
            case model, text, promptTokens = "prompt_tokens", completionTokens = "completion_tokens", finishReason = "finish_reason"
            case loadSeconds = "load_seconds", promptSeconds = "prompt_seconds", generationSeconds = "generation_seconds"
            case promptTokensPerSecond = "prompt_tokens_per_second", generationTokensPerSecond = "generation_tokens_per_second"
            case peakResidentMegabytes = "peak_resident_mb"
        }
    }

    func run() async throws {
        let configuration = try global.loadConfiguration()
        var settings = configuration.llm
        if let maxTokens { settings.maxTokens = maxTokens }
        if let temperature { settings.temperature = temperature }
        if let seed { settings.seed = seed }
        if let threads { settings.threads = threads }
        if let repeatPenalty { settings.repeatPenalty = repeatPenalty }
        guard (1 ... 2).contains(settings.repeatPenalty) else { throw ValidationError("--repeat-penalty must be 1...2") }
        guard (0 ... 256).contains(settings.threads) else { throw ValidationError("--threads must be 0...256") }
        if let maxTokens, !(1 ... 32768).contains(maxTokens) { throw ValidationError("--max-tokens must be 1...32768") }
        guard (0 ... 2).contains(settings.temperature) else { throw ValidationError("--temperature must be 0...2") }
        guard settings.seed >= 0 else { throw ValidationError("--seed must be ≥ 0") }
        let input: String
        if let text {
            input = text
        } else if let promptFile {
            input = try String(contentsOfFile: promptFile, encoding: .utf8)
        } else {
            input = try ProcessFacts.standardInput()
        }
        let location = model.map { configuration.resolvePath($0) } ?? configuration.resolvePath(settings.nativeModel)
        let file = try NativeLanguageModel.modelFile(at: location)
        let loadStart = Date()
        let threadCount = settings.effectiveThreads
        let chat = try await BlockingWork.run { try LlamaChat(path: file.path, threads: threadCount) }
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let prompt = raw ? chat.tokenizer.encode(input) : try chat.prompt([ChatTemplate.Message(role: "user", content: input)])
        let options = NativeLanguageModel.options(settings, ignoreEndOfTurn: ignoreEos)
        let streaming = !json
        var constraint: CopyConstraint?
        if !copyFrom.isEmpty {
            let sources = try copyFrom.enumerated().map { index, path in
                CopyConstraint.Source(number: index + 1, text: try String(contentsOfFile: path, encoding: .utf8))
            }
            // Up to 8 sentences; with --ignore-eos the copy goes on until they are written or
            // --max-tokens is reached (for timing).
            constraint = CopyConstraint(tokenizer: chat.tokenizer, sources: sources, refusal: Declining.sentence, maxSegments: 8, unit: .sentences)
        }
        let copying = constraint
        let result = try await BlockingWork.run {
            try chat.generate(prompt, options: options, constraint: copying, onText: { piece in
                if streaming {
                    FileHandle.standardOutput.write(Data(piece.utf8))
                }
            })
        }
        let output = Output(model: chat.name, text: result.text, promptTokens: result.promptTokens, completionTokens: result.completionTokens,
                            finishReason: result.finishReason, loadSeconds: loadSeconds, promptSeconds: result.promptSeconds,
                            generationSeconds: result.generationSeconds,
                            promptTokensPerSecond: Double(result.promptTokens - result.cachedPromptTokens) / max(result.promptSeconds, 1e-9),
                            // The first token comes with the prompt's logits; the rest each take a step.
                            generationTokensPerSecond: Double(max(result.completionTokens - 1, 0)) / max(result.generationSeconds, 1e-9),
                            peakResidentMegabytes: ProcessFacts.peakResidentMiB())
        if json { return try Terminal.json(output) }
        print("")
        Terminal.error(String(format: "%@: prompt %d tokens in %.2f s (%.1f tokens/s); %d tokens generated in %.2f s (%.1f tokens/s); %@",
                              chat.name, result.promptTokens, result.promptSeconds, output.promptTokensPerSecond, result.completionTokens,
                              result.generationSeconds, output.generationTokensPerSecond, result.finishReason))
    }
}
