import Foundation

/// Readers for the `.fvecs` / `.ivecs` layout: per row a little-endian Int32 length, then
/// that many float32 (or int32) values.
enum VectorFiles {
    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    static func read<T: BitwiseCopyable>(_ path: String, as type: T.Type) throws -> [[T]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try data.withUnsafeBytes { raw in
            var rows: [[T]] = []
            var offset = 0
            while offset < raw.count {
                guard offset + 4 <= raw.count else { throw FormatError(description: "\(path): truncated row header") }
                let length = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                offset += 4
                guard length >= 0, offset + length * 4 <= raw.count else { throw FormatError(description: "\(path): truncated row") }
                let start = offset
                rows.append([T](unsafeUninitializedCapacity: length) { buffer, initialized in
                    for i in 0 ..< length { buffer[i] = raw.loadUnaligned(fromByteOffset: start + i * 4, as: T.self) }
                    initialized = length
                })
                offset += length * 4
            }
            return rows
        }
    }
}
