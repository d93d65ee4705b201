import Testing
import XMPPCore

@testable import PubSub

@Suite struct NotificationLogTests {
    let bob = try! JID("bob@localhost")
    let carol = try! JID("carol@localhost/phone")
    let localhost = try! JID("localhost")

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
        // Only the recipient's side may bounce it: a bounce from elsewhere neither counts nor uses it up.
        #expect(log.take(id: second, from: self.bob) == nil)
        #expect(
            log.take(id: second, from: self.carol.bare)
                == .init(node: "news", subscriber: self.carol, subscriptionIDs: ["s2", "s3"])
        )
        #expect(log.take(id: second, from: self.carol) == nil)
        // The recipient's server speaks for it too.
        #expect(
            log.take(id: NotificationLog.messageID(event: "e1", number: 0), from: self.localhost)?.subscriber
                == self.bob
        )
        for unknown in [
            "e1-2", "e1-5", "e1-5+2", "e1-1+\(Int.max)", "e2-0", "e1", "e1-x", "e1-0+", "e1-0+0", "e1--1",
            "e1-0+1+1", "",
        ] {
            #expect(log.take(id: unknown, from: self.bob) == nil)
        }
    }

    @Test func eachCopyOfAMulticastMessageIsTracedOnce() {
        let log = NotificationLog()
        let dave = try! JID("dave@localhost/r")
        log.record(
            event: "e1",
            node: "news",
            recipients: [self.bob, self.carol, dave].map { .init(jid: $0, subscriptionIDs: ["s-\($0.localpart!)"]) }
        )
        // The message to the first two: dave is not among its recipients.
        let shared = NotificationLog.messageID(event: "e1", numbers: 0..<2)
        #expect(shared == "e1-0+2")
        #expect(log.take(id: shared, from: dave) == nil)
        #expect(log.take(id: shared, from: self.carol)?.subscriptionIDs == ["s-carol"])
        #expect(log.take(id: shared, from: self.carol) == nil)
        #expect(log.take(id: shared, from: self.bob)?.subscriptionIDs == ["s-bob"])
        // A count beyond the event's recipients stops at its last one.
        #expect(log.take(id: "e1-1+9", from: dave)?.subscriber == dave)
    }

    @Test func aCopysBounceIsTakenForTheAddressItCameFromOrForNobody() throws {
        let log = NotificationLog()
        let phone = try JID("bob@localhost/phone")
        let laptop = try JID("bob@localhost/laptop")
        let eve = try JID("eve@example.org/r")
        log.record(
            event: "e1",
            node: "news",
            recipients: [phone, laptop, eve].map { .init(jid: $0, subscriptionIDs: [$0.description]) }
        )
        let all = NotificationLog.messageID(event: "e1", numbers: 0..<3)
        // Its account or its server could mean either of bob's resources: taken for neither.
        #expect(log.take(id: all, from: self.bob) == nil)
        #expect(log.take(id: all, from: self.localhost) == nil)
        #expect(log.take(id: all, from: laptop)?.subscriber == laptop)
        // Now only one is left that they can mean.
        #expect(log.take(id: all, from: self.localhost)?.subscriber == phone)
        #expect(log.take(id: all, from: try JID("example.org"))?.subscriber == eve)
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
        #expect(log.take(id: "e2-0", from: self.bob) == nil)
        #expect(log.take(id: "e3-1", from: self.carol)?.subscriber == self.carol)
        #expect(log.take(id: "e4-0", from: self.bob)?.subscriber == self.bob)
        // An event larger than the capacity is still kept whole, as the newest.
        log.record(
            event: "big",
            node: "n",
            recipients: Array(repeating: .init(jid: self.bob, subscriptionIDs: ["a"]), count: 9)
        )
        #expect(log.take(id: "big-8", from: self.bob) != nil)
        #expect(log.take(id: "e4-1", from: self.carol) == nil)
    }
}
