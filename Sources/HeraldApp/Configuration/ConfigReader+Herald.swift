package import Configuration
import FoundationEssentials
import SystemPackage

extension ConfigReader {
    /// Herald's providers: `HERALD_*` environment variables first, then the JSON file if one is given.
    /// `environment` has its secret files read already (`readingSecretFiles`).
    package static func herald(
        environment: [String: String],
        configFile: String?
    ) async throws -> ConfigReader {
        let secrets = Set(HeraldSettings.all.filter(\.isSecret).map(\.environmentVariable))
        let environmentProvider = EnvironmentVariablesProvider(
            environmentVariables: environment,
            secretsSpecifier: .specific(secrets)
        ).prefixKeys(with: ["herald"])
        guard let configFile else {
            return ConfigReader(providers: [environmentProvider])
        }
        let fileProvider = try await FileProvider<JSONSnapshot>(filePath: FilePath(configFile))
        return ConfigReader(providers: [environmentProvider, fileProvider])
    }

    /// Secrets may come from files, as container platforms mount them: `HERALD_X_FILE` names a
    /// file whose content, without its final newline, is the value of the secret `HERALD_X`.
    /// Returns the environment with those values, and a problem for each file that cannot be used.
    static func readingSecretFiles(
        _ environment: [String: String]
    ) -> (environment: [String: String], problems: [ConfigurationError.Problem]) {
        var resolved = environment
        var problems: [ConfigurationError.Problem] = []
        for setting in HeraldSettings.all where setting.isSecret {
            let variable = setting.environmentVariable
            guard let path = environment[variable + "_FILE"] else { continue }
            guard environment[variable] == nil else {
                problems.append(
                    .init(setting: setting, message: "set either \(variable) or \(variable)_FILE, not both")
                )
                continue
            }
            guard let data = try? Data(contentsOf: URL(filePath: path)), var value = String(data: data, encoding: .utf8)
            else {
                problems.append(
                    .init(setting: setting, message: "cannot read the file \(variable)_FILE names: \(path)")
                )
                continue
            }
            if value.hasSuffix("\r\n") {
                value.removeLast(2)
            } else if value.hasSuffix("\n") {
                value.removeLast()
            }
            resolved[variable] = value
        }
        return (resolved, problems)
    }
}
