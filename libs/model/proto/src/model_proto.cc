#include "ipraktik/model_proto/model_proto.h"

#include <array>
#include <utility>

namespace ipraktik::model {
namespace {

// Each enum's values side by side; "unspecified" is what neither table holds.
constexpr std::array<std::pair<Sector, v1::Sector>, 4> kSectors = {{
    {Sector::kMunicipal, v1::SECTOR_MUNICIPAL},
    {Sector::kRegional, v1::SECTOR_REGIONAL},
    {Sector::kState, v1::SECTOR_STATE},
    {Sector::kPrivate, v1::SECTOR_PRIVATE},
}};

constexpr std::array<std::pair<Role, v1::EvaluationRole>, 2> kRoles = {{
    {Role::kIntern, v1::EVALUATION_ROLE_INTERN},
    {Role::kHost, v1::EVALUATION_ROLE_HOST},
}};

template <typename Model, typename Proto, std::size_t N>
Model ModelOf(const std::array<std::pair<Model, Proto>, N>& table, Proto proto, Model otherwise) {
  for (const auto& [value, message] : table) {
    if (message == proto) return value;
  }
  return otherwise;
}

template <typename Model, typename Proto, std::size_t N>
Proto ProtoOf(const std::array<std::pair<Model, Proto>, N>& table, Model model, Proto otherwise) {
  for (const auto& [value, message] : table) {
    if (value == model) return message;
  }
  return otherwise;
}

}  // namespace

Date FromProto(const v1::Date& date) {
  if (date.year() == 0 && date.month() == 0 && date.day() == 0) return Date{};
  if (date.year() < 1 || date.year() > 9999 || date.month() < 1 || date.month() > 12 ||
      date.day() < 1 || date.day() > 31) {
    // Invalid but not unset: month 13 never passes ok().
    return Date{std::chrono::year(2000), std::chrono::month(13), std::chrono::day(1)};
  }
  return Date{std::chrono::year(date.year()),
              std::chrono::month(static_cast<unsigned>(date.month())),
              std::chrono::day(static_cast<unsigned>(date.day()))};
}

v1::Date ToProto(Date date) {
  v1::Date out;
  out.set_year(static_cast<int>(date.year()));
  out.set_month(static_cast<int>(static_cast<unsigned>(date.month())));
  out.set_day(static_cast<int>(static_cast<unsigned>(date.day())));
  return out;
}

std::vector<Date> FromProto(const google::protobuf::RepeatedPtrField<v1::Date>& dates) {
  std::vector<Date> days;
  days.reserve(static_cast<std::size_t>(dates.size()));
  for (const v1::Date& date : dates) days.push_back(FromProto(date));
  return days;
}

void ToProto(const std::vector<Date>& dates, google::protobuf::RepeatedPtrField<v1::Date>* out) {
  out->Reserve(static_cast<int>(dates.size()));
  for (Date day : dates) *out->Add() = ToProto(day);
}

Sector FromProto(v1::Sector sector) { return ModelOf(kSectors, sector, Sector::kUnspecified); }

v1::Sector ToProto(Sector sector) { return ProtoOf(kSectors, sector, v1::SECTOR_UNSPECIFIED); }

Language FromProto(v1::Language language) {
  return language == v1::LANGUAGE_ENGLISH ? Language::kEnglish : Language::kDanish;
}

v1::Language ToProto(Language language) {
  return language == Language::kEnglish ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH;
}

Role FromProto(v1::EvaluationRole role) { return ModelOf(kRoles, role, Role::kUnspecified); }

v1::EvaluationRole ToProto(Role role) {
  return ProtoOf(kRoles, role, v1::EVALUATION_ROLE_UNSPECIFIED);
}

}  // namespace ipraktik::model
