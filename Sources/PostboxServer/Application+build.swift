import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import Postbox
import ServiceLifecycle

/// The services one running server is made of.
struct ServerDependencies: Sendable {
    let store: PostboxStore
    let accounts: AccountService
    let sessions: SessionService
    let audit: any AuditLog
    let references: ReferenceService
    let tickets: TicketService
    let reviews: ReviewService
    let subjects: SubjectService
    let attachments: AttachmentService
    let metrics: ServerMetrics
    /// Thread pages already written; emptied whenever this process deletes messages or tickets.
    let pages: MessagePageCache
}

/// Opens the store with the configured master key, refusing a missing or wrong key.
///
/// - Parameters:
///   - now: the clock for everything that expires; tests pass one they advance.
///   - metrics: where logins and flags are counted (`serve` passes the process's registry).
func openDependencies(
    _ config: ServerConfiguration, now: @escaping Now = systemNow, metrics: ServerMetrics = ServerMetrics()
) throws -> ServerDependencies {
    let keyRing = try KeyFile.loadKeyRing(path: config.keyFilePath, environment: config.environment)
    guard FileManager.default.fileExists(atPath: config.databasePath) else {
        throw ConfigurationError(
            "no database at \(config.databasePath); run `postbox-server init --data-dir \(config.dataDirectory.path)` first"
        )
    }
    let (keyPath, environment) = (config.keyFilePath, config.environment)
    let store = try PostboxStore.open(
        path: config.databasePath, keyRing: keyRing, configuration: config.store,
        reloadKeyRing: { try KeyFile.loadKeyRing(path: keyPath, environment: environment) })
    let audit = GRDBAuditLog(store: store, now: now)
    let accounts = try makeAccountService(store: store, config: config, now: now)
    let sessions = SessionService(
        accounts: accounts, sessions: GRDBSessionRepository(store: store, now: now), audit: audit,
        throttle: LoginThrottle(settings: config.loginThrottle), systemKeys: store.systemKeys,
        settings: config.sessions, metrics: metrics.core, now: now)
    let referenceRepository = GRDBReferenceRepository(store: store, now: now)
    let screener = EntryScreener(settings: config.specialCategories, metrics: metrics.core)
    let references = ReferenceService(
        references: referenceRepository, users: GRDBUserRepository(store: store, now: now), audit: audit,
        settings: config.tickets, screener: screener, now: now)
    let ticketRepository = GRDBTicketRepository(store: store, now: now)
    let limiter = WriteRateLimiter(settings: config.rateLimits)
    let tickets = TicketService(
        tickets: ticketRepository, references: referenceRepository, audit: audit,
        settings: config.tickets, screener: screener, limiter: limiter, termsVersion: config.termsVersion, now: now)
    let attachments = AttachmentService(
        attachments: GRDBAttachmentRepository(store: store, now: now), tickets: ticketRepository, audit: audit,
        settings: config.attachments, screener: screener, limiter: limiter, termsVersion: config.termsVersion, now: now)
    let reviews = ReviewService(reviews: GRDBReviewRepository(store: store, now: now))
    let pages = MessagePageCache(settings: config.pageCache)
    store.afterDeletingMessages { pages.removeAll() }
    return ServerDependencies(
        store: store, accounts: accounts, sessions: sessions, audit: audit, references: references, tickets: tickets,
        reviews: reviews, subjects: makeSubjectService(store: store, config: config, now: now), attachments: attachments,
        metrics: metrics, pages: pages)
}

/// The data-subject rights over `store` with the configured notice and retention.
func makeSubjectService(store: PostboxStore, config: ServerConfiguration, now: @escaping Now = systemNow)
    -> SubjectService
{
    SubjectService(
        subjects: GRDBSubjectRepository(store: store, now: now), audit: GRDBAuditLog(store: store, now: now),
        notice: config.privacy, retention: config.retention, now: now)
}

/// The account service over `store` with the configured hashing strength and activation validity.
func makeAccountService(store: PostboxStore, config: ServerConfiguration, now: @escaping Now = systemNow) throws
    -> AccountService
{
    try AccountService(
        users: GRDBUserRepository(store: store, now: now),
        organisations: GRDBOrganisationRepository(store: store, now: now),
        hasher: PasswordHasher(strength: config.passwordHashing, pool: config.hashingPool),
        activationValidity: TimeInterval(config.activationValidityDays) * 86_400, now: now)
}

