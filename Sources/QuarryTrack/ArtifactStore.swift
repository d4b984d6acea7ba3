import Foundation
import QuarryCore

/// Content-addressed files under `<home>/artifacts/sha256/ab/abcdef…`: a run's artifact is
/// a name pointing at a digest, so identical reports are stored once and a stored file can
/// be verified by hashing it.
///
/// Names are checked before anything touches the disk: relative, `/`-separated parts of
/// letters, digits, `_`, `-` and `.`, no `.` or `..` part, at most 200 characters. Paths
/// are built only from the hex digest, never from the name, and a read refuses any
/// symbolic link on the way, so no name can reach a file outside the store.
public struct ArtifactStore: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// Checks an artifact name.
    /// - Throws: `TrackingError(.unsafePath)` saying what is wrong.
    public static func checkName(_ name: String) throws {
        func fail(_ why: String) -> TrackingError { TrackingError(.unsafePath, "artifact name \(String(reflecting: name)): \(why)") }
        guard !name.isEmpty, name.count <= 200 else { throw fail("must be 1-200 characters") }
        guard !name.hasPrefix("/") else { throw fail("must be relative, not an absolute path") }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw fail("has an empty path part") }
            guard part != "." && part != ".." else { throw fail("must not contain . or .. parts") }
            guard part.unicodeScalars.allSatisfy({ ("a" ... "z").contains($0) || ("A" ... "Z").contains($0) || ("0" ... "9").contains($0)
                || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw fail("parts may hold only letters, digits, _, - and .")
            }
        }
    }

    func path(for digest: String) throws -> URL {
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw TrackingError(.storage, "not a SHA-256 digest: \(digest.prefix(80))")
        }
        return root.appendingPathComponent("sha256").appendingPathComponent(String(digest.prefix(2))).appendingPathComponent(digest)
    }

    /// Stores `data` (once per content) and returns its digest.
    public func put(_ data: [UInt8]) throws -> String {
        let digest = ContentHash.sha256(data)
        let target = try path(for: digest)
        if FileManager.default.fileExists(atPath: target.path), (try? verify(target, digest)) != nil { return digest }
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(data), to: target)
        return digest
    }

    /// The bytes stored under `digest`, verified.
    /// - Throws: `TrackingError(.notFound)` when missing, `.unsafePath` for a link in the
    ///   store, `.storage` when the bytes no longer hash to the digest.
    public func get(_ digest: String) throws -> [UInt8] {
        let target = try path(for: digest)
        var current = root
        for part in ["sha256", String(digest.prefix(2)), digest] {
            current = current.appendingPathComponent(part)
            if let type = try? FileManager.default.attributesOfItem(atPath: current.path)[.type] as? FileAttributeType, type == .typeSymbolicLink {
                throw TrackingError(.unsafePath, "artifact store entry \(current.path) is a symbolic link; refusing to follow it")
            }
        }
        return try verify(target, digest)
    }

    @discardableResult
    func verify(_ url: URL, _ digest: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw TrackingError(.notFound, "artifact \(digest.prefix(12))… is missing from \(root.path)")
        }
        let bytes = [UInt8](data)
        guard ContentHash.sha256(bytes) == digest else {
            throw TrackingError(.storage, "artifact \(digest.prefix(12))… is damaged (its SHA-256 no longer matches)")
        }
        return bytes
    }
}
