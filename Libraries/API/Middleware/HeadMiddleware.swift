import Hummingbird

/// `HEAD` answers as `GET` does, without a body. The router runs a GET route's handler for HEAD
/// (`RouterOptions.autoGenerateHeadEndpoints`) and drops its body; this middleware, outermost, drops the body of
/// the errors too (401, 404, 405…), which the router renders after every middleware has run.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        do {
            return try await next(request, context).createHeadResponse()
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context).createHeadResponse()
        }
    }
}
