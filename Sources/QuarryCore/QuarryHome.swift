import Foundation

/// The Quarry home directory and the one place that turns names into paths inside it.
///
/// Every file Quarry touches on behalf of a name (a collection, later an artifact) is
/// resolved here, and names are validated before they become path components, so no name
/// can point outside the home (`../`, absolute paths, NUL bytes, dot-files).
public struct QuarryHome: Sendable, Equatable {
    /// The absolute, standardised home path.
    public let url: URL

    /// Resolves the home: an explicit `--home` wins, then the configuration (relative to its
    /// file's directory), then `.quarry` beside the config file or in the working directory.
    public init(explicit: String?, configuration: QuarryConfiguration,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        let base: String
        if let file = configuration.sourceFile {
            base = (Self.absolute(file, relativeTo: workingDirectory) as NSString).deletingLastPathComponent
        } else {
            base = workingDirectory
        }
        let chosen: String
        if let explicit, !explicit.isEmpty {
            chosen = Self.absolute(explicit, relativeTo: workingDirectory)
        } else if let configured = configuration.home, !configured.isEmpty {
            chosen = Self.absolute(configured, relativeTo: base)
        } else {
            chosen = (base as NSString).appendingPathComponent(".quarry")
        }
        self.url = URL(fileURLWithPath: chosen).standardizedFileURL
    }

    /// A home at a known path (tests).
    public init(url: URL) {
        self.url = url.standardizedFileURL
    }

    /// `<home>/collections`.
    public var collectionsDirectory: URL { url.appendingPathComponent("collections", isDirectory: true) }

    /// The directory of a collection, after validating its name.
    /// - Throws: `NameError` when the name is not `[a-z0-9][a-z0-9_-]{0,63}`.
    public func collectionDirectory(_ name: String) throws -> URL {
        try CollectionName.validate(name)
        return collectionsDirectory.appendingPathComponent(name, isDirectory: true)
    }

    private static func absolute(_ path: String, relativeTo base: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return expanded.hasPrefix("/") ? expanded : (base as NSString).appendingPathComponent(expanded)
    }
}

/// Collection names: 1–64 characters of `a-z 0-9 _ -`, starting with a letter or digit.
public enum CollectionName {
    /// The rule, for messages.
    public static let rule = "1-64 characters of a-z, 0-9, '_' and '-', starting with a letter or digit"

    /// Throws unless `name` follows the rule.
    public static func validate(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard (1 ... 64).contains(bytes.count) else { throw NameError(name: name, rule: rule) }
        for (i, b) in bytes.enumerated() {
            let alnum = (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            guard alnum || (i > 0 && (b == UInt8(ascii: "_") || b == UInt8(ascii: "-"))) else {
                throw NameError(name: name, rule: rule)
            }
        }
    }
}

/// An invalid name, with the rule it broke.
public struct NameError: Error, CustomStringConvertible, Sendable {
    public var name: String
    public var rule: String
    public var description: String { "invalid name \(Printable.quoted(name)): use \(rule)" }
}

/// Makes untrusted strings safe to print: control characters, bidi overrides and newlines
/// are escaped so a file name cannot forge log lines or reorder a terminal's text.
public enum Printable {
    /// `value` in double quotes with unsafe characters escaped as `\u{…}`.
    public static func quoted(_ value: String) -> String {
        "\"" + escaped(value) + "\""
    }

    /// Whether `scalar` could forge a line or reorder a terminal's text: C0 and C1 controls,
    /// bidi marks, embeddings, overrides and isolates, and the Unicode line/paragraph
    /// separators.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00 ... 0x1F, 0x7F ... 0x9F, 0x200E, 0x200F, 0x202A ... 0x202E, 0x2066 ... 0x2069, 0x2028, 0x2029: true
        default: false
        }
    }

    /// `value` with unsafe characters escaped as `\u{…}`.
    public static func escaped(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            if isUnsafe(scalar) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
                continue
            }
            switch scalar.value {
            case 0x22:
                out += "\\\""
            case 0x5C:
                out += "\\\\"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
