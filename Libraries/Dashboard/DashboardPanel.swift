public import Workflows

/// What a panel is given to render: the runtime (store, queue) and the category the page is about.
public struct PanelContext: Sendable {
    public let runtime: AlmanacRuntime
    /// The category the page is about (category page only).
    public let category: String?

    public init(runtime: AlmanacRuntime, category: String?) {
        self.runtime = runtime
        self.category = category
    }
}

/// The signed-in dashboard session's CSRF token while a page renders (set by the API's access middleware):
/// the pages put it in their forms and their script's header. Nil for a page reached with an API key.
public enum DashboardSigning {
    @TaskLocal public static var csrfToken: String?
}

/// One section of a dashboard page. Pages render their panels in order; a panel answers nil when it
/// has nothing to show (e.g. a feature whose data the store does not hold), and the page leaves it out.
public protocol DashboardPanel: Sendable {
    var id: String { get }
    var title: String { get }
    func render(_ context: PanelContext) async throws -> HTML?
}

extension DashboardPanel {
    public func section(_ context: PanelContext) async throws -> HTML? {
        guard let content = try await render(context) else { return nil }
        return Page.section(id: id, title: title, content)
    }
}
