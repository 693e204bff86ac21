import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Workflows

/// Turns what the router could not route into JSON errors: an unknown path is a 404, a known path with
/// another method is a 405 with `Allow`; any other unexpected error becomes a JSON 500 that is logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext
    let registry: RouteRegistry

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as WorkflowError {
            throw APIError(error)
        } catch let error as HTTPError where error.status == .notFound {
            let allowed = registry.methods(matching: request.uri.path)
            if !allowed.isEmpty {
                var names = allowed.map(\.rawValue)
                if names.contains("GET") && !names.contains("HEAD") { names.append("HEAD") }
                throw APIError(
                    .methodNotAllowed, "method \(request.method.rawValue) not allowed on \(request.uri.path); allowed: \(names.joined(separator: ", "))",
                    headers: [.allow: names.joined(separator: ", ")])
            }
            throw APIError(.notFound, "no route for \(request.method.rawValue) \(request.uri.path.prefix(200))")
        } catch let error as HTTPError {
            throw APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        } catch is NIOTooManyBytesError {
            // A body without Content-Length (chunked) that passed the route's limit while being collected:
            // the same 413 as a declared length over it (before, a 500). The error's maxBytes is what was
            // left of the limit when it tripped, not the limit, so it is not quoted.
            throw APIError(.contentTooLarge, "request body is larger than the limit for \(request.uri.path.prefix(100))")
        } catch let error as HTTPParserError {
            // The connection's bytes did not make the request they announced: a client error, not a 500.
            if case .invalidEOFState = error {
                throw APIError(.badRequest, "the request body ended before its declared Content-Length")
            }
            throw APIError(.badRequest, "malformed HTTP request (\(error))")
        } catch let error as DecodingError {
            throw APIError(.badRequest, JSONBody.describe(error))
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "request.id": "\(context.requestID)"])
            throw APIError(.internalServerError, "internal error (request id \(context.requestID))")
        }
    }
}

/// Gives each request an id (or keeps a sane `X-Request-ID` from the client), logs it, and echoes it back.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[.init("X-Request-ID")!], given.count <= 64,
           given.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            context.requestID = given
        } else {
            context.requestID = UUID().uuidString.lowercased()
        }
        context.logger[metadataKey: "request.id"] = .string(context.requestID)
        do {
            var response = try await next(request, context)
            response.headers[.init("X-Request-ID")!] = context.requestID
            return response
        } catch let error as APIError {
            var error = error
            error.headers[.init("X-Request-ID")!] = context.requestID
            throw error
        }
    }
}
