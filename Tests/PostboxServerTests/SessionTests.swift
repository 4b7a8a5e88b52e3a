import Foundation
import NIOPosix
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Sessions, lockout and consent over TLS")
struct SessionTests {
    @Test func activateLoginMeLogout() async throws {
        try await TestServer.run { server in
            let code = server.initialisation.activationCode
            let activated = try await server.client.sendJSON(
                .POST, server.url("/v1/activate"),
                ["login": "admin", "activationCode": code, "password": TestServer.adminPassword])
            #expect(activated.status == 200)

            let login = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            #expect(login.status == 201)
            let body = try login.json()
            let token = try #require(body["token"] as? String)
            #expect(token.count == 43)
            #expect(body["csrfToken"] is String)
            #expect(body["expiresAt"] is String)
            #expect((body["user"] as? [String: Any])?["login"] as? String == "admin")
            let cookies = login.headers.filter { $0.0.lowercased() == "set-cookie" }.map(\.1)
            let sessionCookie = try #require(cookies.first { $0.hasPrefix("__Host-postbox=") })
            for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
                #expect(sessionCookie.contains(attribute), "cookie has \(attribute)")
            }

            let me = try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(token))
            #expect(me.status == 200)
            let meBody = try me.json()
            #expect(meBody["login"] as? String == "admin")
            #expect(meBody["role"] as? String == "admin")
            #expect(meBody["displayName"] as? String == "Administrator")
            #expect(meBody["consentRequired"] as? String == server.config.termsVersion)
            #expect(meBody["consentAccepted"] is NSNull)

