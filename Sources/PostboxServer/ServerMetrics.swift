import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Postbox
import Prometheus

/// One server's figures in Prometheus' text format: requests and their latency (Hummingbird's
/// `MetricsMiddleware`), logins and special-category flags (``PostboxMetrics``), and the size of
/// the store, read when the figures are asked for.
///
/// Nothing in them identifies a person: request series are labelled by route pattern
/// (`/v1/tickets/{id}`), method and status, never by path, address or account.
struct ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let core: PostboxMetrics
    private let databaseBytes: Prometheus.Gauge
    private let walBytes: Prometheus.Gauge

    init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Most answers take a few milliseconds; the library's buckets start at 5 ms.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        // Hummingbird's request counters under the names Prometheus users look for.
        factory.nameAndLabelSanitizer = { name, labels in
            switch name {
            case "hb.requests": ("http_server_requests_total", labels)
            case "hb.request.errors": ("http_server_request_errors_total", labels)
            default: (name, labels)
            }
        }
        self.registry = registry
        self.factory = factory
        self.core = PostboxMetrics(factory: factory)
        // `postbox_store_bytes`, one series per file.
        let storeBytes = MetricNameDescriptor(
            namespace: "postbox", metricName: "store", unitName: "bytes",
            helpText: "Size of the SQLite database file and of its write-ahead log, in bytes")
        databaseBytes = registry.makeGauge(descriptor: storeBytes, labels: [("file", "database")])
        walBytes = registry.makeGauge(descriptor: storeBytes, labels: [("file", "wal")])
    }

    /// The exposition text, with the store's size as it is now.
    func exposition(databasePath: String) -> [UInt8] {
        databaseBytes.set(Self.fileSize(databasePath))
        walBytes.set(Self.fileSize(databasePath + "-wal"))
        return registry.emitToBuffer()
    }

    private static func fileSize(_ path: String) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// `GET /metrics`: the figures for admins (and, when configured, on a loopback-only listener).
struct MetricsController {
    let metrics: ServerMetrics
    let databasePath: String
    /// Whether the caller must be an admin (the API listener) or is trusted as local (the loopback one).
    let requiresAdmin: Bool

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.get("/metrics") { _, context in
            if requiresAdmin { try ReadMetricsRule().require(try context.requirePrincipal()) }
            var headers = HTTPFields()
            headers[.contentType] = Self.contentType
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(databasePath: databasePath))))
        }
    }
}
