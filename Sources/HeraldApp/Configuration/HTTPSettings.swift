package import FoundationEssentials
package import PubSubHTTP
import XMPPCore

/// The HTTP server's settings: address, API tokens and limits, optional TLS.
package struct HTTPSettings: Sendable {
    package var host: String
    package var port: Int
    /// Tokens of `http.tokens`, by SHA-256.
    package var tokens: [Data: Caller]
    package var limits: HTTPAPI.Limits
    /// PEM files; nil: plain HTTP.
    package var tls: (certificateFile: String, keyFile: String)?

    init(_ reader: inout SettingsReader, parserLimits: ParserLimits) {
        self.host = reader.string(HeraldSettings.httpHost)
        self.port = reader.int(HeraldSettings.httpPort, in: 1...65535)
        self.tokens = [:]
        for entry in reader.list(HeraldSettings.httpTokens) {
            // The hash has no '=', a JID's localpart may: split at the last one.
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count >= 2, let jid = try? JID(parts.dropLast().joined(separator: "=")),
                let hash = APIToken.hash(hex: String(parts[parts.count - 1]))
            else {
                reader.report(HeraldSettings.httpTokens, "'\(entry)' is not JID=<64 hex digits>")
                continue
            }
            // Named after the hash, never the secret: the ID shows in logs and idempotency records.
            self.tokens[hash] = Caller(tokenID: "config-" + APIToken.hex(hash).prefix(12), jid: jid.bare)
        }
        self.limits = HTTPAPI.Limits(
            maxBodyBytes: reader.int(HeraldSettings.httpMaxBodyBytes, in: 1024...(64 << 20)),
            requestsPerSecond: reader.int(HeraldSettings.httpRateLimit, in: 1...1_000_000),
            burst: reader.int(HeraldSettings.httpRateBurst, in: 1...1_000_000),
            parser: parserLimits
        )
        let certificate = reader.string(HeraldSettings.httpTLSCertificateFile)
        let key = reader.string(HeraldSettings.httpTLSKeyFile)
        self.tls = nil
        switch (certificate.isEmpty, key.isEmpty) {
        case (true, true): break
        case (false, false): self.tls = (certificate, key)
        case (true, false): reader.report(HeraldSettings.httpTLSCertificateFile, "is required with http.tls.keyFile")
        case (false, true): reader.report(HeraldSettings.httpTLSKeyFile, "is required with http.tls.certificateFile")
        }
    }
}