            let logout = try await server.client.send(.DELETE, server.url("/v1/session"), headers: server.bearer(token))
            #expect(logout.status == 204)
            let after = try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(token))
            #expect(after.status == 401)
            #expect(after.header("www-authenticate")?.hasPrefix("Bearer") == true)
            #expect(try await server.client.send(.GET, server.url("/v1/me")).status == 401)
        }
    }

    @Test func cookieSessionsNeedTheCSRFHeaderToChangeState() async throws {
        try await TestServer.run { server in
            _ = try await server.adminToken()
            let login = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            let token = try #require(try login.json()["token"] as? String)
            let csrf = try #require(try login.json()["csrfToken"] as? String)
            let cookie = [("Cookie", "__Host-postbox=\(token)")]

            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: cookie).status == 200)
            let withoutCSRF = try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": server.config.termsVersion], headers: cookie)
            #expect(withoutCSRF.status == 403)
            #expect(try withoutCSRF.json()["type"] as? String == "urn:postbox:problem:csrf-failed")
            let wrongCSRF = try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": server.config.termsVersion],
                headers: cookie + [("X-CSRF-Token", "AAAA")])
            #expect(wrongCSRF.status == 403)
            let withCSRF = try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": server.config.termsVersion],
                headers: cookie + [("X-CSRF-Token", csrf)])
            #expect(withCSRF.status == 204)
        }
    }

    @Test func unknownLoginAndWrongPasswordLookTheSame() async throws {
        try await TestServer.run { server in
            _ = try await server.adminToken()
            let wrong = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": "not the password at all"])
            let unknown = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "ghost", "password": "not the password at all"])
            #expect(wrong.status == 401)
            #expect(unknown.status == 401)
            #expect(wrong.body == unknown.body)
            #expect(try wrong.json()["type"] as? String == "urn:postbox:problem:invalid-credentials")
        }
    }

    /// `Authorization: Bearer`: the scheme's name in any case, blanks around the token ignored;
    /// another scheme, no token or no blank after the name is no session.
    @Test func theBearerSchemeIsReadInAnyCaseAndNothingElseIs() async throws {
        try await TestServer.run { server in
            let token = try await server.adminToken()
            for header in ["Bearer \(token)", "bearer \(token)", "BEARER   \(token) \t", "bEaReR \t\(token)"] {
                let me = try await server.client.send(.GET, server.url("/v1/me"), headers: [("Authorization", header)])
                #expect(me.status == 200, "\(header.replacingOccurrences(of: token, with: "TOKEN"))")
            }
            for header in ["Basic \(token)", "Bearer\(token)", "Bearer ", "Bearer", "Bearer x\(token)", "Bearers \(token)"] {
                let me = try await server.client.send(.GET, server.url("/v1/me"), headers: [("Authorization", header)])
                #expect(me.status == 401, "\(header.replacingOccurrences(of: token, with: "TOKEN"))")
            }
        }
    }

    @Test func fiveFailuresLockTheLoginUntilTheLockTimeHasPassed() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let other = try await server.makeUser("clerk", role: "advisor", adminToken: admin)
            _ = other
            for _ in 0..<5 {
                let failed = try await server.client.sendJSON(
                    .POST, server.url("/v1/session"), ["login": "admin", "password": "wrong password here"])
                #expect(failed.status == 401)
            }
            let locked = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            #expect(locked.status == 429)
            #expect(locked.header("retry-after") == "900")
            #expect(try locked.json()["type"] as? String == "urn:postbox:problem:too-many-requests")

            // Another user behind the same (shortened) address is not locked out.
            #expect(try await server.login("clerk", "passphrase of clerk 1").isEmpty == false)

            server.clock.advance(by: 600)
            let stillLocked = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            #expect(stillLocked.status == 429)
            #expect(stillLocked.header("retry-after") == "300")

            server.clock.advance(by: 301)
            let released = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            #expect(released.status == 201)
        }
    }

    /// A login that finds the password-hashing pool full is answered 503 `server-busy` with
    /// Retry-After at once: nothing is checked, so it neither counts as a failure towards the
    /// lock nor leaves a failed-login event; the same login succeeds once there is room.
    @Test func aLoginFindingTheHashingPoolFullIsRefusedWith503AndCountsForNothing() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let pool = HashingPool(threads: threads, capacity: 1)
        try await TestServer.run(configure: { $0.hashingPool = pool }) { server in
            let admin = try await server.adminToken()
            let held = DispatchSemaphore(value: 0)
            defer { held.signal() }  // never leave the pool's thread blocked, whatever fails
            let holder = Task { try await pool.run { held.wait() } }
            while pool.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }

            for _ in 0..<6 {  // more than the five failures that would lock the login
                let busy = try await server.client.sendJSON(
                    .POST, server.url("/v1/session"), ["login": "admin", "password": "wrong password here"])
                #expect(busy.status == 503)
                #expect(busy.header("retry-after") == "1")
                #expect(busy.header("content-type") == "application/problem+json")
                #expect(try busy.json()["type"] as? String == "urn:postbox:problem:server-busy")
            }
            held.signal()
            try await holder.value

            func failedLogins() async throws -> Int? {
                let events = try await server.client.send(
                    .GET, server.url("/v1/audit?action=session.login-failed"), headers: server.bearer(admin))
                return (try events.json()["items"] as? [Any])?.count
            }
            #expect(try await failedLogins() == 0)
            // With room again, the same wrong password is checked, refused and recorded.
            let wrong = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": "wrong password here"])
            #expect(wrong.status == 401)
            #expect(try await failedLogins() == 1)
            let login = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": TestServer.adminPassword])
            #expect(login.status == 201)
        }
        try await threads.shutdownGracefully()
    }

    @Test func sessionsExpireWhenIdleAndAfterTheAbsoluteLimit() async throws {
        try await TestServer.run { server in
            let idle = try await server.adminToken()
            server.clock.advance(by: 29 * 60)
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(idle)).status == 200)
            server.clock.advance(by: 31 * 60)
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(idle)).status == 401)

            let busy = try await server.login("admin", TestServer.adminPassword)
            for _ in 0..<(12 * 3 - 1) {
                server.clock.advance(by: 20 * 60)
                #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(busy)).status == 200)
            }
            server.clock.advance(by: 21 * 60)
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(busy)).status == 401)
        }
    }

    @Test func consentIsRecordedAndWithdrawalEndsAccess() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let member = try await server.makeUser("maria", role: "member", adminToken: admin, acceptTerms: false)
            let old = try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": "1999-01"], headers: server.bearer(member.token))
            #expect(old.status == 422)
            let accept = try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": server.config.termsVersion],
                headers: server.bearer(member.token))
            #expect(accept.status == 204)
            let me = try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(member.token))
            #expect(try me.json()["consentAccepted"] as? String == server.config.termsVersion)

            let withdraw = try await server.client.send(
                .DELETE, server.url("/v1/me/consent"), headers: server.bearer(member.token))
            #expect(withdraw.status == 204)
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(member.token)).status == 401)
            let relogin = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "maria", "password": "passphrase of maria 1"])
            #expect(relogin.status == 401)
        }
    }
}
