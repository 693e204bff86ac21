/// What every fitted forecasting model reports about itself.
public struct ModelSummary: Sendable, Equatable, Codable {
    /// Short name of the chosen form, e.g. "ETS(A,Ad,A)" or "ARIMA(1,1,1)(0,1,1)[7]".
    public var form: String
    /// Named fitted parameters.
    public var parameters: [String: Double]
    /// Log-likelihood and information criteria, when the model is fitted by maximum likelihood.
    public var criteria: InformationCriteria?
    /// Free-text notes, e.g. why a simpler form was used.
    public var notes: [String]

    public init(form: String, parameters: [String: Double], criteria: InformationCriteria?, notes: [String] = []) {
        self.form = form
        self.parameters = parameters
        self.criteria = criteria
        self.notes = notes
    }
}

/// A fitted model that can forecast the steps after the end of its training series.
public protocol FittedForecaster: Sendable {
    var summary: ModelSummary { get }
    /// Forecasts `horizon` steps ahead with intervals at `levels` (percent, e.g. [80, 95]).
    func forecast(horizon: Int, levels: [Double]) -> Forecast
}
