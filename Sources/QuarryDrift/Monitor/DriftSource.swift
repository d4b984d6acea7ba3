import Foundation
import QuarryCore

/// Where one side of a drift check comes from, as written on the command line.
///
/// | spelling                          | side                                                    |
/// |-----------------------------------|---------------------------------------------------------|
/// | `PATH.jsonl`, `file:PATH`         | a BEIR queries file (`text` per line): an eval suite's queries |
/// | `querylog:NAME@24h`               | collection NAME's query log over a window (`QueryLogWindow`) |
/// | `collection:NAME`                 | collection NAME's chunks, as committed now               |
/// | `version:PIPELINE@REF`            | the collection generation a registry version pins (REF: number or alias) |
///
/// The first two are query sides, the last two corpus sides; a check compares two of a kind.
public enum DriftSource: Sendable, Equatable, CustomStringConvertible {
    case queryFile(String)
    case queryLog(collection: String, window: QueryLogWindow)
    case collection(String)
    case registryVersion(pipeline: String, reference: String)

    /// What a side holds.
    public enum Kind: String, Sendable, Codable {
        case queries
        case corpus
    }

    public var kind: Kind {
        switch self {
        case .queryFile, .queryLog: .queries
        case .collection, .registryVersion: .corpus
        }
    }

    /// The collection whose query log this side reads, if any.
    public var queryLogCollection: String? {
        if case .queryLog(let name, _) = self { return name }
        return nil
    }

    /// Parses a side.
    /// - Throws: `DriftError.Code.invalidSource` with the accepted spellings.
    public static func parse(_ text: String) throws -> DriftSource {
        func name(_ value: Substring, _ what: String) throws -> String {
            let value = String(value)
            do { try CollectionName.validate(value) } catch {
                throw DriftError(.invalidSource, "\(what) \(Printable.quoted(value)) in \(Printable.quoted(text)): use \(CollectionName.rule)")
            }
            return value
        }
        if text.hasPrefix("querylog:") {
            let body = text.dropFirst("querylog:".count)
            let parts = body.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
            let window = parts.count == 2 ? try QueryLogWindow.parse(String(parts[1])) : .last(86400)
            return .queryLog(collection: try name(parts[0], "collection"), window: window)
        }
        if text.hasPrefix("collection:") {
            return .collection(try name(text.dropFirst("collection:".count), "collection"))
        }
        if text.hasPrefix("version:") {
            let parts = text.dropFirst("version:".count).split(separator: "@", maxSplits: 1)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw DriftError(.invalidSource, "\(Printable.quoted(text)): write version:PIPELINE@VERSION (a number or an alias)")
            }
            return .registryVersion(pipeline: try name(parts[0], "pipeline"), reference: String(parts[1]))
        }
        if text.hasPrefix("file:") { return .queryFile(String(text.dropFirst("file:".count))) }
        if text.hasSuffix(".jsonl") || FileManager.default.fileExists(atPath: text) { return .queryFile(text) }
        throw DriftError(.invalidSource, "\(Printable.quoted(text)) is not a side; use a queries .jsonl file, querylog:NAME@24h, "
                         + "collection:NAME or version:PIPELINE@REF")
    }

    public var description: String {
        switch self {
        case .queryFile(let path): path
        case .queryLog(let name, let window): "querylog:\(name)@\(window)"
        case .collection(let name): "collection:\(name)"
        case .registryVersion(let pipeline, let reference): "version:\(pipeline)@\(reference)"
        }
    }
}
