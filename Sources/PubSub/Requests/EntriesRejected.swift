import XMPPCore

/// Some entries of a multi-entry owner request could not be applied (XEP-0060 §8.8.2.4, §8.9.2.4):
/// the reply is an error listing those entries as they still are, while the other entries took
/// effect and their notifications go out.
struct EntriesRejected: Error {
    var error: StanzaError
    /// The owner payload listing the rejected entries with their unchanged state.
    var detail: XMLElement
    var notifications: [XMLElement]
}
