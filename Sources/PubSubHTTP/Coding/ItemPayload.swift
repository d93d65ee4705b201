import FoundationEssentials
import HTTPTypes
import XMPPCore

/// The payload of an item published over HTTP, and how stored payloads read back.
///
/// XML goes into the item as it is. JSON is carried in a XEP-0335 JSON container,
/// `<json xmlns='urn:xmpp:json:0'>…</json>`, whose text is the body exactly as sent, so an XMPP
/// subscriber gets the backend's JSON byte for byte.
enum ItemPayload {
    static let jsonNamespace = "urn:xmpp:json:0"

    /// The payload element of a request body; throws a 400 or 415 problem when the body is not one.
    static func element(body: [UInt8], contentType: String?, limits: ParserLimits) throws -> XMLElement {
        let mediaType = contentType?.split(separator: ";").first?.filter { $0 != " " }.lowercased()
        switch mediaType {
        case "application/json":
            guard let text = String(validating: body, as: UTF8.self) else {
                throw Problem.badRequest("the body is not UTF-8")
            }
            do {
                _ = try JSONCoding.decoder.decode(JSONValue.self, from: Data(body))
            } catch {
                throw Problem(.badRequest, "malformed-json", "the body is not valid JSON")
            }
            return XMLElement("json", namespace: Self.jsonNamespace, children: [.text(text)])
        case "application/xml", "text/xml":
            guard let text = String(validating: body, as: UTF8.self) else {
                throw Problem.badRequest("the body is not UTF-8")
            }
            do {
                return try XMLStreamParser.parseDocument(text, limits: limits)
            } catch {
                throw Problem(.badRequest, "malformed-xml", "the body is not one well-formed XML element: \(error)")
            }
        default:
            throw Problem(
                .unsupportedMediaType,
                "unsupported-media-type",
                "send the payload as application/xml or application/json"
            )
        }
    }
}
