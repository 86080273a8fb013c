#include "sign_up_csv.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "domain/text.h"
#include "ipraktik/model_proto/model_proto.h"

namespace ipraktik::cli {
namespace {

using registration::FoldCase;
using registration::Trim;

// Header names as compared: folded, with spaces and dashes as underscores.
std::string HeaderKey(std::string_view text) {
  std::string key = FoldCase(Trim(text));
  std::replace(key.begin(), key.end(), ' ', '_');
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

using Column = SignUpCsv::Column;

// Header names (as HeaderKey makes them) and the columns they name.
constexpr std::pair<std::string_view, Column> kAliases[] = {
    {"name", Column::kName},
    {"navn", Column::kName},
    {"fulde_navn", Column::kName},
    {"email", Column::kEmail},
    {"e_mail", Column::kEmail},
    {"mail", Column::kEmail},
    {"phone", Column::kPhone},
    {"telefon", Column::kPhone},
    {"tlf", Column::kPhone},
    {"job_title", Column::kJobTitle},
    {"stilling", Column::kJobTitle},
    {"jobtitel", Column::kJobTitle},
    {"language", Column::kLanguage},
    {"sprog", Column::kLanguage},
    {"consent", Column::kConsent},
    {"samtykke", Column::kConsent},
    {"workplace", Column::kWorkplace},
    {"arbejdsplads", Column::kWorkplace},
    {"sector", Column::kSector},
    {"sektor", Column::kSector},
    {"region", Column::kRegion},
    {"municipality", Column::kMunicipality},
    {"kommune", Column::kMunicipality},
    {"purpose", Column::kPurpose},
    {"formål", Column::kPurpose},
    {"available_days", Column::kAvailableDays},
    {"dage", Column::kAvailableDays},
    {"datoer", Column::kAvailableDays},
    {"swap_email", Column::kSwapEmail},
    {"bytte_email", Column::kSwapEmail},
    {"bytte_e_mail", Column::kSwapEmail},
    {"swap_name", Column::kSwapName},
    {"bytte_navn", Column::kSwapName},
    {"manager_name", Column::kManagerName},
    {"leder_navn", Column::kManagerName},
    {"leder", Column::kManagerName},
    {"manager_email", Column::kManagerEmail},
    {"leder_email", Column::kManagerEmail},
    {"leder_e_mail", Column::kManagerEmail},
};

Column ColumnOf(std::string_view key) {
  for (const auto& [alias, column] : kAliases) {
    if (alias == key) return column;
  }
  return Column::kUnknown;
}

// "wish_3", "ønske_3", "wish3", "ønske3": 3; 0 when it is no wish column.
int WishNumber(const std::string& key) {
  for (std::string_view prefix : {"wish", "ønske", "onske"}) {
    if (!key.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(key).substr(prefix.size());
    if (rest.starts_with("_")) rest.remove_prefix(1);
    int number = 0;
    auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (error == std::errc() && end == rest.data() + rest.size() && number > 0) return number;
  }
  return 0;
}

// The API's sector names, or their Danish words.
std::optional<model::Sector> ParseSector(std::string_view text) {
  std::string word = FoldCase(Trim(text));
  if (auto sector = model::ParseSector(word)) return sector;
  if (word == "kommunal" || word == "kommune") return model::Sector::kMunicipal;
  if (word == "region") return model::Sector::kRegional;
  if (word == "statslig" || word == "stat") return model::Sector::kState;
  if (word == "privat") return model::Sector::kPrivate;
  return std::nullopt;
}

std::optional<model::Language> ParseLanguage(std::string_view text) {
  std::string word = FoldCase(Trim(text));
  if (word.empty() || word == "da" || word == "dansk" || word == "danish") {
    return model::Language::kDanish;
  }
  if (word == "en" || word == "engelsk" || word == "english") return model::Language::kEnglish;
  return std::nullopt;
}

std::optional<bool> ParseYesNo(std::string_view text) {
  std::string word = FoldCase(Trim(text));
  if (word == "ja" || word == "yes" || word == "true" || word == "1" || word == "x") return true;
  if (word.empty() || word == "nej" || word == "no" || word == "false" || word == "0") {
    return false;
  }
  return std::nullopt;
}

// 2026-09-07, or the Danish 07-09-2026 / 07.09.2026 / 7.9.2026.
std::optional<v1::Date> ParseDay(std::string_view text) {
  if (auto iso = model::ParseDate(text)) return model::ToProto(*iso);
  std::vector<std::string> parts = absl::StrSplit(std::string(text), absl::ByAnyChar("-."));
  if (parts.size() != 3 || parts[2].size() != 4) return std::nullopt;
  std::string iso = absl::StrCat(parts[2], "-", parts[1].size() == 1 ? "0" : "", parts[1], "-",
                                 parts[0].size() == 1 ? "0" : "", parts[0]);
  if (auto day = model::ParseDate(iso)) return model::ToProto(*day);
  return std::nullopt;
}

// "fagområde=ledelse; region=Hovedstaden" as criteria; an error text when a pair is wrong.
std::optional<std::string> ParseCriteria(std::string_view text, v1::CriteriaWish& criteria) {
  for (absl::string_view pair : absl::StrSplit(std::string(text), absl::ByAnyChar(";&"))) {
    std::string trimmed = Trim(std::string(pair));
    if (trimmed.empty()) continue;
    auto equals = trimmed.find('=');
    if (equals == std::string::npos) return "\"" + trimmed + "\" is not key=value";
    std::string key = HeaderKey(trimmed.substr(0, equals));
    std::string value = Trim(std::string_view(trimmed).substr(equals + 1));
    if (key == "field" || key == "fagområde" || key == "fag") {
      criteria.set_field(value);
    } else if (key == "sector" || key == "sektor") {
      auto sector = ParseSector(value);
      if (!sector) return "\"" + value + "\" is not a sector";
      criteria.set_sector(model::ToProto(*sector));
    } else if (key == "region") {
      criteria.set_region(value);
    } else if (key == "municipality" || key == "kommune") {
      criteria.set_municipality(value);
    } else {
      return "\"" + key + "\" is not a criterion (field, sector, region, municipality)";
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<SignUpCsv> SignUpCsv::FromHeader(const CsvRecord& header) {
  SignUpCsv csv;
  std::vector<std::string> problems;
  std::set<Column> columns;
  std::set<int> wish_numbers;
  for (const std::string& name : header.fields) {
    std::string key = HeaderKey(name);
    if (int wish = WishNumber(key); wish > 0) {
      csv.slots_.push_back({Column::kWish, wish});
      columns.insert(Column::kWish);
      if (!wish_numbers.insert(wish).second) {
        problems.push_back(absl::StrCat("column \"", name, "\" repeats wish ", wish));
      }
      continue;
    }
    Column column = ColumnOf(key);
    csv.slots_.push_back({column, 0});
    if (column == Column::kUnknown) {
      problems.push_back("column \"" + name + "\" is not a sign-up field");
    } else if (!columns.insert(column).second) {
      problems.push_back("column \"" + name + "\" repeats another column");
    }
  }
  const std::pair<Column, std::string_view> required[] = {
      {Column::kName, "name"},           {Column::kEmail, "email"},
      {Column::kJobTitle, "job_title"},  {Column::kConsent, "consent"},
      {Column::kWorkplace, "workplace"}, {Column::kSector, "sector"},
      {Column::kRegion, "region"},       {Column::kMunicipality, "municipality"},
      {Column::kPurpose, "purpose"},     {Column::kAvailableDays, "available_days"},
      {Column::kWish, "wish_1"}};
  for (const auto& [column, name] : required) {
    if (!columns.contains(column)) {
      problems.push_back(absl::StrCat("column \"", std::string(name), "\" is missing"));
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", header.line, ": ", absl::StrJoin(problems, "; ")));
  }
  return csv;
}

std::optional<v1::ImportRow> SignUpCsv::ToRow(const CsvRecord& record,
                                              std::vector<RowProblem>& problems) const {
  const std::size_t before = problems.size();
  auto problem = [&](std::string field, std::string description) {
    problems.push_back({record.line, std::move(field), std::move(description)});
  };
  if (record.fields.size() != slots_.size()) {
    problem("", absl::StrCat("has ", record.fields.size(), " fields, the header ", slots_.size()));
    return std::nullopt;
  }
  v1::ImportRow row;
  row.set_line(record.line);
  v1::Participant* participant = row.mutable_participant();
  v1::Workplace* workplace = row.mutable_workplace();
  v1::Application* application = row.mutable_application();
  std::map<int, std::string> wishes;  // by wish number
  std::string swap_email, swap_name, manager_name, manager_email;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const std::string value = Trim(record.fields[i]);
    switch (slots_[i].column) {
      case Column::kName:
        participant->set_name(value);
        break;
      case Column::kEmail:
        participant->set_email(value);
        break;
      case Column::kPhone:
        participant->set_phone(value);
        break;
      case Column::kJobTitle:
        participant->set_job_title(value);
        break;
      case Column::kLanguage:
        if (auto language = ParseLanguage(value)) {
          participant->set_language(model::ToProto(*language));
        } else {
          problem("participant.language", "\"" + value + "\" is not da/dansk or en/engelsk");
        }
        break;
      case Column::kConsent:
        if (auto consent = ParseYesNo(value)) {
          participant->set_consent(*consent);
        } else {
          problem("participant.consent", "\"" + value + "\" is not ja/nej (yes/no)");
        }
        break;
      case Column::kWorkplace:
        workplace->set_name(value);
        break;
      case Column::kSector:
        if (auto sector = ParseSector(value)) {
          workplace->set_sector(model::ToProto(*sector));
        } else {
          problem("workplace.sector",
                  "\"" + value + "\" is not kommunal, regional, statslig or privat");
        }
        break;
      case Column::kRegion:
        workplace->set_region(value);
        break;
      case Column::kMunicipality:
        workplace->set_municipality(value);
        break;
      case Column::kPurpose:
        application->set_purpose(record.fields[i]);  // multi-line text kept as written
        break;
      case Column::kAvailableDays: {
        int index = 0;
        for (absl::string_view piece :
             absl::StrSplit(value, absl::ByAnyChar(";, \n"), absl::SkipEmpty())) {
          std::string day(piece);
          if (auto parsed = ParseDay(day)) {
            *application->add_available_days() = *parsed;
          } else {
            problem(absl::StrCat("application.available_days[", index, "]"),
                    "\"" + day + "\" is not a date (2026-09-07 or 07-09-2026)");
          }
          ++index;
        }
        break;
      }
      case Column::kWish:
        if (!value.empty()) wishes[slots_[i].wish_number] = value;
        break;
      case Column::kSwapEmail:
        swap_email = value;
        break;
      case Column::kSwapName:
        swap_name = value;
        break;
      case Column::kManagerName:
        manager_name = value;
        break;
      case Column::kManagerEmail:
        manager_email = value;
        break;
      case Column::kUnknown:
        break;
    }
  }
  int index = 0;
  for (const auto& [number, text] : wishes) {
    v1::Wish* wish = application->add_wishes();
    if (text.find('=') != std::string::npos) {
      if (auto error = ParseCriteria(text, *wish->mutable_criteria())) {
        problem(absl::StrCat("application.wishes[", index, "]"), *error);
      }
    } else {
      wish->set_host_offer_id(text);
    }
    ++index;
  }
  if (!swap_email.empty() || !swap_name.empty()) {
    application->mutable_swap_request()->set_email(swap_email);
    application->mutable_swap_request()->set_name(swap_name);
  }
  if (!manager_email.empty() || !manager_name.empty()) {
    application->mutable_manager()->set_email(manager_email);
    application->mutable_manager()->set_name(manager_name);
  }
  if (problems.size() != before) return std::nullopt;
  return row;
}

}  // namespace ipraktik::cli
