// Task params from the command line: `--param k=v` values typed by the kind's
// params schema (`steps=3` becomes the integer 3), over `--params-json`.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace taskstream::cli {

/// A mistake in what the user typed: the command exits 2 with this message.
struct UsageError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

/// The params object: `params_json` (an object, or empty for {}) with each
/// `key=value` of `pairs` set on it, typed by `schema`'s properties. Throws
/// UsageError naming the pair that does not fit.
nlohmann::json params_from_arguments(const std::vector<std::string>& pairs, const std::string& params_json,
                                     const nlohmann::json& schema);

/// `--meta key=value`, each split at its first '=': a value that reads as a JSON number,
/// true or false is that, any other is the string. Throws UsageError for a pair without '='.
nlohmann::json metadata_from_arguments(const std::vector<std::string>& pairs);

} // namespace taskstream::cli
