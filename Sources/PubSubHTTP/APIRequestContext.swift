package import Hummingbird

/// The request context of Herald's HTTP server; `caller` is set once the bearer token is checked.
package struct APIRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    var caller: Caller?

    package init(source: Source) {
        self.coreContext = .init(source: source)
    }
}
