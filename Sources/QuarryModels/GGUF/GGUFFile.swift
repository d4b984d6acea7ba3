import Foundation
import QuarryCore

/// A read-only, memory-mapped GGUF file (llama.cpp's model format, versions 2 and 3): the
/// metadata, the tensor table and the tensor data, which stays in the mapping.
///
/// Layout (little-endian): `GGUF`, u32 version, u64 tensor count, u64 metadata count; each
/// metadata entry a string key, a u32 value type and the value (strings are a u64 length and
/// UTF-8 bytes; arrays a u32 element type, a u64 count and the elements); each tensor a
/// string name, u32 dimension count, u64 dimensions (the fastest-varying first), u32 type
/// and u64 offset into the data section, which starts at the next multiple of
/// `general.alignment` (32 by default) after the table.
///
/// Every count, length, dimension and offset is checked against the file before use (no
/// allocation is sized by a count the file has not shown it can fill, arrays nest at most 8
/// deep, a tensor must lie inside the data section, aligned, and not overlap another); a
/// truncated or hostile file is a `ModelError` naming the file and the field, never a crash.
public final class GGUFFile: @unchecked Sendable {
    /// A metadata value.
    public enum Value: Sendable, Equatable {
        case unsigned(UInt64)
        case signed(Int64)
        case float(Double)
        case bool(Bool)
        case string(String)
        case array([Value])

        public var int: Int? {
            switch self {
            case .unsigned(let v): Int(exactly: v)
            case .signed(let v): Int(exactly: v)
            default: nil
            }
        }
        public var double: Double? {
            switch self {
            case .float(let v): v
            case .unsigned(let v): Double(v)
            case .signed(let v): Double(v)
            default: nil
            }
        }
        public var string: String? { if case .string(let v) = self { v } else { nil } }
        public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
        public var array: [Value]? { if case .array(let v) = self { v } else { nil } }
    }

    /// One tensor of the table.
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var type: GGMLType
        /// ggml's `ne`: the fastest-varying (row length) first.
        public var dimensions: [Int]
        /// Byte offset from the start of the file.
        public var offset: Int
        public var byteCount: Int

