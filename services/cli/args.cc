#include "args.h"

#include <algorithm>

namespace ipraktik::cli {

absl::StatusOr<Args> Args::Parse(std::span<const std::string_view> args,
                                 const std::vector<OptionSpec>& options) {
  Args parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--") || arg == "--") {
      parsed.positional_.emplace_back(arg);
      continue;
    }
    std::string_view name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto equals = name.find('='); equals != std::string_view::npos) {
      inline_value = std::string(name.substr(equals + 1));
      name = name.substr(0, equals);
    }
    auto spec = std::find_if(options.begin(), options.end(),
                             [&](const OptionSpec& option) { return option.name == name; });
    if (spec == options.end()) {
      return absl::InvalidArgumentError("unknown option --" + std::string(name));
    }
    if (!spec->takes_value) {
      if (inline_value) return absl::InvalidArgumentError("--" + spec->name + " takes no value");
      parsed.flags_.insert(spec->name);
    } else if (inline_value) {
      parsed.values_[spec->name] = *inline_value;
    } else if (i + 1 < args.size()) {
      parsed.values_[spec->name] = std::string(args[++i]);
    } else {
      return absl::InvalidArgumentError("--" + spec->name + " needs a value");
    }
  }
  return parsed;
}

std::optional<std::string> Args::Value(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ipraktik::cli
