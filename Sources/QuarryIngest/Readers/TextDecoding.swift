import Foundation

/// Turns a file's bytes into text under one explicit policy, shared by every reader:
///
/// - binary content is refused: a NUL byte or a known binary magic number in the first
///   8 KiB, or more than 10 % control bytes there;
/// - a UTF-8 byte-order mark is dropped; UTF-16 LE/BE with a BOM is decoded;
/// - invalid UTF-8 refuses the file, naming the byte offset (never silently replaced,
///   which would index U+FFFD garbage);
/// - CRLF and lone CR become LF, and any NUL that survives is removed, so nothing truncates
///   the text in SQLite or C APIs.
public enum TextDecoding {
    /// Why bytes could not become text.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case binary(String)
        case invalidUTF8(offset: Int)
        case invalidUTF16

        public var description: String {
            switch self {
            case .binary(let why): "binary file (\(why))"
            case .invalidUTF8(let offset): "invalid UTF-8 at byte \(offset)"
            case .invalidUTF16: "invalid UTF-16"
            }
        }
    }

    static let magics: [(bytes: [UInt8], name: String)] = [
        ([0x7F, 0x45, 0x4C, 0x46], "ELF executable"), ([0x89, 0x50, 0x4E, 0x47], "PNG image"),
        ([0xFF, 0xD8, 0xFF], "JPEG image"), ([0x47, 0x49, 0x46, 0x38], "GIF image"),
        ([0x50, 0x4B, 0x03, 0x04], "zip archive"), ([0x1F, 0x8B], "gzip archive"),
        ([0x25, 0x50, 0x44, 0x46, 0x2D], "PDF document"), ([0x42, 0x5A, 0x68], "bzip2 archive"),
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz archive"), ([0x28, 0xB5, 0x2F, 0xFD], "zstd archive"),
        ([0x53, 0x51, 0x4C, 0x69, 0x74, 0x65], "SQLite database"), ([0xCA, 0xFE, 0xBA, 0xBE], "Mach-O/Java class"),
        ([0x4D, 0x5A], "Windows executable"), ([0x00, 0x61, 0x73, 0x6D], "WebAssembly module"),
    ]

    /// Decodes `data` to text under the policy above.
    public static func decode(_ data: Data) throws(Failure) -> String {
        let bytes = [UInt8](data)
        if bytes.count >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            return normalizeNewlines(try decodeUTF16(bytes, littleEndian: bytes[0] == 0xFF))
        }
        try checkNotBinary(bytes)
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let body = bytes[start...]
        guard let text = String(validating: body, as: UTF8.self) else {
            throw .invalidUTF8(offset: start + firstInvalidUTF8(body))
        }
        return normalizeNewlines(text)
    }

    /// Throws when the first 8 KiB look binary.
    public static func checkNotBinary(_ bytes: [UInt8]) throws(Failure) {
        for magic in magics where bytes.starts(with: magic.bytes) {
            // "MZ" alone is too short to trust for text files starting with "MZ".
            if magic.bytes.count == 2 && magic.name == "Windows executable" && !(bytes.count > 64 && bytes.contains(0)) { continue }
            throw .binary(magic.name)
        }
        let head = bytes.prefix(8192)
        var control = 0
        for byte in head {
            if byte == 0 { throw .binary("NUL byte") }
            if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D && byte != 0x0C { control += 1 }
        }
        if !head.isEmpty && control * 10 > head.count { throw .binary("\(control * 100 / head.count)% control bytes") }
    }

    static func decodeUTF16(_ bytes: [UInt8], littleEndian: Bool) throws(Failure) -> String {
        guard bytes.count % 2 == 0 else { throw .invalidUTF16 }
        var units = [UInt16]()
        units.reserveCapacity(bytes.count / 2 - 1)
        var i = 2
        while i + 1 < bytes.count {
            units.append(littleEndian ? UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8 : UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
            i += 2
        }
        guard let text = String(validating: units, as: UTF16.self) else { throw .invalidUTF16 }
        return text
    }

    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var valid = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                valid = offset
            case .emptyInput:
                return valid
            case .error:
                return valid
            }
        }
    }

    /// CRLF and CR to LF; NUL removed.
    public static func normalizeNewlines(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x0D || $0 == 0x00 }) else { return text }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                out.append("\n")
                previousCR = true
                continue
            case "\n":
                if !previousCR { out.append(scalar) }
            case "\u{0}":
                break
            default:
                out.append(scalar)
            }
            previousCR = false
        }
        return String(out)
    }
}