/// Builds the router: middleware in order, then every controller.
func buildRouter(_ config: ServerConfiguration, dependencies: ServerDependencies) -> Router<PostboxRequestContext> {
    let router = Router(context: PostboxRequestContext.self)
    // Outermost, so that every answer is counted with the status the client got.
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(hstsMaxAge: config.tls.hstsMaxAge))
    router.add(middleware: ClientAddressMiddleware(anonymisation: config.ipAnonymisation))
    router.add(middleware: ProblemMiddleware())
    let routes = RouteTable()
    let organisations = OrganisationNames(store: dependencies.store)
    router.add(middleware: MethodNotAllowedMiddleware(table: routes))
    router.add(
        middleware: BodyLimitMiddleware(
            maxBytes: config.limits.maxRequestBodyBytes, uploadMaxBytes: config.attachments.maxBytes))
    router.add(
        middleware: AuthenticationMiddleware(
            sessions: dependencies.sessions, staffClientCertificates: config.tls.staffClientCertificates))
    HealthController().addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    MetricsController(metrics: dependencies.metrics, databasePath: config.databasePath, requiresAdmin: true)
        .addRoutes(to: router)
    ActivationController(accounts: dependencies.accounts).addRoutes(to: router)
    SessionController(
        sessions: dependencies.sessions, accounts: dependencies.accounts, termsVersion: config.termsVersion
    )
    .addRoutes(to: router)
    UserController(accounts: dependencies.accounts, audit: dependencies.audit).addRoutes(to: router)
    OrganisationController(accounts: dependencies.accounts).addRoutes(to: router)
    AuditController(audit: dependencies.audit).addRoutes(to: router)
    ReferenceController(references: dependencies.references, organisations: organisations).addRoutes(to: router)
    TicketController(tickets: dependencies.tickets, organisations: organisations, pages: dependencies.pages)
        .addRoutes(to: router)
    ClassificationController(maxLength: config.tickets.text.bodyMaxLength).addRoutes(to: router)
    ReviewController(reviews: dependencies.reviews, organisations: organisations).addRoutes(to: router)
    SubjectController(subjects: dependencies.subjects).addRoutes(to: router)
    AttachmentController(attachments: dependencies.attachments, organisations: organisations).addRoutes(to: router)
    routes.load(router.routes)
    return router
}

/// The one builder: `serve` and every test start the server through it.
///
/// - Parameters:
///   - metrics: the server's figures; `serve` passes the registry it made swift-metrics' backend.
///   - onServerRunning: called with the listening channel (tests read the port from it).
func buildApplication(
    _ config: ServerConfiguration,
    logger: Logger,
    now: @escaping Now = systemNow,
    metrics: ServerMetrics = ServerMetrics(),
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let dependencies = try openDependencies(config, now: now, metrics: metrics)
    let tls = try TLSSetup.serverConfiguration(
        certificateFile: config.dataDirectory.file(config.tls.certificateFile),
        privateKeyFile: config.dataDirectory.file(config.tls.privateKeyFile),
        clientCAFile: config.tls.staffClientCertificates ? config.dataDirectory.file(config.tls.caFile) : nil)
    let idle = Duration.seconds(config.limits.idleTimeoutSeconds)
    var services: [any Service] = [
        CheckpointService(checkpointer: try dependencies.store.makeCheckpointer()),
        PageCacheSweeper(cache: dependencies.pages),
    ]
    if config.retention.purgeIntervalMinutes > 0 {
        services.append(
            RetentionService(
                subjects: dependencies.subjects, audit: dependencies.audit,
                interval: .seconds(config.retention.purgeIntervalMinutes * 60), logger: logger))
    }
    if let port = config.metricsPort {
        services.append(metricsListener(port: port, config: config, metrics: metrics, logger: logger))
    }
    return Application(
        router: buildRouter(config, dependencies: dependencies),
        server: HTTPServerBuilder { responder in
            HandshakeTimeoutChannel(
                base: try HTTP2UpgradeChannel(
                    tlsConfiguration: tls,
                    configuration: .init(
                        idleTimeout: idle,
                        streamConfiguration: .init(idleTimeout: .seconds(Int64(config.limits.idleTimeoutSeconds)))),
                    responder: responder),
                timeout: .seconds(Int64(config.limits.handshakeTimeoutSeconds)))
        },
        configuration: .init(
            address: .hostname(config.host, port: config.port), serverName: nil,
            availableConnectionsDelegate: .maximum(config.limits.maxConnections, logger: logger)),
        services: services,
        onServerRunning: onServerRunning,
        logger: logger)
}

/// The loopback-only listener for a Prometheus scraper on the same machine: `GET /metrics` and
/// nothing else, without a session (an admin session expires; a scraper runs for months). Plain
/// HTTP on 127.0.0.1 only: the figures hold no personal data and never leave the machine
/// (docs/decisions.md).
func metricsListener(port: Int, config: ServerConfiguration, metrics: ServerMetrics, logger: Logger)
    -> some ApplicationProtocol
{
    let router = Router(context: PostboxRequestContext.self)
    MetricsController(metrics: metrics, databasePath: config.databasePath, requiresAdmin: false).addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
        onServerRunning: { channel in
            logger.notice(
                "metrics listening", metadata: ["url": "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/metrics"])
        },
        logger: logger)
}
