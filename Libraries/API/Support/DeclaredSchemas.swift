import Store

/// An answer written as a dictionary, its schema declared by hand (``SchemaDescribing``); never decoded.
protocol DeclaredSchema: Decodable, Sendable, SchemaDescribing {}

extension DeclaredSchema {
    init(from decoder: any Decoder) throws { throw JSONSchemaReflection.ReflectionError() }
}

/// A list of `Item`s.
struct SchemaArray<Item: DeclaredSchema>: DeclaredSchema {
    static var jsonSchema: [String: Any] { ["type": "array", "items": Item.jsonSchema] }
}

/// The job answers, written as dictionaries because their `payload` and `result` are the jobs' own JSON; their
/// schemas are declared here by hand, and the answer test and schemathesis hold the handlers to them.
struct JobAnswerSchema: DeclaredSchema {
    /// `GET /jobs/{id}` (and each item of `GET /jobs`): `JobRoutes.view`.
    static var jsonSchema: [String: Any] {
        let string: [String: Any] = ["type": "string"], nullableString: [String: Any] = ["type": ["string", "null"]]
        let anyJSON: [String: Any] = [:]
        return [
            "type": "object",
            "required": ["job_id", "id", "type", "queue", "status", "progress", "attempts", "payload", "result", "error",
                         "request_id", "created_at", "updated_at", "started_at", "finished_at"],
            "properties": [
                "job_id": string, "id": string, "type": string, "queue": string,
                "status": ["type": "string", "enum": JobStatus.allCases.map(\.rawValue)] as [String: Any],
                "progress": ["type": "number"] as [String: Any], "attempts": ["type": "integer"] as [String: Any],
                "payload": anyJSON, "result": anyJSON, "error": nullableString, "request_id": nullableString,
                "created_at": string, "updated_at": string, "started_at": nullableString, "finished_at": nullableString,
            ] as [String: Any],
        ]
    }
}


/// Seed 002's job (`Seed002Routes.details`, and a training run's `trainingDetails`) and its list.
struct Seed002JobSchema: DeclaredSchema {
    static var jsonSchema: [String: Any] {
        let string: [String: Any] = ["type": "string"]
        return [
            "type": "object", "required": ["job_id", "job_type", "status", "created_at", "updated_at", "progress", "error", "result"],
            "properties": [
                "job_id": string, "job_type": string,
                "status": ["type": "string", "enum": ["pending", "running", "completed", "failed"]] as [String: Any],
                "created_at": string, "updated_at": string, "progress": ["type": "number"] as [String: Any],
                "error": ["type": ["string", "null"]] as [String: Any], "result": [String: Any](),
            ] as [String: Any],
        ]
    }
}

struct Seed002JobListSchema: DeclaredSchema {
    static var jsonSchema: [String: Any] {
        ["type": "object", "required": ["jobs", "total"],
         "properties": ["jobs": ["type": "array", "items": Seed002JobSchema.jsonSchema] as [String: Any], "total": ["type": "integer"] as [String: Any]] as [String: Any]]
    }
}

/// A stored parameter set (`OpsRoutes.view`), one or a list.
struct ModelParamsSchema: DeclaredSchema {
    static var jsonSchema: [String: Any] {
        let string: [String: Any] = ["type": "string"]
        return [
            "type": "object", "required": ["id", "model_type", "name", "is_active", "created_at", "activated_at", "parameters"],
            "properties": [
                "id": ["type": "integer"] as [String: Any],
                "model_type": ["type": "string", "enum": ModelType.allCases.map(\.rawValue)] as [String: Any],
                "name": string, "is_active": ["type": "boolean"] as [String: Any], "created_at": string,
                "activated_at": ["type": ["string", "null"]] as [String: Any], "parameters": ["type": "object"] as [String: Any],
            ] as [String: Any],
        ]
    }
}


/// Seed 001's `GET /models`: `{"models": {id: {name, version, description, status, …}}, "count": n}`.
struct ModelRegistrySchema: DeclaredSchema {
    static var jsonSchema: [String: Any] {
        let string: [String: Any] = ["type": "string"]
        let entry: [String: Any] = [
            "type": "object", "required": ["name", "version", "description", "status"],
            "properties": ["name": string, "version": string, "description": string, "status": string] as [String: Any],
        ]
        return [
            "type": "object", "required": ["models", "count"],
            "properties": ["models": ["type": "object", "additionalProperties": entry] as [String: Any], "count": ["type": "integer"] as [String: Any]] as [String: Any],
        ]
    }
}
