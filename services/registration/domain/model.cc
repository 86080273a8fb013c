#include "domain/model.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <utility>

namespace ipraktik::registration {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> Lookup(const std::array<std::pair<Enum, std::string_view>, N>& names,
                           std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, text] : names) {
    if (candidate == value) return text;
  }
  return "unspecified";
}

constexpr std::array<std::pair<RoundState, std::string_view>, 6> kRoundStates = {{
    {RoundState::kDraft, "draft"},
    {RoundState::kOpen, "open"},
    {RoundState::kClosed, "closed"},
    {RoundState::kMatched, "matched"},
    {RoundState::kPublished, "published"},
    {RoundState::kCompleted, "completed"},
}};

constexpr std::array<std::pair<HostOfferState, std::string_view>, 3> kHostOfferStates = {{
    {HostOfferState::kDraft, "draft"},
    {HostOfferState::kPublished, "published"},
    {HostOfferState::kWithdrawn, "withdrawn"},
}};

constexpr std::array<std::pair<ApprovalState, std::string_view>, 4> kApprovalStates = {{
    {ApprovalState::kNotRequired, "not_required"},
    {ApprovalState::kPending, "pending"},
    {ApprovalState::kApproved, "approved"},
    {ApprovalState::kRejected, "rejected"},
}};

constexpr std::array<std::pair<Sector, std::string_view>, 4> kSectors = {{
    {Sector::kMunicipal, "municipal"},
    {Sector::kRegional, "regional"},
    {Sector::kState, "state"},
    {Sector::kPrivate, "private"},
}};

bool ParseNumber(std::string_view text, int& value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  int month = 0;
  int day = 0;
  if (!ParseNumber(text.substr(0, 4), year) || !ParseNumber(text.substr(5, 2), month) ||
      !ParseNumber(text.substr(8, 2), day)) {
    return std::nullopt;
  }
  Date date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::string FormatDate(Date date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

Date AddDays(Date date, int days) {
  return Date(std::chrono::sys_days(date) + std::chrono::days(days));
}

int DaysBetweenInclusive(Date first, Date last) {
  return static_cast<int>((std::chrono::sys_days(last) - std::chrono::sys_days(first)).count()) + 1;
}

std::string_view RoundStateName(RoundState state) { return NameOf(kRoundStates, state); }
std::optional<RoundState> ParseRoundState(std::string_view name) {
  return Lookup(kRoundStates, name);
}

std::string_view HostOfferStateName(HostOfferState state) {
  return NameOf(kHostOfferStates, state);
}
std::optional<HostOfferState> ParseHostOfferState(std::string_view name) {
  return Lookup(kHostOfferStates, name);
}

std::string_view ApprovalStateName(ApprovalState state) { return NameOf(kApprovalStates, state); }
std::optional<ApprovalState> ParseApprovalState(std::string_view name) {
  return Lookup(kApprovalStates, name);
}

std::string_view SectorName(Sector sector) { return NameOf(kSectors, sector); }
std::optional<Sector> ParseSector(std::string_view name) { return Lookup(kSectors, name); }

bool Round::AllowsHostSector(Sector sector) const {
  return std::find(allowed_host_sectors.begin(), allowed_host_sectors.end(), sector) !=
         allowed_host_sectors.end();
}

}  // namespace ipraktik::registration
