#pragma once

// A CSV reader for form exports (RFC 4180): quoted fields with doubled quotes and line breaks
// inside, CRLF or LF line ends, a UTF-8 byte order mark, and the delimiter found from the header
// line (',' ';' or tab: Danish spreadsheets export with ';'). Each record knows the line it
// starts on, so problems can be reported by line number.

#include <cstdint>
#include <deque>
#include <istream>
#include <optional>
#include <string>
#include <utility>
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
  // that is never closed (record_line() is the line it opened on); reading then goes on with the
  // line after that one, so the rows after it are read, not swallowed.
  absl::StatusOr<std::optional<CsvRecord>> Next();
  // The line the record Next last read (or failed to read) starts on.
  std::int64_t record_line() const { return record_line_; }

  char delimiter() const { return delimiter_; }
  // Bytes consumed so far (for progress against the file's size).
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  bool ReadLine(std::string& line);

  std::istream& in_;
  char delimiter_ = 0;
  std::int64_t line_ = 0;
  std::int64_t record_line_ = 0;
  std::uint64_t bytes_read_ = 0;
  // Lines read again after an unclosed quote: text and line number, in order.
  std::deque<std::pair<std::string, std::int64_t>> again_;
};

}  // namespace ipraktik::cli
