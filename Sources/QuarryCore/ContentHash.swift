import Crypto
import Foundation

/// SHA-256 content hashes as lowercase hex, the one hash Quarry uses for content identity
/// (documents, chunks) and for derived-file checksums.
///
/// Why SHA-256 and not a faster non-cryptographic hash: the hash names content across
/// machines (incremental re-ingest, registry fingerprints), so collisions must be out of the
/// question, and swift-crypto's implementation runs at well over 1 GB/s, far above what
/// parsing and chunking need.
public enum ContentHash {
    /// The hex SHA-256 of raw bytes.
    public static func sha256<D: DataProtocol>(_ data: D) -> String {
        hex(SHA256.hash(data: data))
    }

    /// The hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256(_ string: String) -> String {
        var copy = string
        return copy.withUTF8 { hex(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    /// The hex SHA-256 of several strings, each length-prefixed so that ("ab","c") and
    /// ("a","bc") hash differently.
    public static func sha256(fields: [String]) -> String {
        var hasher = SHA256()
        for field in fields {
            var copy = field
            var length = UInt64(copy.utf8.count).littleEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            copy.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return hex(hasher.finalize())
    }

    static func hex<S: Sequence>(_ digest: S) -> String where S.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
