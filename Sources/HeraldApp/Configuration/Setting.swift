/// One configuration setting: its key in the JSON file, its environment variable, and its documentation.
package struct Setting: Sendable, Hashable {
    /// Dotted key, as in the JSON file (`{"component": {"port": 5347}}` is `component.port`).
    package var key: String
    package var summary: String
    /// The default as text, or nil when the setting is required.
    package var defaultValue: String?
    /// Never logged nor printed.
    package var isSecret: Bool

    package init(_ key: String, _ summary: String, default defaultValue: String? = nil, isSecret: Bool = false) {
        self.key = key
        self.summary = summary
        self.defaultValue = defaultValue
        self.isSecret = isSecret
    }

    /// `HERALD_` and the key in upper snake case, as swift-configuration's environment provider maps it.
    package var environmentVariable: String {
        var name = "HERALD"
        for component in self.key.split(separator: ".") {
            name += "_"
            for character in component {
                if character.isUppercase { name += "_" }
                name += character.uppercased()
            }
        }
        return name
    }
}
