import NIOConcurrencyHelpers
package import XMPPCore

/// Who is available to the service right now, learnt from the presence users send to the
/// component's JID (XEP-0060 §12.6). In memory only: availability is a property of live sessions.
package final class Availability: Sendable {
    /// Bare JID → full JID → current show.
    private let sessions = NIOLockedValueBox<[JID: [JID: PresenceShow]]>([:])

    package init() {}

    /// Records available presence; true if this full JID was not available before.
    @discardableResult
    package func update(_ jid: JID, show: PresenceShow) -> Bool {
        self.sessions.withLockedValue { sessions in
            sessions[jid.bare, default: [:]].updateValue(show, forKey: jid) == nil
        }
    }

    /// Records unavailable presence; true if no session of the bare JID is left.
    @discardableResult
    package func remove(_ jid: JID) -> Bool {
        self.sessions.withLockedValue { sessions in
            sessions[jid.bare]?[jid] = nil
            // Unavailable from the bare JID ends every session of it.
            if jid.resourcepart == nil || sessions[jid.bare]?.isEmpty == true {
                sessions[jid.bare] = nil
            }
            return sessions[jid.bare] == nil
        }
    }

    /// Whether notifications to `jid` may go out: a full JID must itself be available with an
    /// accepted show; a bare JID needs any such session.
    package func accepts(_ jid: JID, showValues: Set<PresenceShow>) -> Bool {
        self.sessions.withLockedValue { sessions in
            guard let resources = sessions[jid.bare] else { return false }
            if jid.resourcepart == nil {
                return resources.values.contains { showValues.contains($0) }
            }
            return resources[jid].map { showValues.contains($0) } ?? false
        }
    }
}
