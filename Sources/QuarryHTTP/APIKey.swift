import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads API keys from the environment, never from configuration files.
///
/// Keys live in environment variables so they stay out of YAML files, run records and
/// shell history; the variable is read at each call so a rotated key takes effect without a
/// restart. The key must be printable ASCII without spaces: anything else would let a
/// stray newline inject a header, so it is refused rather than trimmed into something else.
public enum APIKey {
    /// The key in `variable`, trimmed; nil when the variable is unset or blank (local servers
    /// need none, and then no `Authorization` header is sent).
    /// - Throws: `HTTPClientError(.configuration, …)` when the key holds spaces, line breaks or
    ///   non-ASCII characters; the message names the variable, never the value.
    public static func read(from variable: String) throws -> String? {
        guard isValidVariableName(variable), let raw = getenv(variable) else { return nil }
        let key = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        if key.isEmpty { return nil }
        guard key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E }) else {
            throw HTTPClientError(.configuration, "the API key in $\(variable) contains characters "
                + "not allowed in an HTTP header (spaces, line breaks or non-ASCII); fix the variable")
        }
        return key
    }

    /// Whether `name` can name an environment variable: non-empty, no `=` and no NUL.
    public static func isValidVariableName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("=") && !name.unicodeScalars.contains { $0.value == 0 }
    }
}
