#pragma once

// A table as the commands show it: aligned columns for people (widths in characters, so "Ærø"
// lines up), RFC 4180 CSV for spreadsheets (every field quoted, CRLF line ends), and JSON (an
// array of objects keyed by the columns' keys).

#include <ostream>
#include <string>
#include <vector>

#include "ipraktik/v1/common.pb.h"

namespace ipraktik::cli {

// A sector as the tables name it ("kommune", "region", "stat", "privat"; "" when unspecified).
std::string SectorWord(v1::Sector sector);

struct Column {
  std::string key;      // JSON key, e.g. "intern_name"
  std::string heading;  // what people read, e.g. "Navn"
  bool number = false;  // a whole number in JSON
};

struct Table {
  std::vector<Column> columns{};
  std::vector<std::vector<std::string>> rows{};  // one value per column

  // The table with only the named columns (in that order) and the rows for which keep(row).
  template <typename Keep>
  Table Select(const std::vector<std::string>& keys, Keep keep) const;
};

// Headings, a rule, then the rows; two spaces between columns; nothing after the last column.
void PrintTable(std::ostream& out, const Table& table);
void WriteCsv(std::ostream& out, const Table& table);
void WriteJson(std::ostream& out, const Table& table);

// The column of key (columns.size() when there is none).
std::size_t ColumnOf(const Table& table, const std::string& key);

template <typename Keep>
Table Table::Select(const std::vector<std::string>& keys, Keep keep) const {
  Table selected;
  std::vector<std::size_t> index;
  for (const auto& key : keys) {
    const std::size_t at = ColumnOf(*this, key);
    if (at == columns.size()) continue;
    index.push_back(at);
    selected.columns.push_back(columns[at]);
  }
  for (const auto& row : rows) {
    if (!keep(row)) continue;
    std::vector<std::string> values;
    for (std::size_t at : index) values.push_back(row[at]);
    selected.rows.push_back(std::move(values));
  }
  return selected;
}

}  // namespace ipraktik::cli
