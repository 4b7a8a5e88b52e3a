import Foundation
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import Postbox

/// The services one running server is made of.
struct ServerDependencies: Sendable {
    let store: PostboxStore
    let accounts: AccountService
}

/// Opens the store with the configured master key, refusing a missing or wrong key.
func openDependencies(_ config: ServerConfiguration) throws -> ServerDependencies {
    let keyRing = try KeyFile.loadKeyRing(path: config.keyFilePath, environment: config.environment)
    guard FileManager.default.fileExists(atPath: config.databasePath) else {
        throw ConfigurationError(
            "no database at \(config.databasePath); run `postbox-server init --data-dir \(config.dataDirectory.path)` first")
    }
    let store = try PostboxStore.open(path: config.databasePath, keyRing: keyRing, configuration: config.store)
    let accounts = try AccountService(
        users: GRDBUserRepository(store: store), hasher: PasswordHasher(strength: config.passwordHashing),
        activationValidity: TimeInterval(config.activationValidityDays) * 86_400)
    return ServerDependencies(store: store, accounts: accounts)
}

/// Builds the router: middleware in order, then every controller.
func buildRouter(_ config: ServerConfiguration, dependencies: ServerDependencies) -> Router<PostboxRequestContext> {
    let router = Router(context: PostboxRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(hstsMaxAge: config.tls.hstsMaxAge))
    router.add(middleware: ClientAddressMiddleware(anonymisation: config.ipAnonymisation))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: BodyLimitMiddleware(maxBytes: config.limits.maxRequestBodyBytes))
    HealthController().addRoutes(to: router)
    ActivationController(accounts: dependencies.accounts).addRoutes(to: router)
    return router
}

/// The one builder: `serve` and every test start the server through it.
///
/// - Parameter onServerRunning: called with the listening channel (tests read the port from it).
func buildApplication(
    _ config: ServerConfiguration,
    logger: Logger,
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let dependencies = try openDependencies(config)
    let tls = try TLSSetup.serverConfiguration(
        certificateFile: config.dataDirectory.file(config.tls.certificateFile),
        privateKeyFile: config.dataDirectory.file(config.tls.privateKeyFile))
    let idle = Duration.seconds(config.limits.idleTimeoutSeconds)
    return Application(
        router: buildRouter(config, dependencies: dependencies),
        server: try .http2Upgrade(
            tlsConfiguration: tls,
            configuration: .init(
                idleTimeout: idle,
                streamConfiguration: .init(idleTimeout: .seconds(Int64(config.limits.idleTimeoutSeconds))))),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        onServerRunning: onServerRunning,
        logger: logger)
}
