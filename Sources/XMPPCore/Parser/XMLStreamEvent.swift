/// What the stream parser reports, in stream order.
package enum XMLStreamEvent: Sendable, Hashable {
    /// The stream root opened; the element carries its attributes and no children.
    case streamOpened(XMLElement)
    /// A complete depth-1 element: a stanza, `<handshake/>`, or `<stream:error/>`.
    case element(XMLElement)
    /// The peer closed the stream root.
    case streamClosed
}
