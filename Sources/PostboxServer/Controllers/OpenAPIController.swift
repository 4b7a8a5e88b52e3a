import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /openapi.yaml`: the API document, embedded at build time from `Resources/openapi.yaml`.
struct OpenAPIController {
    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            headers[.cacheControl] = "public, max-age=300"
            return Response(
                status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
    }
}
