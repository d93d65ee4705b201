import Testing
import XMPPCore

@testable import PubSub

@Suite struct NotificationLogTests {
    let bob = try! JID("bob@localhost")
    let carol = try! JID("carol@localhost/phone")

    @Test func eachMessageOfAnEventIsTracedOnce() {
        let log = NotificationLog()
        log.record(
            event: "e1",
            node: "news",
            recipients: [
                .init(jid: self.bob, subscriptionIDs: ["s1"]), .init(jid: self.carol, subscriptionIDs: ["s2", "s3"]),
            ]
        )
        let second = NotificationLog.messageID(event: "e1", number: 1)
        #expect(log.take(id: second) == .init(node: "news", subscriber: self.carol, subscriptionIDs: ["s2", "s3"]))
        #expect(log.take(id: second) == nil)
        #expect(log.take(id: NotificationLog.messageID(event: "e1", number: 0))?.subscriber == self.bob)
        for unknown in ["e1-2", "e2-0", "e1", "e1-x", ""] {
            #expect(log.take(id: unknown) == nil)
        }
    }

    @Test func theOldestEventsAreForgottenBeyondCapacity() {
        let log = NotificationLog(capacity: 4)
        for event in 0..<5 {
            log.record(
                event: "e\(event)",
                node: "n",
                recipients: [
                    .init(jid: self.bob, subscriptionIDs: ["a"]), .init(jid: self.carol, subscriptionIDs: ["b"]),
                ]
            )
        }
        // Four messages are kept: the last two events.
        #expect(log.take(id: "e2-0") == nil)
        #expect(log.take(id: "e3-1")?.subscriber == self.carol)
        #expect(log.take(id: "e4-0")?.subscriber == self.bob)
        // An event larger than the capacity is still kept whole, as the newest.
        log.record(
            event: "big",
            node: "n",
            recipients: Array(repeating: .init(jid: self.bob, subscriptionIDs: ["a"]), count: 9)
        )
        #expect(log.take(id: "big-8") != nil)
        #expect(log.take(id: "e4-1") == nil)
    }
}
