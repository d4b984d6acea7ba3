import Foundation
import QuarryCore

/// Verifies a weights file against the SHA-256 that `scripts/fetch-model` records beside it
/// (`<file>.sha256`, in `sha256sum` format) when it unpacks and verifies a model.
///
/// A flipped bit in a tensor's data is a valid number: without the check a damaged model
/// would load and answer differently with no error. Files without a record (your own
/// models, test fixtures) load unchecked.
enum WeightsChecksum {
    /// - Parameter digest: the file's hex SHA-256; asked for only when there is a record.
    /// - Throws: `ModelError.invalidFile` when the record is unreadable or differs.
    static func verify(path: String, digest: () -> String) throws {
        let sidecar = path + ".sha256"
        guard FileManager.default.fileExists(atPath: sidecar) else { return }
        // A record that exists but cannot be read is refused, never taken as "no record".
        let recorded = (try? String(contentsOfFile: sidecar, encoding: .utf8)) ?? ""
        let expected = recorded.split(whereSeparator: { $0 == " " || $0 == "\n" }).first.map(String.init)?.lowercased() ?? ""
        guard expected.count == 64, expected.allSatisfy(\.isHexDigit) else {
            throw ModelError(.invalidFile, "\(sidecar) does not hold a SHA-256; run scripts/fetch-model again")
        }
        guard digest() == expected else {
            throw ModelError(.invalidFile, "\(path) does not match the SHA-256 recorded when it was fetched (\(sidecar)): the file is damaged or was replaced; run scripts/fetch-model again")
        }
    }
}
