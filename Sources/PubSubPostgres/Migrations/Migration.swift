import FoundationEssentials

/// One numbered schema change, read from `Schemas/NNNN_name.sql`.
package struct Migration: Sendable, Hashable {
    package var version: Int
    package var name: String
    package var sql: String

    /// Reads every `NNNN_name.sql` in `directory`, ordered by version; refuses gaps in the naming and duplicate versions.
    package static func load(from directory: String) throws(MigrationError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw MigrationError.unreadableDirectory(directory)
        }
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]), version > 0 else {
                throw MigrationError.badFileName(file)
            }
            guard let data = FileManager.default.contents(atPath: directory + "/" + file),
                let sql = String(data: data, encoding: .utf8)
            else { throw MigrationError.unreadableFile(file) }
            migrations.append(
                Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
            )
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }
}

/// Why the migrations could not be read.
package enum MigrationError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadableDirectory(String)
    case unreadableFile(String)
    case badFileName(String)
    case duplicateVersion(Int)

    package var description: String {
        switch self {
        case .unreadableDirectory(let path): "cannot read the schema directory \(path)"
        case .unreadableFile(let file): "cannot read the migration \(file)"
        case .badFileName(let file): "migration \(file) is not named NNNN_name.sql"
        case .duplicateVersion(let version): "two migrations have version \(version)"
        }
    }
}
