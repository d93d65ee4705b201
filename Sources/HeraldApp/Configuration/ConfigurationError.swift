/// Every bad setting found at start, so an operator fixes them in one pass.
package struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    package struct Problem: Sendable, Hashable {
        package var setting: Setting
        package var message: String

        package init(setting: Setting, message: String) {
            self.setting = setting
            self.message = message
        }
    }

    package var problems: [Problem]

    package var description: String {
        let lines = self.problems.map { "  \($0.setting.environmentVariable) (\($0.setting.key)): \($0.message)" }
        return (["invalid configuration:"] + lines).joined(separator: "\n")
    }
}
