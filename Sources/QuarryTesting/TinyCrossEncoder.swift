import Foundation

extension Fixtures {
    /// The tiny cross-encoder (a random 2-layer BERT whose logits PyTorch computed for the
    /// pairs in its `expected.jsonl`), as a model folder the native loader reads.
    ///
    /// The repository holds it compacted (`Tests/Fixtures/reference/tiny-cross-encoder`, made
    /// by `scripts/fixtures/tiny_cross_encoder.py`): every tensor but the word-embedding table,
    /// byte for byte, and of that table only the rows the expected pairs use. This expands it
    /// once into a full-size `model.safetensors` (other rows zero) in a folder
    /// `tiny-cross-encoder` under the temporary directory (its parent named after the
    /// compacted file's content, so a changed fixture never reuses a stale expansion) and
    /// returns that folder. Only the expected pairs score as in PyTorch; other text meets
    /// zero rows.
    public static func tinyCrossEncoder(file: String = #filePath) throws -> URL {
        let source = reference("tiny-cross-encoder", file: file)
        let compact = try Data(contentsOf: source.appendingPathComponent("model.compact.safetensors"))
        let parent = FileManager.default.temporaryDirectory
            .appendingPathComponent("quarry-fixture-\(compact.count)-\(checksum(compact))")
        let folder = parent.appendingPathComponent("tiny-cross-encoder")
        let weights = folder.appendingPathComponent("model.safetensors")
        if FileManager.default.fileExists(atPath: weights.path) { return folder }
        // Built beside, then renamed into place: parallel tests never see a half-written folder.
        let staging = parent.appendingPathComponent("staging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: staging) }
        for name in ["config.json", "tokenizer_config.json", "vocab.txt", "expected.jsonl"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: staging.appendingPathComponent(name))
        }
        let configuration = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("config.json")))
        guard let vocabularySize = (configuration as? [String: Any])?["vocab_size"] as? Int else {
            throw FixtureError("tiny-cross-encoder/config.json has no vocab_size")
        }
        try expanded(compact, vocabularySize: vocabularySize).write(to: staging.appendingPathComponent("model.safetensors"))
        do {
            try FileManager.default.moveItem(at: staging, to: folder)
        } catch where FileManager.default.fileExists(atPath: weights.path) {
            // Another test expanded it first; theirs is the same.
        }
        return folder
    }

    /// A fixture that can't be read.
    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    static let wordEmbeddings = "bert.embeddings.word_embeddings.weight"
    static let wordEmbeddingRows = "fixture.word_embedding_rows"

    /// The compacted safetensors with its word-embedding table put back to full size.
    static func expanded(_ compact: Data, vocabularySize: Int) throws -> Data {
        let bytes = [UInt8](compact)
        guard bytes.count >= 8 else { throw FixtureError("compacted weights: no header") }
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard headerLength <= bytes.count - 8,
              let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any]
        else { throw FixtureError("compacted weights: bad header") }
        let body = Array(bytes[(8 + headerLength)...])
        func tensor(_ name: String) throws -> (dtype: String, shape: [Int], raw: ArraySlice<UInt8>) {
            guard let info = header[name] as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2,
                  0 <= offsets[0], offsets[0] <= offsets[1], offsets[1] <= body.count
            else { throw FixtureError("compacted weights: bad entry \(name)") }
            return (dtype, shape, body[offsets[0]..<offsets[1]])
        }
        let words = try tensor(wordEmbeddings)
        let rows = try tensor(wordEmbeddingRows)
        guard words.shape.count == 2, rows.shape == [words.shape[0]] else { throw FixtureError("compacted weights: row count mismatch") }
        let width = words.shape[1] * 4
        var table = [UInt8](repeating: 0, count: vocabularySize * width)
        for index in 0..<words.shape[0] {
            let at = rows.raw.startIndex + index * 4
            let row = Int(Int32(bitPattern: UInt32(rows.raw[at]) | UInt32(rows.raw[at + 1]) << 8
                                        | UInt32(rows.raw[at + 2]) << 16 | UInt32(rows.raw[at + 3]) << 24))
            guard 0 <= row, row < vocabularySize else { throw FixtureError("compacted weights: row \(row) out of range") }
            let from = words.raw.startIndex + index * width
            table.replaceSubrange(row * width..<(row + 1) * width, with: words.raw[from..<(from + width)])
        }
        var tensors: [(name: String, dtype: String, shape: [Int], raw: [UInt8])] = []
        for name in header.keys.sorted() where name != "__metadata__" && name != wordEmbeddingRows {
            if name == wordEmbeddings {
                tensors.append((name, "F32", [vocabularySize, words.shape[1]], table))
            } else {
                let entry = try tensor(name)
                tensors.append((name, entry.dtype, entry.shape, Array(entry.raw)))
            }
        }
        var entries: [String: Any] = [:]
        if let metadata = header["__metadata__"] { entries["__metadata__"] = metadata }
        var offset = 0
        for entry in tensors {
            entries[entry.name] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offset, offset + entry.raw.count]]
            offset += entry.raw.count
        }
        var text = [UInt8](try JSONSerialization.data(withJSONObject: entries, options: [.sortedKeys]))
        text += [UInt8](repeating: 0x20, count: (8 - text.count % 8) % 8)
        var out = Data((0..<8).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) })
        out.append(contentsOf: text)
        for entry in tensors { out.append(contentsOf: entry.raw) }
        return out
    }

    /// FNV-1a of `data`, for naming the expanded folder after the compacted file's content.
    static func checksum(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
