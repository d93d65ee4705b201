/// The configured TLS files cannot be used.
struct HTTPTLSError: Error, CustomStringConvertible {
    var description: String
}
