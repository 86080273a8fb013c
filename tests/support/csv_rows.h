#pragma once

// Reading CSV a program wrote back into rows of fields, with the CSV reader the CLI imports with
// (services/cli/csv.h), so a test proves that what a service exports parses. Header-only: a test
// that includes it links ipraktik::cli.

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csv.h"

namespace ipraktik::testing {

inline absl::StatusOr<std::vector<std::vector<std::string>>> CsvRows(const std::string& text) {
  std::istringstream in(text);
  cli::CsvReader reader(in);
  std::vector<std::vector<std::string>> rows;
  while (true) {
    auto record = reader.Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) return rows;
    rows.push_back((*record)->fields);
  }
}

}  // namespace ipraktik::testing
