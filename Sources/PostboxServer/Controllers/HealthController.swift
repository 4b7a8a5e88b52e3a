import Hummingbird
import Logging

/// `GET /health`: liveness without authentication; reveals nothing about the data.
struct HealthController {
    struct Health: ResponseEncodable {
        let status: String
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.get("/health") { _, _ in Health(status: "ok") }
    }
}
