import FoundationEssentials
import HTTPTypes
import Hummingbird

extension StoredResponse {
    var response: Response {
        var headers = HTTPFields()
        if let contentType = self.contentType { headers[.contentType] = contentType }
        if let location = self.location { headers[.location] = location }
        return Response(
            status: HTTPResponse.Status(code: self.status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.body))
        )
    }

    /// A JSON response of `value`.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, location: String? = nil) throws -> Self
    {
        StoredResponse(
            status: status.code,
            contentType: "application/json",
            location: location,
            body: try JSONCoding.encoder.encode(value)
        )
    }

    static let noContent = StoredResponse(status: 204, contentType: nil, location: nil, body: Data())
}
