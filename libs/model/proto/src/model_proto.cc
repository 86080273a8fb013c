#include "ipraktik/model_proto/model_proto.h"

namespace ipraktik::model {

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

Sector FromProto(v1::Sector sector) {
  switch (sector) {
    case v1::SECTOR_MUNICIPAL:
      return Sector::kMunicipal;
    case v1::SECTOR_REGIONAL:
      return Sector::kRegional;
    case v1::SECTOR_STATE:
      return Sector::kState;
    case v1::SECTOR_PRIVATE:
      return Sector::kPrivate;
    default:
      return Sector::kUnspecified;
  }
}

v1::Sector ToProto(Sector sector) {
  switch (sector) {
    case Sector::kMunicipal:
      return v1::SECTOR_MUNICIPAL;
    case Sector::kRegional:
      return v1::SECTOR_REGIONAL;
    case Sector::kState:
      return v1::SECTOR_STATE;
    case Sector::kPrivate:
      return v1::SECTOR_PRIVATE;
    case Sector::kUnspecified:
      break;
  }
  return v1::SECTOR_UNSPECIFIED;
}

Language FromProto(v1::Language language) {
  return language == v1::LANGUAGE_ENGLISH ? Language::kEnglish : Language::kDanish;
}

v1::Language ToProto(Language language) {
  return language == Language::kEnglish ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH;
}

Role FromProto(v1::EvaluationRole role) {
  switch (role) {
    case v1::EVALUATION_ROLE_INTERN:
      return Role::kIntern;
    case v1::EVALUATION_ROLE_HOST:
      return Role::kHost;
    default:
      return Role::kUnspecified;
  }
}

}  // namespace ipraktik::model
