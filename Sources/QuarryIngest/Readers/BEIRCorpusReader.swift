import Foundation
import QuarryCore

/// Reads a BEIR-style corpus: JSON Lines with `_id`, `title`, `text` and an optional
/// `metadata` object, one document per line.
///
/// The file is streamed in fixed-size blocks, so a corpus of millions of lines needs memory
/// for one batch only. A bad line (not JSON, no `_id`, no `text`, a line over the limit) is
/// reported with its line number and the rest of the file goes on.
public struct BEIRCorpusReader: Sendable {
    /// One record or one bad line.
    public enum Record: Sendable {
        case document(line: Int, id: String, parsed: ParsedDocument)
        case invalid(line: Int, reason: String)
    }

    /// Longest accepted line (bytes); longer lines are reported, not parsed.
    public var maxLineBytes: Int

    public init(maxLineBytes: Int = 16 * 1024 * 1024) {
        self.maxLineBytes = maxLineBytes
    }

    /// Opens a cursor over the file's records.
    public func open(_ url: URL) throws -> Cursor {
        Cursor(reader: self, handle: try FileHandle(forReadingFrom: url))
    }

    /// Reads records batch by batch; memory holds one block and one batch.
    public final class Cursor {
        let reader: BEIRCorpusReader
        let handle: FileHandle
        var buffer = [UInt8]()
        var lineNumber = 0
        var position = 0
        var skippingLongLine = false
        var finished = false
        /// Bytes consumed so far, for progress.
        public private(set) var bytesRead = 0

        init(reader: BEIRCorpusReader, handle: FileHandle) {
            self.reader = reader
            self.handle = handle
        }

        deinit { try? handle.close() }

        /// Up to `count` records (fewer at the end), or nil when the file is exhausted.
        public func next(_ count: Int) throws -> [Record]? {
            var batch: [Record] = []
            while batch.count < count {
                if let newline = buffer[position...].firstIndex(of: 0x0A) {
                    take(upTo: newline, into: &batch)
                    continue
                }
                if finished {
                    if position < buffer.count { take(upTo: buffer.count, into: &batch) }
                    break
                }
                buffer.removeFirst(position)
                position = 0
                let block = try handle.read(upToCount: 1 << 20) ?? Data()
                if block.isEmpty {
                    finished = true
                    continue
                }
                buffer.append(contentsOf: block)
                if buffer.count > reader.maxLineBytes, !buffer.contains(0x0A) {
                    // Drop an over-long line as it streams in, never holding all of it.
                    if !skippingLongLine {
                        batch.append(.invalid(line: lineNumber + 1, reason: "line longer than \(reader.maxLineBytes) bytes"))
                    }
                    bytesRead += buffer.count
                    buffer.removeAll(keepingCapacity: true)
                    skippingLongLine = true
                }
            }
            return batch.isEmpty && finished && position >= buffer.count ? nil : batch
        }

        private func take(upTo end: Int, into batch: inout [Record]) {
            lineNumber += 1
            if skippingLongLine {
                skippingLongLine = false
            } else if let record = reader.parse(buffer[position ..< end], lineNumber: lineNumber) {
                batch.append(record)
            }
            let next = min(end + 1, buffer.count)
            bytesRead += next - position
            position = next
        }
    }

    func parse(_ line: ArraySlice<UInt8>, lineNumber: Int) -> Record? {
        var bytes = line
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        if lineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }  // blank lines are allowed
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                return .invalid(line: lineNumber, reason: "not a JSON object")
            }
            object = parsed
        } catch {
            return .invalid(line: lineNumber, reason: "invalid JSON")
        }
        let id: String
        switch object["_id"] {
        case let value as String: id = value
        case let value as NSNumber where !(value is Bool): id = value.stringValue
        default: return .invalid(line: lineNumber, reason: "missing or non-string \"_id\"")
        }
        let normalizedID = DocumentID.normalize(id)
        if let problem = DocumentID.problem(normalizedID) { return .invalid(line: lineNumber, reason: "\"_id\": \(problem)") }
        guard let text = object["text"] as? String else { return .invalid(line: lineNumber, reason: "missing or non-string \"text\"") }
        let title = object["title"] as? String ?? ""
        var metadata = "{}"
        if let meta = object["metadata"], !(meta is NSNull) {
            guard let dictionary = meta as? [String: Any],
                  let data = try? JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                return .invalid(line: lineNumber, reason: "\"metadata\" must be a JSON object")
            }
            metadata = String(decoding: data, as: UTF8.self)
        }
        let cleanText = TextDecoding.normalizeNewlines(text)
        return .document(line: lineNumber, id: normalizedID,
                         parsed: ParsedDocument(title: Self.clean(title), text: cleanText, metadata: metadata))
    }

    /// NFC, NUL removed: ids and titles are compared and stored in one form.
    /// Titles get what ids get: NUL removed (a C API would cut the text there), NFC.
    static func clean(_ value: String) -> String {
        DocumentID.normalize(value)
    }
}
