import Configuration
import XMPPCore

/// Reads settings through a `ConfigReader`, collecting a clear problem for each bad value instead of
/// falling back silently (swift-configuration's optional getters return the default on a bad value).
struct SettingsReader {
    let config: ConfigReader
    private(set) var problems: [ConfigurationError.Problem] = []

    init(config: ConfigReader) {
        self.config = config
    }

    mutating func string(_ setting: Setting) -> String {
        let value = self.config.string(forKey: ConfigKey(setting.key), isSecret: setting.isSecret)
        switch (value, setting.defaultValue) {
        case (let value?, nil) where value.isEmpty:
            self.report(setting, "must not be empty")
            return value
        case (let value?, _):
            return value
        case (nil, let fallback?):
            return fallback
        case (nil, nil):
            self.report(setting, "is required")
            return ""
        }
    }

    mutating func int(_ setting: Setting, in range: ClosedRange<Int>) -> Int {
        let key = ConfigKey(setting.key)
        let value: Int
        if let number = self.config.int(forKey: key) {
            value = number
        } else if let text = self.config.string(forKey: key, isSecret: setting.isSecret) {
            self.report(setting, "'\(text)' is not an integer")
            return range.lowerBound
        } else if let fallback = setting.defaultValue.flatMap({ Int($0) }) {
            value = fallback
        } else {
            self.report(setting, "is required")
            return range.lowerBound
        }
        guard range.contains(value) else {
            self.report(setting, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
            return range.lowerBound
        }
        return value
    }

    mutating func bool(_ setting: Setting) -> Bool {
        let text = self.string(setting)
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default:
            self.report(setting, "'\(text)' is not true or false")
            return false
        }
    }

    /// The non-empty entries of a comma-separated list, without surrounding spaces.
    mutating func list(_ setting: Setting) -> [String] {
        self.string(setting).split(separator: ",").map { entry in
            String(entry.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }.filter { !$0.isEmpty }
    }

    /// A comma-separated list of JIDs, each reduced to its bare JID.
    mutating func bareJIDs(_ setting: Setting) -> Set<JID> {
        var jids: Set<JID> = []
        for text in self.list(setting) {
            guard let jid = try? JID(text) else {
                self.report(setting, "'\(text)' is not a JID")
                continue
            }
            jids.insert(jid.bare)
        }
        return jids
    }

    /// Records a problem; the first one found for a setting is the one reported.
    mutating func report(_ setting: Setting, _ message: String) {
        guard !self.problems.contains(where: { $0.setting == setting }) else { return }
        self.problems.append(ConfigurationError.Problem(setting: setting, message: message))
    }
}
