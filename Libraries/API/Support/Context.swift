public import Hummingbird
import NIOCore

/// Per-request state: the request id that follows a job from upload to forecast, the caller's address and key.
public struct AlmanacContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var remoteAddress: String
    public var apiKeyHash: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// JSON bodies are small; uploads are streamed by their own route and never collected.
    public var maxUploadSize: Int { 4 * 1024 * 1024 }
}
