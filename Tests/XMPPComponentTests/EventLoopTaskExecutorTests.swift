import NIOCore
import NIOPosix
import Testing

@testable import XMPPComponent

/// Work that prefers the executor runs on its event loop, across suspensions and in child tasks:
/// what keeps the component's reads, the pump and its store calls on one thread.
struct EventLoopTaskExecutorTests {
    @Test func tasksThatPreferItRunOnTheLoopAcrossSuspensions() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let (loop, other) = (loops[0], loops[1])
        let executor = EventLoopTaskExecutor(loop)
        let onLoop = await withTaskExecutorPreference(executor) {
            var seen = [loop.inEventLoop]
            await Task.yield()
            seen.append(loop.inEventLoop)
            // A future completed on the other loop resumes the task back on this one.
            _ = try? await other.submit { 1 }.get()
            seen.append(loop.inEventLoop)
            let child = await withTaskGroup(of: Bool.self) { children in
                children.addTask { loop.inEventLoop }
                return await children.next() ?? false
            }
            seen.append(child)
            return seen
        }
        #expect(onLoop == [true, true, true, true])
        #expect(!loop.inEventLoop)
        try await group.shutdownGracefully()
    }
}
