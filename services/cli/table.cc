#include "table.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "ipraktik/text/text.h"

namespace ipraktik::cli {
namespace {

void PrintRow(std::ostream& out, const std::vector<std::string>& values,
              const std::vector<std::size_t>& widths) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    out << values[i];
    if (i + 1 == values.size()) break;
    out << std::string(widths[i] - text::CharacterCount(values[i]) + 2, ' ');
  }
  out << "\n";
}

}  // namespace

std::string SectorWord(v1::Sector sector) {
  switch (sector) {
    case v1::SECTOR_MUNICIPAL:
      return "kommune";
    case v1::SECTOR_REGIONAL:
      return "region";
    case v1::SECTOR_STATE:
      return "stat";
    case v1::SECTOR_PRIVATE:
      return "privat";
    default:
      return "";
  }
}

std::size_t ColumnOf(const Table& table, const std::string& key) {
  auto it = std::find_if(table.columns.begin(), table.columns.end(),
                         [&](const Column& column) { return column.key == key; });
  return static_cast<std::size_t>(it - table.columns.begin());
}

void PrintTable(std::ostream& out, const Table& table) {
  std::vector<std::size_t> widths;
  std::vector<std::string> headings;
  for (const auto& column : table.columns) {
    widths.push_back(text::CharacterCount(column.heading));
    headings.push_back(column.heading);
  }
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], text::CharacterCount(row[i]));
    }
  }
  PrintRow(out, headings, widths);
  std::vector<std::string> rule;
  for (std::size_t width : widths) rule.push_back(std::string(width, '-'));
  PrintRow(out, rule, widths);
  for (const auto& row : table.rows) PrintRow(out, row, widths);
}

void WriteCsv(std::ostream& out, const Table& table) {
  const auto line = [&](const std::vector<std::string>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      out << (i == 0 ? "" : ",") << text::CsvField(values[i]);
    }
    out << "\r\n";
  };
  std::vector<std::string> headings;
  for (const auto& column : table.columns) headings.push_back(column.heading);
  line(headings);
  for (const auto& row : table.rows) line(row);
}

void WriteJson(std::ostream& out, const Table& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : table.rows) {
    nlohmann::json object = nlohmann::json::object();
    for (std::size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
      std::int64_t number = 0;
      if (table.columns[i].number && absl::SimpleAtoi(row[i], &number)) {
        object[table.columns[i].key] = number;
      } else {
        object[table.columns[i].key] = row[i];
      }
    }
    rows.push_back(std::move(object));
  }
  out << rows.dump(2) << "\n";
}

}  // namespace ipraktik::cli
