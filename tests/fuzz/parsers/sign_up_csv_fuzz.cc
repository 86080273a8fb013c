// Fuzz target: any bytes given to `ipraktik import` as a sign-up CSV are read record by record
// into ImportRows or problems named by line, never a crash: the header either names the columns
// or is refused, each record starts on a later line than the one before, and each row is
// either made or refused with at least one problem on its own line.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "csv.h"
#include "fuzz_check.h"
#include "sign_up_csv.h"

namespace {

using ipraktik::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ipraktik::cli;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  CsvReader reader(in);
  std::optional<SignUpCsv> csv;
  std::int64_t last_line = 0;
  while (true) {
    auto record = reader.Next();
    if (!record.ok()) {
      Check(record.status().code() == absl::StatusCode::kInvalidArgument);
      break;
    }
    if (!record->has_value()) break;
    const CsvRecord& current = **record;
    Check(current.line > last_line && !current.fields.empty());
    last_line = current.line;
    Check(reader.bytes_read() <= size + 1);  // the last line may lack its line break
    if (!csv) {
      auto header = SignUpCsv::FromHeader(current);
      if (!header.ok()) {
        Check(header.status().code() == absl::StatusCode::kInvalidArgument);
        break;
      }
      csv = *std::move(header);
      continue;
    }
    std::vector<RowProblem> problems;
    auto row = csv->ToRow(current, problems);
    Check(row.has_value() == problems.empty());
    if (row) Check(row->line() == current.line);
    for (const RowProblem& problem : problems) Check(problem.line == current.line);
  }
  return 0;
}
