#pragma once

// Options of a subcommand: `--name value`, `--name=value` and `--flag`, the rest positional.
// Unknown options are an error that names them, so a typo does not go unnoticed.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ipraktik::cli {

struct OptionSpec {
  std::string name;  // without the dashes, e.g. "tenant"
  bool takes_value = true;
};

class Args {
 public:
  // INVALID_ARGUMENT naming an unknown option or one whose value is missing.
  static absl::StatusOr<Args> Parse(std::span<const std::string_view> args,
                                    const std::vector<OptionSpec>& options);

  std::optional<std::string> Value(std::string_view name) const;
  bool Flag(std::string_view name) const { return flags_.contains(std::string(name)); }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string, std::less<>> flags_;
  std::vector<std::string> positional_;
};

}  // namespace ipraktik::cli
