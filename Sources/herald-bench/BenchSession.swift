import NIOCore
import XMPPComponent

/// An open XMPP stream, Herald's component stream or a client's stream to Prosody: stanzas out
/// (`outbound` may be used from any task), stanzas in (read by one task), as many at a time as
/// arrived.
struct BenchSession {
    var reads: NIOAsyncChannelInboundStream<[BenchStanza]>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Runs tasks on the connection's event loop: the bench's reads and writes then cost no
    /// thread switch, which on two cores shared with Herald and PostgreSQL would show as latency.
    let executor: EventLoopTaskExecutor
    private let channel: any Channel
    private var pending: [BenchStanza] = []
    private var next = 0

    init(
        _ channel: any Channel,
        reads: NIOAsyncChannelInboundStream<[BenchStanza]>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.channel = channel
        self.executor = EventLoopTaskExecutor(channel.eventLoop)
        self.reads = reads
        self.outbound = outbound
    }

    /// Writes stanzas already serialized, as one buffer.
    func send(_ xml: String) async throws {
        try await self.outbound.write(ByteBuffer(string: xml))
    }

    /// The next stanza; nil when the stream ended or the connection closed.
    mutating func next() async throws -> BenchStanza? {
        while self.next == self.pending.count {
            guard let stanzas = try await self.reads.next(isolation: #isolation) else { return nil }
            (self.pending, self.next) = (stanzas, 0)
        }
        let stanza = self.pending[self.next]
        self.next += 1
        return stanza.name == "/stream" ? nil : stanza
    }

    /// Closes the connection at `deadline` unless the task is cancelled first: a read still
    /// waiting then ends, so a run that stops getting answers stops at its timeout.
    func closing(at deadline: ContinuousClock.Instant) -> Task<Void, any Error> {
        let channel = self.channel
        return Task {
            try await Task.sleep(until: deadline, clock: ContinuousClock())
            channel.close(promise: nil)
        }
    }
}
