import Hummingbird
import Workflows

/// What a panel is given to render: the runtime (store, queue) and the page's request.
struct PanelContext: Sendable {
    let runtime: AlmanacRuntime
    let request: Request
    var query: QueryParams { get throws { try QueryParams(request) } }
    /// The category the page is about (category page only).
    let category: String?
}

/// One section of a dashboard page. Pages render their panels in order; a panel answers nil when it
/// has nothing to show (e.g. a feature whose data the store does not hold), and the page leaves it out.
protocol DashboardPanel: Sendable {
    var id: String { get }
    var title: String { get }
    func render(_ context: PanelContext) async throws -> HTML?
}

extension DashboardPanel {
    func section(_ context: PanelContext) async throws -> HTML? {
        guard let content = try await render(context) else { return nil }
        return Page.section(id: id, title: title, content)
    }
}
