import Hummingbird
import Logging
import Postbox

/// The one place errors become HTTP: RFC 9457 problem+json with a stable type.
///
/// Unknown errors are answered with a generic 500; the log line names only the error's type,
/// never its description (which may carry content).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            if let problem = Problem.from(error) {
                if problem.status >= 500 {
                    context.logger.error(
                        "request failed",
                        metadata: ["error.type": "\(type(of: error))", "problem.type": "\(problem.type)"])
                }
                return problem.response()
            }
            var metadata: Logger.Metadata = ["error.type": "\(String(reflecting: type(of: error)))"]
            for (key, value) in storeDiagnostics(error) { metadata[key] = "\(value)" }
            context.logger.error("unexpected error", metadata: metadata)
            return Problem.internalError.response()
        }
    }
}
