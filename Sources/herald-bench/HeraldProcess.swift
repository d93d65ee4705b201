import Foundation

/// The herald under test, as a child process, with what /proc says of it.
final class HeraldProcess {
    private let process = Process()

    /// Starts `binary serve` with the caller's environment (PostgreSQL settings) and `overrides`.
    init(binary: String, overrides: [String: String]) throws {
        self.process.executableURL = URL(fileURLWithPath: binary)
        self.process.arguments = ["serve"]
        self.process.environment = ProcessInfo.processInfo.environment.merging(overrides) { $1 }
        self.process.standardOutput = FileHandle.standardError
        self.process.standardError = FileHandle.standardError
        try self.process.run()
    }

    var pid: Int32 { self.process.processIdentifier }

    var cpuSeconds: Double { ProcessStats.cpuSeconds(pid: self.pid) ?? 0 }

    var peakRSSMiB: Double { ProcessStats.peakRSSMiB(pid: self.pid) ?? 0 }

    /// SIGTERM, then waits for the exit.
    func stop() {
        guard self.process.isRunning else { return }
        self.process.terminate()
        self.process.waitUntilExit()
    }
}