        public var elementCount: Int { dimensions.reduce(1, *) }
        /// Weights per row (`ne[0]`) and rows (the product of the rest).
        public var rowLength: Int { dimensions.first ?? 1 }
        public var rowCount: Int { dimensions.dropFirst().reduce(1, *) }
    }

    public let path: String
    public let version: UInt32
    public let metadata: [String: Value]
    /// Tensors in file order.
    public let tensors: [Tensor]
    public let alignment: Int
    /// Where the data section starts.
    public let dataOffset: Int
    private let file: MappedFile
    private let index: [String: Int]

    static let maxArrayDepth = 8

    public init(path: String) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            throw ModelError(.missingFile, "cannot open \(path): \(error)")
        }
        let bytes = file.bytes
        try WeightsChecksum.verify(path: path) { ContentHash.sha256(bytes) }
        var reader = BoundedReader(bytes: file.bytes, path: path)
        guard try reader.bytes(4, "magic") == Array("GGUF".utf8) else {
            throw ModelError(.invalidFile, "\(path): not a GGUF file (bad magic)")
        }
        version = try reader.u32("version")
        guard version == 2 || version == 3 else {
            throw ModelError(.unsupported, "\(path): GGUF version \(version) is not supported (2 and 3 are)")
        }
        let tensorCount = try Self.count(&reader, "tensor count", minimumBytesEach: 24)
        let metadataCount = try Self.count(&reader, "metadata count", minimumBytesEach: 13)
        var metadata: [String: Value] = [:]
        for i in 0 ..< metadataCount {
            let key = try Self.string(&reader, "metadata key \(i)")
            let type = try reader.u32("metadata \(key) type")
            guard metadata[key] == nil else { throw ModelError(.invalidFile, "\(path): metadata key \(key) appears twice") }
            metadata[key] = try Self.value(&reader, type: type, field: "metadata \(key)", depth: 0)
        }
        self.metadata = metadata
        let alignment = metadata["general.alignment"]?.int ?? 32
        guard alignment > 0, alignment <= 1 << 20, alignment & (alignment - 1) == 0 else {
            throw ModelError(.invalidFile, "\(path): general.alignment \(alignment) is not a power of two up to 1 MiB")
        }
        self.alignment = alignment

        var table: [(name: String, type: GGMLType, dimensions: [Int], offset: Int)] = []
        var index: [String: Int] = [:]
        for i in 0 ..< tensorCount {
            let name = try Self.string(&reader, "tensor \(i) name")
            let dimensionCount = Int(try reader.u32("tensor \(name) dimension count"))
            guard (1 ... 4).contains(dimensionCount) else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) has \(dimensionCount) dimensions (1 to 4)")
            }
            var dimensions: [Int] = []
            var elements = 1
            for d in 0 ..< dimensionCount {
                let value = try reader.u64("tensor \(name) dimension \(d)")
                guard value >= 1, value <= UInt64(Int32.max) else {
                    throw ModelError(.invalidFile, "\(path): tensor \(name) dimension \(d) is \(value)")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: Int(value))
                guard !overflow, product <= 1 << 40 else { throw ModelError(.invalidFile, "\(path): tensor \(name) has too many elements") }
                elements = product
                dimensions.append(Int(value))
            }
            let rawType = try reader.u32("tensor \(name) type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw ModelError(.unsupported, "\(path): tensor \(name) has ggml type \(rawType), which Quarry does not read (it reads \(GGMLType.allCases.map(\.name).joined(separator: ", ")))")
            }
            guard dimensions[0] % type.blockWeights == 0 else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) rows of \(dimensions[0]) are not whole \(type.name) blocks of \(type.blockWeights)")
            }
            let offset = try reader.u64("tensor \(name) offset")
            guard offset <= UInt64(file.count), Int(offset) % alignment == 0 else {
                throw ModelError(.invalidFile, "\(path): tensor \(name) offset \(offset) is outside the file or not aligned to \(alignment)")
            }
            guard index[name] == nil else { throw ModelError(.invalidFile, "\(path): tensor \(name) appears twice") }
            index[name] = table.count
            table.append((name, type, dimensions, Int(offset)))
        }
        dataOffset = (reader.position + alignment - 1) / alignment * alignment
        guard dataOffset <= file.count else {
            throw ModelError(.invalidFile, "\(path): truncated before the tensor data (starts at \(dataOffset), the file has \(file.count) bytes)")
        }
        let dataLength = file.count - dataOffset
        var tensors: [Tensor] = []
        for entry in table {
            let bytes = entry.dimensions.reduce(1, *) / entry.type.blockWeights * entry.type.blockBytes
            guard entry.offset <= dataLength, bytes <= dataLength - entry.offset else {
                throw ModelError(.invalidFile, "\(path): tensor \(entry.name) (\(bytes) bytes at data offset \(entry.offset)) runs past the end of the file (\(dataLength) bytes of data)")
            }
            tensors.append(Tensor(name: entry.name, type: entry.type, dimensions: entry.dimensions, offset: dataOffset + entry.offset, byteCount: bytes))
        }
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw ModelError(.invalidFile, "\(path): tensors \(a.name) and \(b.name) overlap")
        }
        self.tensors = tensors
        self.index = index
    }

    /// The tensor called `name`.
    /// - Throws: `ModelError(.missingTensor)`.
    public func tensor(_ name: String) throws -> Tensor {
        guard let i = index[name] else { throw ModelError(.missingTensor, "\(path): no tensor named \(name)") }
        return tensors[i]
    }

    /// A tensor's raw bytes, in the mapping (valid while this file is alive).
    public func bytes(of tensor: Tensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset ..< tensor.offset + tensor.byteCount])
    }

    /// Row `row` of a tensor widened to Float32 (`rowLength` values).
    public func row(_ tensor: Tensor, _ row: Int) throws -> [Float] {
        guard row >= 0, row < tensor.rowCount else {
            throw ModelError(.shapeMismatch, "\(path): tensor \(tensor.name) has \(tensor.rowCount) rows, asked for row \(row)")
        }
        let rowBytes = tensor.rowLength / tensor.type.blockWeights * tensor.type.blockBytes
        let raw = UnsafeRawBufferPointer(rebasing: bytes(of: tensor)[(row * rowBytes) ..< ((row + 1) * rowBytes)])
        return [Float](unsafeUninitializedCapacity: tensor.rowLength) { out, count in
            GGMLDequantize.row(tensor.type, raw, into: out.baseAddress!, count: tensor.rowLength)
            count = tensor.rowLength
        }
    }

    /// A whole tensor widened to Float32, row after row.
    public func floats(_ name: String) throws -> [Float] {
        let tensor = try tensor(name)
        let raw = bytes(of: tensor)
        return [Float](unsafeUninitializedCapacity: tensor.elementCount) { out, count in
            GGMLDequantize.row(tensor.type, raw, into: out.baseAddress!, count: tensor.elementCount)
            count = tensor.elementCount
        }
    }

    // MARK: - Parsing

    /// A u64 count that the rest of the file could hold, at `minimumBytesEach` per item.
    static func count(_ reader: inout BoundedReader, _ field: String, minimumBytesEach: Int) throws -> Int {
        let value = try reader.u64(field)
        let room = UInt64(reader.bytes.count - reader.position) / UInt64(minimumBytesEach)
        guard value <= room else {
            throw ModelError(.invalidFile, "\(reader.path): \(field) \(value) cannot fit in the \(reader.bytes.count - reader.position) bytes left")
        }
        return Int(value)
    }

    static func string(_ reader: inout BoundedReader, _ field: String) throws -> String {
        let length = try reader.u64("\(field) length")
        guard length <= UInt64(reader.bytes.count - reader.position) else {
            throw ModelError(.invalidFile, "\(reader.path): truncated at \(field) (a string of \(length) bytes at offset \(reader.position))")
        }
        return String(decoding: try reader.slice(Int(length), field), as: UTF8.self)
    }

    /// Sizes of the fixed-width value types, by GGUF type id (0 u8 … 12 f64; 8 string and 9 array vary).
    static let fixedSizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]

    static func value(_ reader: inout BoundedReader, type: UInt32, field: String, depth: Int) throws -> Value {
        switch type {
        case 0: return .unsigned(UInt64(try reader.bytes(1, field)[0]))
        case 1: return .signed(Int64(Int8(bitPattern: try reader.bytes(1, field)[0])))
        case 2: return .unsigned(UInt64(try reader.u16(field)))
        case 3: return .signed(Int64(Int16(bitPattern: try reader.u16(field))))
        case 4: return .unsigned(UInt64(try reader.u32(field)))
        case 5: return .signed(Int64(try reader.i32(field)))
        case 6: return .float(Double(try reader.f32(field)))
        case 7:
            let byte = try reader.bytes(1, field)[0]
            guard byte <= 1 else { throw ModelError(.invalidFile, "\(reader.path): \(field) is a bool of value \(byte)") }
            return .bool(byte == 1)
        case 8: return .string(try string(&reader, field))
        case 9:
            guard depth < maxArrayDepth else { throw ModelError(.invalidFile, "\(reader.path): \(field) nests arrays deeper than \(maxArrayDepth)") }
            let elementType = try reader.u32("\(field) element type")
            let minimum = elementType == 8 ? 8 : elementType == 9 ? 12 : fixedSizes[elementType] ?? 1
            let count = try Self.count(&reader, "\(field) element count", minimumBytesEach: minimum)
            var values: [Value] = []
            values.reserveCapacity(count)
            for i in 0 ..< count {
                values.append(try value(&reader, type: elementType, field: "\(field)[\(i)]", depth: depth + 1))
            }
            return .array(values)
        case 10: return .unsigned(try reader.u64(field))
        case 11: return .signed(Int64(bitPattern: try reader.u64(field)))
        case 12: return .float(Double(bitPattern: try reader.u64(field)))
        default: throw ModelError(.invalidFile, "\(reader.path): \(field) has value type \(type) (0 to 12 exist)")
        }
    }
}
