#include "domain/model.h"

#include <algorithm>
#include <array>
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

}  // namespace

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

bool Round::AllowsHostSector(Sector sector) const {
  return std::find(allowed_host_sectors.begin(), allowed_host_sectors.end(), sector) !=
         allowed_host_sectors.end();
}

}  // namespace ipraktik::registration
