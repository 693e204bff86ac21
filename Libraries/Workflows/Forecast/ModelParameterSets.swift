import Foundation
import Models
public import Store

/// Parameter sets for the forecast models (seed 002's `model-params`): which keys each model takes, how
/// they are checked, and how the active sets become `ForecastEngine.Options`.
public enum ModelParameterSets {
    /// What a prior scale may be (`ProphetOptions.priorScaleRange`), as an error says it.
    static let priorScales = "a number between \(ProphetOptions.priorScaleRange.lowerBound) and \(ProphetOptions.priorScaleRange.upperBound)"

    /// Keys Prophet's options accept (`ProphetOptions`' coding keys), with what each takes, as an error says it.
    static let prophetExpectations: [String: String] = [
        "changepointCount": "a whole number between 0 and 500",
        "changepointRange": "a number in (0, 1]",
        "changepointPriorScale": priorScales,
        "seasonalityPriorScale": priorScales,
        "holidaysPriorScale": priorScales,
        "regressorPriorScale": priorScales + " or null",
        "weekly": "true, false or null (automatic)",
        "yearly": "true, false or null (automatic)",
        "daily": "true, false or null (automatic)",
        "weeklyOrder": "a whole number between 1 and 50",
        "yearlyOrder": "a whole number between 1 and 50",
        "dailyOrder": "a whole number between 1 and 50",
        "holidays": "an array of {\"name\": text, \"days\": [days since 1970-01-01], optional whole \"lowerWindow\" and \"upperWindow\", optional \"priorScale\"}",
        "uncertaintySamples": "a whole number between 0 and 10000",
        "seed": "a whole number between 0 and \(UInt64.max)",
    ]

    /// Keys Prophet's options accept (`ProphetOptions`' coding keys).
    public static let prophetKeys = Set(prophetExpectations.keys)

    /// Whether a JSONSerialization value is `true` or `false`. On Linux the numbers 0 and 1 are also `is Bool`,
    /// so the boolean is told by its Objective-C type code, "c".
    static func isBoolean(_ raw: Any) -> Bool {
        if let number = raw as? NSNumber { return String(cString: number.objCType) == "c" }
        return raw is Bool
    }

    /// A JSON value as written, shortened for an error message.
    static func shown(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) else { return "?" }
        let text = String(decoding: data, as: UTF8.self)
        return text.count > 60 ? String(text.prefix(60)) + "…" : text
    }

    /// Checks a parameter object for `model`; the error message names the offending key.
    public static func validate(_ model: ModelType, _ parameters: [String: Any]) -> String? {
        switch model {
        case .theta, .auto:
            return "\(model.rawValue) takes no parameter set (parameter sets are for \(ModelType.parameterized.map(\.rawValue).joined(separator: ", ")))"
        case .holtWinters, .sarimax:
            let known = model == .holtWinters ? ["period", "weights"] : ["period"]
            if let extra = parameters.keys.sorted().first(where: { !known.contains($0) }) {
                return "\(model.rawValue) takes only " + known.map { "\"\($0)\"" }.joined(separator: " and ") + " (got \"\(extra)\")"
            }
            if let raw = parameters["period"] {
                guard !isBoolean(raw), let n = raw as? Int, (1...366).contains(n) else {
                    return "period must be an integer between 1 and 366"
                }
            }
            if let raw = parameters["weights"], (raw as? String).flatMap(ETSWeighting.init(rawValue:)) == nil {
                return "weights must be one of " + ETSWeighting.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            }
            return nil
        case .prophet:
            if let extra = parameters.keys.sorted().first(where: { !prophetKeys.contains($0) }) {
                return "prophet has no parameter \"\(extra)\" (known: \(prophetKeys.sorted().joined(separator: ", ")))"
            }
            // Each key decoded alone, so the error names the key: the decoder's own error does not always (on Linux,
            // -1 for the seed is "not valid JSON").
            for key in parameters.keys.sorted() {
                let value = parameters[key] ?? NSNull()
                let alone = try? JSONSerialization.data(withJSONObject: [key: value])
                if alone.flatMap({ try? JSONDecoder().decode(ProphetOptions.self, from: $0) }) == nil {
                    return "\(key) must be \(prophetExpectations[key] ?? "something else") (got \(shown(value)))"
                }
            }
            guard let data = try? JSONSerialization.data(withJSONObject: parameters),
                  let options = try? JSONDecoder().decode(ProphetOptions.self, from: data) else {
                return "prophet parameters do not form a valid set (each is valid alone)"
            }
            if !(options.changepointRange > 0 && options.changepointRange <= 1) { return "changepointRange must be in (0, 1]" }
            if !(0...500).contains(options.changepointCount) { return "changepointCount must be between 0 and 500" }
            // Outside this range a scale only switches its component off or frees it entirely, and at 1e-300 or
            // 1e300 the fit's arithmetic overflows (the job then recorded "prophet failed" for every category).
            let scales = ProphetOptions.priorScaleRange
            for (name, v) in [("changepointPriorScale", options.changepointPriorScale), ("seasonalityPriorScale", options.seasonalityPriorScale),
                              ("holidaysPriorScale", options.holidaysPriorScale), ("regressorPriorScale", options.regressorPriorScale ?? 1)]
            where !scales.contains(v) {
                return "\(name) must be \(priorScales) (got \(v))"
            }
            for (name, v) in [("weeklyOrder", options.weeklyOrder), ("yearlyOrder", options.yearlyOrder), ("dailyOrder", options.dailyOrder)]
            where !(1...50).contains(v) {
                return "\(name) must be between 1 and 50"
            }
            if !(0...10_000).contains(options.uncertaintySamples) { return "uncertaintySamples must be between 0 and 10000" }
            return nil
        }
    }
}

extension ForecastEngine.Options {
    /// The options a forecast uses now: defaults, overridden by the active parameter set of each model type.
    public static func active(store: any Store, horizon: Int) async throws -> ForecastEngine.Options {
        var options = ForecastEngine.Options(horizon: horizon)
        var ids: [String] = []
        for set in try await store.modelParams(modelType: nil) where set.isActive {
            guard let model = ModelType(rawValue: set.modelType),
                  let object = try? JSONSerialization.jsonObject(with: Data(set.parameters.utf8)) as? [String: Any],
                  ModelParameterSets.validate(model, object) == nil else { continue }
            switch model {
            case .prophet:
                options.prophet = try JSONDecoder().decode(ProphetOptions.self, from: Data(set.parameters.utf8))
            case .holtWinters, .sarimax:
                if let period = object["period"] as? Int { options.periods[model] = period }
                if model == .holtWinters, let raw = object["weights"] as? String, let weighting = ETSWeighting(rawValue: raw) {
                    options.etsWeighting = weighting
                }
            case .theta, .auto:
                continue
            }
            ids.append(String(set.id))
        }
        options.parametersTag = ids.isEmpty ? "" : "|params:" + ids.joined(separator: ",")
        return options
    }
}
