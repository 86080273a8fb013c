#pragma once

// A CSV reader for form exports (RFC 4180): quoted fields with doubled quotes and line breaks
// inside, CRLF or LF line ends, a UTF-8 byte order mark, and the delimiter found from the header
// line (',' ';' or tab: Danish spreadsheets export with ';'). Each record knows the line it
// starts on, so problems can be reported by line number.

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ipraktik::cli {

struct CsvRecord {
  std::int64_t line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next record (blank lines are skipped); nullopt at the end. INVALID_ARGUMENT for a quote
  // that is never closed, naming the line it opened on.
  absl::StatusOr<std::optional<CsvRecord>> Next();

  char delimiter() const { return delimiter_; }
  // Bytes consumed so far (for progress against the file's size).
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool ReadLine(std::string& line);

  std::istream& in_;
  char delimiter_ = 0;
  std::int64_t line_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace ipraktik::cli
