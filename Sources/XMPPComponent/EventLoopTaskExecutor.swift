package import NIOCore

/// Runs tasks that prefer it on one NIO event loop, the one the component's socket is on.
///
/// A publish crosses the socket, the pump and the fan-out; on the cooperative pool each of those
/// steps resumes on whichever thread is free, and each thread switch costs tens of microseconds
/// on a busy two-core machine. Kept on the socket's loop, a stanza is read, handled and its
/// notifications written without leaving that thread.
package final class EventLoopTaskExecutor: TaskExecutor {
    package let eventLoop: any EventLoop

    package init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
