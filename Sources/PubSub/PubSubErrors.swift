import XMPPCore

/// The stanza errors XEP-0060 names, built in one place so each condition is spelled once.
enum PubSubErrors {
    static func pubsubCondition(_ name: String, attributes: KeyValuePairs<String, String?> = [:]) -> XMLElement {
        XMLElement(name, namespace: Namespace.pubsubErrors, attributes: attributes)
    }

    /// XEP-0060 §6.1.3.11 and others: the node does not exist.
    static let nodeNotFound = StanzaError(.cancel, .itemNotFound)

    /// XEP-0060 §7.1.3.3 etc.: the request needs a `node` attribute.
    static let nodeIDRequired = StanzaError(
        .modify,
        .badRequest,
        applicationCondition: pubsubCondition("nodeid-required")
    )

    /// XEP-0060 §6.1.3.1: the subscribing JID's bare JID differs from the requester's.
    static let invalidJID = StanzaError(.modify, .badRequest, applicationCondition: pubsubCondition("invalid-jid"))

    /// XEP-0060 §7.1.3.1 and §6.2.3.3: the requester lacks the affiliation needed.
    static let forbidden = StanzaError(.auth, .forbidden)

    /// XEP-0060 §8.1.3: the NodeID is taken.
    static let conflict = StanzaError(.cancel, .conflict)

    /// XEP-0060 §6.2.3.2: the entity is not subscribed.
    static let notSubscribed = StanzaError(
        .cancel,
        .unexpectedRequest,
        applicationCondition: pubsubCondition("not-subscribed")
    )

    /// XEP-0060 §6.2.3.1, §6.3.4.4, §6.5.9.1: the entity has several subscriptions and named none.
    static let subIDRequired = StanzaError(
        .modify,
        .badRequest,
        applicationCondition: pubsubCondition("subid-required")
    )

    /// XEP-0060 §6.3.4.3: the options request names no subscriber.
    static let jidRequired = StanzaError(.modify, .badRequest, applicationCondition: pubsubCondition("jid-required"))

    /// XEP-0060 §6.1.3.4, §6.5.9.8: a whitelist node and the entity is not on it.
    static let closedNode = StanzaError(.cancel, .notAllowed, applicationCondition: pubsubCondition("closed-node"))

    /// XEP-0060 §6.1.3.2, §6.5.9.6: a presence node, and the entity does not get the owner's presence.
    static let presenceSubscriptionRequired = StanzaError(
        .auth,
        .notAuthorized,
        applicationCondition: pubsubCondition("presence-subscription-required")
    )

    /// XEP-0060 §6.1.3.3, §6.5.9.7: a roster node, and the entity is in no allowed roster group.
    static let notInRosterGroup = StanzaError(
        .auth,
        .notAuthorized,
        applicationCondition: pubsubCondition("not-in-roster-group")
    )

    /// XEP-0060 §6.1.3.7: the entity already waits for approval.
    static let pendingSubscription = StanzaError(
        .auth,
        .notAuthorized,
        applicationCondition: pubsubCondition("pending-subscription")
    )

    /// XEP-0060 §6.1.3.9.
    static let tooManySubscriptions = StanzaError(
        .wait,
        .policyViolation,
        applicationCondition: pubsubCondition("too-many-subscriptions")
    )

    /// XEP-0060 §6.5.9.3: only subscribers may read this node.
    static let notSubscribedToRead = StanzaError(
        .auth,
        .notAuthorized,
        applicationCondition: pubsubCondition("not-subscribed")
    )

    /// XEP-0060 §7.1.3.6: a transient notification-only node takes no item.
    static let itemForbidden = StanzaError(
        .modify,
        .badRequest,
        applicationCondition: pubsubCondition("item-forbidden")
    )

    /// XEP-0060 §7.1.5: a publish-options precondition differs from the node's configuration.
    static func preconditionNotMet(_ text: String) -> StanzaError {
        StanzaError(.cancel, .conflict, applicationCondition: pubsubCondition("precondition-not-met"), text: text)
    }

    /// XEP-0060 §6.2.3.5: the SubID does not name a subscription of the entity.
    static let invalidSubID = StanzaError(
        .modify,
        .notAcceptable,
        applicationCondition: pubsubCondition("invalid-subid")
    )

    /// XEP-0060 §7.1.3.6.
    static let itemRequired = StanzaError(.modify, .badRequest, applicationCondition: pubsubCondition("item-required"))
    static let payloadRequired = StanzaError(
        .modify,
        .badRequest,
        applicationCondition: pubsubCondition("payload-required")
    )
    /// XEP-0060 §7.1.3.5: more than one item, or not exactly one payload element.
    static let invalidPayload = StanzaError(
        .modify,
        .badRequest,
        applicationCondition: pubsubCondition("invalid-payload")
    )
    /// XEP-0060 §7.1.3.4.
    static let payloadTooBig = StanzaError(
        .modify,
        .notAcceptable,
        applicationCondition: pubsubCondition("payload-too-big")
    )

    /// XEP-0060 §7.1.3, §8.1.1 etc.: a feature Herald does not implement (yet).
    static func unsupported(_ feature: String) -> StanzaError {
        StanzaError(
            .cancel,
            .featureNotImplemented,
            applicationCondition: pubsubCondition("unsupported", attributes: ["feature": feature])
        )
    }

    static func badRequest(_ text: String) -> StanzaError {
        StanzaError(.modify, .badRequest, text: text)
    }
}
