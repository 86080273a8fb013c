#include "csv.h"

#include <algorithm>
#include <array>

namespace ipraktik::cli {
namespace {

// The delimiter that occurs most often outside quotes in the header line.
char DetectDelimiter(const std::string& line) {
  std::array<std::pair<char, int>, 3> counts = {{{',', 0}, {';', 0}, {'\t', 0}}};
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (auto& [delimiter, count] : counts) count += c == delimiter;
  }
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best->second > 0 ? best->first : ',';
}

}  // namespace

bool CsvReader::ReadLine(std::string& line) {
  if (!again_.empty()) {
    line = std::move(again_.front().first);
    line_ = again_.front().second;
    again_.pop_front();
    return true;
  }
  if (!std::getline(in_, line)) return false;
  bytes_read_ += line.size() + 1;
  ++line_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  return true;
}

absl::StatusOr<std::optional<CsvRecord>> CsvReader::Next() {
  std::string line;
  do {
    if (!ReadLine(line)) return std::nullopt;
  } while (line.empty());
  if (delimiter_ == 0) delimiter_ = DetectDelimiter(line);

  CsvRecord record;
  record.line = line_;
  record_line_ = line_;
  std::string field;
  std::vector<std::pair<std::string, std::int64_t>> continued;  // lines read inside quotes
  bool quoted = false;
  std::size_t i = 0;
  while (true) {
    if (i == line.size()) {
      if (!quoted) break;
      // A line break inside quotes belongs to the field.
      std::string next;
      if (!ReadLine(next)) {
        // Read the lines after the opening one again, as records of their own.
        again_.insert(again_.begin(), continued.begin(), continued.end());
        return absl::InvalidArgumentError(
            "a quoted field opens on this line and is never closed (a missing \"?): the row "
            "is left out, the lines after it are read as rows of their own");
      }
      continued.emplace_back(next, line_);
      field.push_back('\n');
      line = std::move(next);
      i = 0;
      continue;
    }
    char c = line[i++];
    if (quoted) {
      if (c == '"' && i < line.size() && line[i] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter_) {
      record.fields.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  record.fields.push_back(std::move(field));
  return record;
}

}  // namespace ipraktik::cli
