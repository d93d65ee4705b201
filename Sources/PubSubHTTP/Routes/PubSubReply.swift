import XMPPCore

/// Reads the result of a request the API made to the pubsub service.
struct PubSubReply {
    /// The result's `<pubsub/>` child (either namespace), if it has one.
    let payload: XMLElement?

    /// Throws the problem matching the reply when it is an error.
    init(_ reply: XMLElement?) throws {
        guard let reply else { throw Problem.unavailable("the pubsub service gave no answer") }
        guard reply[attribute: "type"] == "result" else { throw Problem(errorReply: reply) }
        self.payload = reply.elements.first
    }

    /// The first child of the payload named `name`, in the payload's namespace.
    func child(_ name: String) -> XMLElement? {
        guard let payload = self.payload else { return nil }
        return payload.child(name, namespace: payload.namespace)
    }
}
