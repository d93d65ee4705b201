package import XMPPCore

/// Who an HTTP request acts for: the JID its bearer token maps to, which every XEP-0060 rule then
/// applies to as if it had sent the request over XMPP.
package struct Caller: Sendable, Hashable {
    /// Names the token, not its secret: rate limits and idempotency keys are kept per token.
    package var tokenID: String
    package var jid: JID

    package init(tokenID: String, jid: JID) {
        self.tokenID = tokenID
        self.jid = jid
    }
}
