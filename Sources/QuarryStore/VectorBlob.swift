import Foundation

/// Float32 vectors as SQLite blobs: little-endian, 4 bytes per component, no header (the
/// dimension is the collection's embedder's).
public enum VectorBlob {
    public static func encode(_ vector: [Float]) -> Data {
        var data = Data(capacity: vector.count * 4)
        for value in vector { Swift.withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Decodes a blob, or nil when its length is not `dimension` × 4.
    public static func decode(_ data: Data, dimension: Int) -> [Float]? {
        guard data.count == dimension * 4 else { return nil }
        return data.withUnsafeBytes { raw in
            (0 ..< dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
