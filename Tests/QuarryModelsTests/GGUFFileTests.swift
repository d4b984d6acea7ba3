import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// The GGUF reader against gguf-py 0.19.0 (`scripts/fixtures/gguf_reference.py`): a tiny file
/// with every metadata value type and a tensor of each type Quarry reads, and hostile files.
@Suite struct GGUFFileTests {
    static let tiny = Fixtures.reference("gguf/tiny.gguf")

    @Test("metadata of every value type, the tensor table and every tensor type read as gguf-py reads them")
    func tinyFile() throws {
        let file = try GGUFFile(path: Self.tiny.path)
        let data = try Data(contentsOf: Fixtures.reference("gguf/tiny.expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(file.version == 3 && file.alignment == 32)
        #expect(file.metadata["general.architecture"]?.string == "llama")
        #expect(file.metadata["test.u8"] == .unsigned(200) && file.metadata["test.i8"] == .signed(-100))
        #expect(file.metadata["test.u16"] == .unsigned(60000) && file.metadata["test.i16"] == .signed(-30000))
        #expect(file.metadata["test.u32"] == .unsigned(4_000_000_000) && file.metadata["test.i32"] == .signed(-2_000_000_000))
        #expect(file.metadata["test.f32"] == .float(0.15625) && file.metadata["test.bool"] == .bool(true))
        #expect(file.metadata["test.string"] == .string("héllo ✓"))
        #expect(file.metadata["test.strings"] == .array([.string("a"), .string(""), .string("ü")]))
        #expect(file.metadata["test.i32s"] == .array([.signed(1), .signed(-2), .signed(3)]))
        #expect(file.metadata["test.u64"] == .unsigned(1 << 63 + 5) && file.metadata["test.i64"] == .signed(-(1 << 62)))
        #expect(file.metadata["test.f64"] == .float(2.5e-300))
        #expect(file.metadata["test.nested"]?.array?.compactMap(\.array).flatMap { $0 }.compactMap(\.int) == [1, 2, 3])
        let tensors = try #require(expected["tensors"] as? [[String: Any]])
        #expect(file.tensors.map(\.name) == tensors.map { $0["name"] as? String ?? "" })
        for want in tensors {
            let name = try #require(want["name"] as? String)
            let tensor = try file.tensor(name)
            #expect(tensor.type.name == want["type"] as? String)
            #expect(tensor.dimensions == want["shape"] as? [Int])
            #expect(tensor.offset == want["offset"] as? Int)
            let values = try #require(want["values"] as? [Double]).map(Float.init)
            let got = try file.floats(name)
            #expect(got.count == values.count)
            let worst = zip(got, values).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-6, "\(name): worst relative difference \(worst)")
            #expect(try file.row(tensor, 1) == Array(got[256...]))
        }
        #expect(throws: ModelError.self) { try file.tensor("nope") }
        #expect(throws: ModelError.self) { try file.row(file.tensor("t.q4_k"), 2) }
    }

    @Test("every truncation of the tiny file is refused with the file's name, never a crash")
    func truncations() throws {
        let data = try Data(contentsOf: Self.tiny)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The file ends with padding after its last tensor (Q6_K at 6464, 420 bytes): cut into that tensor.
        for cut in Array(0 ..< 960) + [1000, 3000, 5024, 6000, 6464 + 420 - 1] {
            let url = try dir.write("cut.gguf", data.prefix(cut))
            let error = #expect(throws: ModelError.self, "cut \(cut)") { try GGUFFile(path: url.path) }
            #expect(error?.description.contains(url.path) == true, "cut \(cut): \(String(describing: error))")
        }
    }

    /// A GGUF file from parts, to forge what gguf-py would refuse to write.
    struct Forge {
        var data = Data()
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); data.append(contentsOf: Array(s.utf8)) }
        mutating func header(version: UInt32 = 3, tensors: UInt64, metadata: UInt64) {
            data.append(contentsOf: Array("GGUF".utf8))
            u32(version); u64(tensors); u64(metadata)
        }
        mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
            string(name); u32(UInt32(dims.count)); for d in dims { u64(d) }; u32(type); u64(offset)
        }
        mutating func pad(to alignment: Int = 32, extra: Int) {
            while data.count % alignment != 0 { data.append(0) }
            data.append(contentsOf: [UInt8](repeating: 0, count: extra))
        }
    }

    @Test("hostile counts, types, offsets and nesting are refused, naming the field")
    func hostile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var cases: [(String, Forge, String)] = []
        var f = Forge(); f.data = Data("GGUG".utf8); cases.append(("magic", f, "bad magic"))
        f = Forge(); f.header(version: 4, tensors: 0, metadata: 0); cases.append(("version", f, "version 4"))
        f = Forge(); f.header(tensors: UInt64.max, metadata: 0); cases.append(("tensor count", f, "tensor count"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("k"); f.u32(8); f.u64(1 << 40); cases.append(("string length", f, "metadata k"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("k"); f.u32(9); f.u32(4); f.u64(1 << 60); cases.append(("array count", f, "element count"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("k"); f.u32(13); cases.append(("value type", f, "value type 13"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("k"); f.u32(7); f.data.append(2); cases.append(("bool", f, "bool of value 2"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("k")
        f.u32(9)  // the value is an array …
        for _ in 0 ..< 20 { f.u32(9); f.u64(1) }  // … of one array of one array …
        f.pad(extra: 64)
        cases.append(("nesting", f, "nests arrays"))
        f = Forge(); f.header(tensors: 0, metadata: 1); f.string("general.alignment"); f.u32(4); f.u32(24); cases.append(("alignment", f, "power of two"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [32], type: 10, offset: 0); f.pad(extra: 64); cases.append(("q2_K", f, "ggml type 10"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [33], type: 2, offset: 0); f.pad(extra: 64); cases.append(("partial block", f, "not whole Q4_0 blocks"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [32, 0], type: 0, offset: 0); f.pad(extra: 64); cases.append(("zero dimension", f, "dimension 1 is 0"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [1, 2, 3, 4, 5], type: 0, offset: 0); f.pad(extra: 64); cases.append(("five dimensions", f, "5 dimensions"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [32], type: 0, offset: 4); f.pad(extra: 256); cases.append(("misaligned", f, "not aligned"))
        f = Forge(); f.header(tensors: 1, metadata: 0); f.tensor("w", dims: [64], type: 0, offset: 0); f.pad(extra: 128); cases.append(("past the end", f, "runs past the end"))
        f = Forge(); f.header(tensors: 2, metadata: 0); f.tensor("a", dims: [32], type: 0, offset: 0); f.tensor("b", dims: [32], type: 0, offset: 64)
        f.pad(extra: 256); cases.append(("overlap", f, "overlap"))
        f = Forge(); f.header(tensors: 2, metadata: 0); f.tensor("a", dims: [8], type: 0, offset: 0); f.tensor("a", dims: [8], type: 0, offset: 32)
        f.pad(extra: 64); cases.append(("duplicate", f, "appears twice"))
        for (name, forge, message) in cases {
            let url = try dir.write(name.replacingOccurrences(of: " ", with: "-") + ".gguf", forge.data)
            let error = #expect(throws: ModelError.self, "\(name)") { try GGUFFile(path: url.path) }
            #expect(error?.description.contains(url.path) == true && error?.description.contains(message) == true,
                    "\(name): \(String(describing: error))")
        }
    }

    @Test("SmolLM2-135M-Instruct's GGUF: Llama metadata, 272 tensors, every tensor's first row finite")
    func smolLM2() throws {
        let path = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
            return
        }
        let file = try GGUFFile(path: path)
        #expect(file.metadata["general.architecture"]?.string == "llama")
        #expect(file.metadata["llama.block_count"]?.int == 30 && file.metadata["llama.embedding_length"]?.int == 576)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.array?.count == 49152)
        #expect(file.metadata["tokenizer.ggml.merges"]?.array?.count == 48900)
        #expect(file.tensors.count == 272)
        let embedding = try file.tensor("token_embd.weight")
        #expect(embedding.type == .q8_0 && embedding.dimensions == [576, 49152])
        #expect(Set(file.tensors.map(\.type)) == [.f32, .q4_1, .q8_0])
        for tensor in file.tensors {
            #expect(try file.row(tensor, 0).allSatisfy(\.isFinite), "\(tensor.name)")
        }
    }
}
