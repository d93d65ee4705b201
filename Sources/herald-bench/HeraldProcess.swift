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

    /// User plus system CPU time so far, from /proc/PID/stat (fields 14 and 15, in clock ticks).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(self.pid)/stat", encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return 0 }
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        // Fields after the name start at field 3 (state).
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Peak resident memory in MiB (VmHWM of /proc/PID/status).
    var peakRSSMiB: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kib / 1024
    }

    /// SIGTERM, then waits for the exit.
    func stop() {
        guard self.process.isRunning else { return }
        self.process.terminate()
        self.process.waitUntilExit()
    }
}
