/// Whether a listen address is reachable only from this machine.
///
/// Loopback: `localhost`, any 127.0.0.0/8 address, `::1` (bracketed or not) and the
/// IPv4-mapped `::ffff:127.x.x.x`. Everything else — `0.0.0.0`, `::`, a LAN or public
/// address, a host name — may be reachable from elsewhere, so `quarry serve` refuses open
/// reads there unless the operator says so (`--allow-public-reads`).
public enum ListenAddress {
    public static func isLoopback(_ host: String) -> Bool {
        var address = host.lowercased()
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        if address == "localhost" || address == "::1" || address == "0:0:0:0:0:0:0:1" { return true }
        if address.hasPrefix("::ffff:") { address = String(address.dropFirst(7)) }
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
