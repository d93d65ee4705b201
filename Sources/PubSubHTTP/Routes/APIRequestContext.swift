package import Hummingbird

/// The request context of Herald's HTTP server; `caller` is set once the bearer token is checked.
package struct APIRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    var caller: Caller?
    /// The client's IP address, which failed token checks are limited by.
    let clientAddress: String

    package init(source: Source) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}
