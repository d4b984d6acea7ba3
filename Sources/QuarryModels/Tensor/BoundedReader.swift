import Foundation

/// A bounds-checked little-endian cursor over a file's bytes: every read names its field, and
/// one past the end is a `ModelError` naming the file, the field and the offset.
struct BoundedReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var position = 0

    mutating func slice(_ count: Int, _ field: String) throws -> Slice<UnsafeRawBufferPointer> {
        guard count >= 0, count <= bytes.count - position else {
            throw ModelError(.invalidFile, "\(path): truncated at \(field) (needs \(count) bytes at offset \(position), the file has \(bytes.count))")
        }
        defer { position += count }
        return bytes[position ..< position + count]
    }

    mutating func bytes(_ count: Int, _ field: String) throws -> [UInt8] { Array(try slice(count, field)) }

    mutating func u16(_ field: String) throws -> UInt16 { UInt16(littleEndian: try slice(2, field).loadUnaligned(as: UInt16.self)) }
    mutating func u32(_ field: String) throws -> UInt32 { UInt32(littleEndian: try slice(4, field).loadUnaligned(as: UInt32.self)) }
    mutating func u64(_ field: String) throws -> UInt64 { UInt64(littleEndian: try slice(8, field).loadUnaligned(as: UInt64.self)) }
    mutating func i32(_ field: String) throws -> Int32 { Int32(bitPattern: try u32(field)) }
    mutating func f32(_ field: String) throws -> Float { Float(bitPattern: try u32(field)) }

    /// An i32 in `min ... max`.
    mutating func count(_ field: String, min: Int = 1, max: Int) throws -> Int {
        let value = Int(try i32(field))
        guard value >= min, value <= max else {
            throw ModelError(.invalidFile, "\(path): \(field) is \(value), outside \(min)...\(max)")
        }
        return value
    }
}
