import Foundation
import QuarryHTTP
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The small pieces every client shares: status classes, endpoints, keys and sanitising.
@Suite struct HTTPBasicsTests {
    @Test("status classes: 2xx success, 3xx refused redirect, 429 and 5xx retryable, the rest final", arguments: [
        (200, HTTPStatusClass.success), (204, .success), (301, .redirect), (302, .redirect), (400, .final),
        (401, .final), (404, .final), (413, .final), (429, .retryable), (500, .retryable), (503, .retryable), (599, .retryable),
    ])
    func statusClass(status: Int, expected: HTTPStatusClass) {
        #expect(HTTPStatusClass(status) == expected)
    }

    @Test("Retry-After counts on 429 and 503 only, as a non-negative number of seconds")
    func retryAfter() {
        func reply(_ status: Int, _ value: String) -> HTTPReply { HTTPReply(status: status, headers: ["retry-after": value]) }
        #expect(HTTPStatusClass.retryAfter(reply(429, " 3 ")) == 3)
        #expect(HTTPStatusClass.retryAfter(reply(503, "0.5")) == 0.5)
        #expect(HTTPStatusClass.retryAfter(reply(500, "3")) == nil)
        #expect(HTTPStatusClass.retryAfter(reply(429, "-1")) == nil)
        #expect(HTTPStatusClass.retryAfter(reply(429, "Wed, 21 Oct 2015 07:28:00 GMT")) == nil)
        let error = HTTPClientError(reply: HTTPReply(status: 429, headers: ["retry-after": "4"], body: Data("busy".utf8)),
                                    redacting: nil)
        #expect(error.retryable && error.retryAfter == 4 && error.status == 429 && error.message == "HTTP 429: busy")
        let redirect = HTTPClientError(reply: HTTPReply(status: 302, headers: ["location": "http://x/?k=sk-1"]), redacting: "sk-1")
        #expect(!redirect.retryable && redirect.message.contains("to http://x/?k=[redacted]"))
    }

    @Test("endpoints: /v1 is not doubled, the query is kept but not printed")
    func endpoints() throws {
        func url(_ base: String, _ path: String) throws -> String {
            try HTTPEndpoint(base: URL(string: base)!, path: path, keyVariable: "K").url.absoluteString
        }
        #expect(try url("https://api.openai.com/v1", "/v1/chat/completions") == "https://api.openai.com/v1/chat/completions")
        #expect(try url("http://127.0.0.1:8080/", "/v1/rerank") == "http://127.0.0.1:8080/v1/rerank")
        #expect(try url("http://host/prefix/v1//", "/rerank") == "http://host/prefix/v1/rerank")
        let endpoint = try HTTPEndpoint(base: URL(string: "http://host?api-version=2")!, path: "/v1/embeddings", keyVariable: "K")
        #expect(endpoint.url.absoluteString == "http://host/v1/embeddings?api-version=2")
        #expect(endpoint.printable == "http://host/v1/embeddings")
    }

    @Test("base URLs that are refused", arguments: ["ftp://host", "file:///etc/passwd", "http://user:pw@host", "http:///path",
                                                    "http://host/#frag", "javascript:alert(1)"])
    func refusedBase(base: String) throws {
        let error = #expect(throws: HTTPClientError.self) {
            try HTTPEndpoint(base: URL(string: base)!, path: "/v1/x", keyVariable: "KEY_VAR")
        }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("pw") == false)
    }

    @Test("API keys: unset or blank is none, trimmed otherwise, refused with header-unsafe characters")
    func apiKeys() throws {
        let variable = "QUARRY_HTTP_TEST_KEY_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        defer { unsetenv(variable) }
        #expect(try APIKey.read(from: variable) == nil)
        setenv(variable, "  ", 1)
        #expect(try APIKey.read(from: variable) == nil)
        setenv(variable, " sk-abc_123 \n", 1)
        #expect(try APIKey.read(from: variable) == "sk-abc_123")
        setenv(variable, "sk-abc\r\nX-Injected: 1", 1)
        let error = #expect(throws: HTTPClientError.self) { try APIKey.read(from: variable) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("sk-abc") == false)
        #expect(!APIKey.isValidVariableName("") && !APIKey.isValidVariableName("A=B") && APIKey.isValidVariableName("A_B"))
    }

    @Test("sanitising redacts the key, blanks control and bidi characters, and caps the length")
    func sanitising() {
        let text = "bad\r\n\u{1B}[31mkey sk-secret\u{202E} here\t\t" + String(repeating: "x", count: 500)
        let clean = SafeText.sanitise(text, redacting: "sk-secret", limit: 200)
        #expect(clean.hasPrefix("bad [31mkey [redacted] here x"))
        #expect(clean.count == 200 && clean.hasSuffix("…"))
        #expect(!clean.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{202E}" })
        #expect(SafeText.excerpt(Data("  short  ".utf8), redacting: nil) == "short")
        #expect(SafeText.excerpt(Data([0xFF, 0xFE, 0x41]), redacting: nil) == "A")
    }
}
