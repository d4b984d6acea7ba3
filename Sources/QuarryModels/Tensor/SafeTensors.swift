import Foundation
import QuarryCore

/// A read-only view of a `.safetensors` file: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw data.
///
/// Everything is validated before use: the header length against the file size, the JSON,
/// each dtype, that shape × dtype size equals the byte range, that ranges lie inside the
/// data section and do not overlap. The file is memory-mapped; F32 tensors are read in
/// place, F16/BF16 are widened to Float32 on access.
public final class SafeTensorsFile: @unchecked Sendable {
    /// One tensor's description.
    public struct Entry: Sendable, Equatable {
        public var dtype: String
        public var shape: [Int]
        public var range: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    /// The file's hex SHA-256 (the model's identity; checked against fetch-model's record).
    public let sha256: String
    private let file: MappedFile
    private let dataStart: Int

    static let sizes = ["F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I8": 1, "U8": 1, "BOOL": 1, "F64": 8, "I16": 2]

    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            throw ModelError(.missingFile, "cannot open \(path): \(error)")
        }
        let digest = ContentHash.sha256(file.bytes)
        sha256 = digest
        try WeightsChecksum.verify(path: path) { digest }
        let bytes = file.bytes
        guard bytes.count >= 8 else { throw ModelError(.invalidFile, "\(path): too short for a safetensors file") }
        let headerLength = Int(clamping: UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)))
        guard headerLength > 1, headerLength <= 100_000_000, 8 + headerLength <= bytes.count else {
            throw ModelError(.invalidFile, "\(path): header length \(headerLength) does not fit the file (\(bytes.count) bytes)")
        }
        dataStart = 8 + headerLength
        let headerData = Data(bytes[8 ..< dataStart])
        guard let json = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw ModelError(.invalidFile, "\(path): the header is not a JSON object")
        }
        let dataLength = bytes.count - dataStart
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in json {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = "\(v)" }
                continue
            }
            guard let object = value as? [String: Any], let dtype = object["dtype"] as? String,
                  let shape = object["shape"] as? [Int], let offsets = object["data_offsets"] as? [Int], offsets.count == 2 else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) has a malformed entry")
            }
            guard let size = Self.sizes[dtype] else { throw ModelError(.unsupported, "\(path): tensor \(name) has unsupported dtype \(dtype)") }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= dataLength else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) lies outside the data section")
            }
            let (count, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count * size == offsets[1] - offsets[0] else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) shape \(shape) does not match its \(offsets[1] - offsets[0]) bytes")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, range: offsets[0] ..< offsets[1])
        }
        let sorted = entries.values.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.upperBound > b.lowerBound {
            throw ModelError(.invalidFile, "\(path): tensor data ranges overlap")
        }
        self.entries = entries
        self.metadata = metadata
    }

    /// A floating-point tensor as Float32 values, checking its shape.
    /// - Throws: `ModelError.missingTensor` or `.shapeMismatch`.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let entry = entries[name] else { throw ModelError(.missingTensor, "\(path): no tensor named \(name)") }
        if let expected, expected != entry.shape {
            throw ModelError(.shapeMismatch, "\(path): tensor \(name) has shape \(entry.shape), expected \(expected)")
        }
        let raw = UnsafeRawBufferPointer(rebasing: file.bytes[(dataStart + entry.range.lowerBound) ..< (dataStart + entry.range.upperBound)])
        let n = entry.elementCount
        switch entry.dtype {
        case "F32":
            return [Float](unsafeUninitializedCapacity: n) { out, count in
                for i in 0 ..< n { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
                count = n
            }
        case "F16":
            return (0 ..< n).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }
        case "BF16":
            return (0 ..< n).map { Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) << 16) }
        default:
            throw ModelError(.unsupported, "\(path): tensor \(name) is \(entry.dtype), not a floating-point type")
        }
    }
}
