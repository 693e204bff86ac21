import Foundation
import Models
public import Store

/// Parameter sets for the forecast models (seed 002's `model-params`): which keys each model takes, how
/// they are checked, and how the active sets become `ForecastEngine.Options`.
public enum ModelParameterSets {
    /// Keys Prophet's options accept (`ProphetOptions`' coding keys).
    public static let prophetKeys: Set<String> = [
        "changepointCount", "changepointRange", "changepointPriorScale", "seasonalityPriorScale", "holidaysPriorScale",
        "regressorPriorScale", "weekly", "yearly", "daily", "weeklyOrder", "yearlyOrder", "dailyOrder", "holidays",
        "uncertaintySamples", "seed",
    ]

    /// Whether a JSONSerialization value is `true` or `false`. On Linux the numbers 0 and 1 are also `is Bool`,
    /// so the boolean is told by its Objective-C type code, "c".
    static func isBoolean(_ raw: Any) -> Bool {
        if let number = raw as? NSNumber { return String(cString: number.objCType) == "c" }
        return raw is Bool
    }

    /// Checks a parameter object for `model`; the error message names the offending key.
    public static func validate(_ model: ModelType, _ parameters: [String: Any]) -> String? {
        switch model {
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
            let options: ProphetOptions
            do {
                let data = try JSONSerialization.data(withJSONObject: parameters)
                options = try JSONDecoder().decode(ProphetOptions.self, from: data)
            } catch {
                return "prophet parameters do not decode: \(error)"
            }
            if !(options.changepointRange > 0 && options.changepointRange <= 1) { return "changepointRange must be in (0, 1]" }
            if !(0...500).contains(options.changepointCount) { return "changepointCount must be between 0 and 500" }
            for (name, v) in [("changepointPriorScale", options.changepointPriorScale), ("seasonalityPriorScale", options.seasonalityPriorScale),
                              ("holidaysPriorScale", options.holidaysPriorScale)] where !(v > 0 && v.isFinite) {
                return "\(name) must be a positive number"
            }
            if let r = options.regressorPriorScale, !(r > 0 && r.isFinite) { return "regressorPriorScale must be a positive number" }
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
            }
            ids.append(String(set.id))
        }
        options.parametersTag = ids.isEmpty ? "" : "|params:" + ids.joined(separator: ",")
        return options
    }
}
