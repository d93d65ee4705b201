/// An XMPP address (RFC 7622): `[localpart@]domainpart[/resourcepart]`.
///
/// Parts are stored normalized: localpart and domainpart case-folded (the lowercase
/// approximation of the PRECIS UsernameCaseMapped and IDNA mappings), a trailing dot
/// removed from the domain; the resource keeps its case (OpaqueString). Swift string
/// equality is canonical-equivalence, which covers the NFC step of the profiles.
package struct JID: Sendable, Hashable, CustomStringConvertible {
    package let localpart: String?
    package let domainpart: String
    package let resourcepart: String?

    /// Each part is at most 1023 bytes of UTF-8 (RFC 7622 §3.2–3.4).
    package static let maxPartBytes = 1023

    package init(localpart: String? = nil, domainpart: String, resourcepart: String? = nil) throws(JIDError) {
        let domain = domainpart.hasSuffix(".") ? String(domainpart.dropLast()) : domainpart
        self.domainpart = domain.lowercased()
        self.localpart = localpart?.lowercased()
        self.resourcepart = resourcepart
        try self.validate()
    }

    /// Parses a JID string per RFC 7622 §3.1: the first `/` starts the resource, the first `@` before it ends the localpart.
    package init(_ string: String) throws(JIDError) {
        var rest = Substring(string)
        var resource: Substring?
        if let slash = rest.firstIndex(of: "/") {
            resource = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var local: Substring?
        if let at = rest.firstIndex(of: "@") {
            local = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        try self.init(
            localpart: local.map(String.init),
            domainpart: String(rest),
            resourcepart: resource.map(String.init)
        )
    }

    /// The JID without its resource.
    package var bare: JID {
        // The parts were validated already, so this cannot fail.
        try! JID(localpart: self.localpart, domainpart: self.domainpart)
    }

    package var isBare: Bool { self.resourcepart == nil }

    package var description: String {
        var result = ""
        if let localpart = self.localpart { result += localpart + "@" }
        result += self.domainpart
        if let resourcepart = self.resourcepart { result += "/" + resourcepart }
        return result
    }

    private func validate() throws(JIDError) {
        try Self.check(self.domainpart, part: .domainpart)
        if let localpart = self.localpart {
            try Self.check(localpart, part: .localpart)
            // RFC 7622 §3.3.1: characters excluded from localparts.
            if localpart.unicodeScalars.contains(where: {
                Self.isWhitespace($0) || Self.localpartExcluded.contains($0)
            }) {
                throw JIDError(.forbiddenCharacter, part: .localpart)
            }
        }
        if let resourcepart = self.resourcepart {
            try Self.check(resourcepart, part: .resourcepart)
        }
        if self.domainpart.unicodeScalars.contains(where: {
            Self.isWhitespace($0) || Self.domainExcluded.contains($0)
        }) {
            throw JIDError(.forbiddenCharacter, part: .domainpart)
        }
        let isIPv6Literal = self.domainpart.hasPrefix("[") && self.domainpart.hasSuffix("]")
        if !isIPv6Literal {
            for label in self.domainpart.split(separator: ".", omittingEmptySubsequences: false) {
                if label.isEmpty || label.utf8.count > 63 {
                    throw JIDError(.invalidDomain, part: .domainpart)
                }
            }
        }
    }

    private static func check(_ part: String, part kind: JIDError.Part) throws(JIDError) {
        if part.isEmpty { throw JIDError(.emptyPart, part: kind) }
        if part.utf8.count > Self.maxPartBytes { throw JIDError(.partTooLong, part: kind) }
        if part.unicodeScalars.contains(where: Self.isControl) {
            throw JIDError(.forbiddenCharacter, part: kind)
        }
    }

    // Every stanza's addresses are parsed, and nearly all are ASCII: these answer for ASCII
    // without the Unicode property tables, which cost more than the rest of a JID's parsing.

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar.value < 0x20 || scalar.value == 0x7F : scalar.properties.generalCategory == .control
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
    }

    private static let localpartExcluded: Set<Unicode.Scalar> = ["\"", "&", "'", "/", ":", "<", ">", "@"]
    private static let domainExcluded: Set<Unicode.Scalar> = ["@", "/", "\"", "&", "'", "<", ">"]
}

/// Why a string is not a valid JID.
package struct JIDError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Reason: Sendable, Hashable {
        case emptyPart
        case partTooLong
        case forbiddenCharacter
        case invalidDomain
    }

    package enum Part: String, Sendable, Hashable {
        case localpart, domainpart, resourcepart
    }

    package var reason: Reason
    package var part: Part

    package init(_ reason: Reason, part: Part) {
        self.reason = reason
        self.part = part
    }

    package var description: String { "invalid JID: \(self.reason) in \(self.part.rawValue)" }
}
