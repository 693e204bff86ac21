/// A named parameter set for one model type (seed 002); the active one per type is used by forecasts.
public struct ModelParamsRecord: Codable, Sendable, Equatable {
    public var id: Int
    public var modelType: String
    public var name: String
    /// A JSON object.
    public var parameters: String
    public var isActive: Bool
    public var createdAt: String
    public var activatedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, name, parameters
        case modelType = "model_type", isActive = "is_active", createdAt = "created_at", activatedAt = "activated_at"
    }
}
