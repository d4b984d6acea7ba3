/// LEB128-style variable-byte integers: 7 bits per byte, high bit set on all but the last.
/// Small deltas and term frequencies take one byte.
enum VarInt {
    @inline(__always)
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Decodes one value at `offset`, advancing it. Returns nil on a truncated or
    /// over-long encoding (a damaged file), never reading past `end`.
    @inline(__always)
    static func read(_ base: UnsafePointer<UInt8>, _ offset: inout Int, _ end: Int) -> UInt32? {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while offset < end {
            let byte = base[offset]
            offset += 1
            result |= UInt32(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift > 28 { return nil }
        }
        return nil
    }
}
