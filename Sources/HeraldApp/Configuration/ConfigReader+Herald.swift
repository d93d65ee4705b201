package import Configuration
import SystemPackage

extension ConfigReader {
    /// Herald's providers: `HERALD_*` environment variables first, then the JSON file if one is given.
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
}
