import Foundation

// quarry-bench: benchmark harnesses that are not part of the shipped CLI.
// Subcommands: hnsw (see HNSWBenchmark.usage).

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "hnsw":
        let benchmark = try HNSWBenchmark(arguments: Array(arguments.dropFirst()))
        let report = try benchmark.run()
        let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    default:
        throw UsageError(arguments.first.map { "unknown subcommand '\($0)'" })
    }
} catch let error as UsageError {
    if let message = error.message { FileHandle.standardError.write(Data("quarry-bench: \(message)\n".utf8)) }
    FileHandle.standardError.write(Data((HNSWBenchmark.usage + "\n").utf8))
    exit(error.message == nil ? 0 : 64)
} catch {
    FileHandle.standardError.write(Data("quarry-bench: \(error)\n".utf8))
    exit(1)
}
