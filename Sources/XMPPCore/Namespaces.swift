/// XML namespaces Herald speaks, one constant each so that no URI is spelled twice.
package enum Namespace {
    package static let xml = "http://www.w3.org/XML/1998/namespace"
    package static let streams = "http://etherx.jabber.org/streams"
    package static let component = "jabber:component:accept"
    package static let stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"
    package static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    package static let discoInfo = "http://jabber.org/protocol/disco#info"
    package static let discoItems = "http://jabber.org/protocol/disco#items"
    package static let ping = "urn:xmpp:ping"
    package static let pubsub = "http://jabber.org/protocol/pubsub"
    package static let pubsubEvent = "http://jabber.org/protocol/pubsub#event"
    package static let pubsubOwner = "http://jabber.org/protocol/pubsub#owner"
    package static let pubsubErrors = "http://jabber.org/protocol/pubsub#errors"
    package static let dataForms = "jabber:x:data"
    package static let rsm = "http://jabber.org/protocol/rsm"
    package static let shim = "http://jabber.org/protocol/shim"
    package static let delay = "urn:xmpp:delay"
}
