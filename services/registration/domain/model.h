#pragma once

// The registration domain as plain values: programmes, rounds, workplaces, participants, host
// offers and applications. Nothing here knows gRPC, protobuf, Redis or RabbitMQ; the service maps
// these to and from its API messages and its store.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"
#include "ipraktik/model/sector.h"

namespace ipraktik::registration {

// The values every service shares (libs/model), by the names this domain uses them.
using model::AddDays;
using model::Date;
using model::DaysBetweenInclusive;
using model::FormatDate;
using model::Language;
using model::ParseDate;
using model::ParseSector;
using model::Sector;
using model::SectorName;

enum class RoundState { kDraft, kOpen, kClosed, kMatched, kPublished, kCompleted };
std::string_view RoundStateName(RoundState state);  // "draft", "open", ...
std::optional<RoundState> ParseRoundState(std::string_view name);

enum class HostOfferState { kDraft, kPublished, kWithdrawn };
std::string_view HostOfferStateName(HostOfferState state);
std::optional<HostOfferState> ParseHostOfferState(std::string_view name);

enum class ApprovalState { kNotRequired, kPending, kApproved, kRejected };
std::string_view ApprovalStateName(ApprovalState state);
std::optional<ApprovalState> ParseApprovalState(std::string_view name);

struct Programme {
  std::string id{};
  std::string name{};
  std::string description{};
  bool requires_manager_approval = false;
  int retention_days = 365;
};

struct Round {
  std::string id{};
  std::string programme_id{};
  std::string name{};
  Date window_start{};
  Date window_end{};
  Date signup_deadline{};
  int max_wishes = 0;
  std::vector<Sector> allowed_host_sectors{};
  RoundState state = RoundState::kDraft;

  bool AllowsHostSector(Sector sector) const;
  bool InWindow(Date day) const { return window_start <= day && day <= window_end; }
};

struct Workplace {
  std::string id{};
  std::string name{};
  Sector sector = Sector::kUnspecified;
  std::string region{};
  std::string municipality{};
};

struct Participant {
  std::string id{};
  std::string name{};
  std::string email{};  // normalized: trimmed, lower case
  std::string phone{};
  std::string job_title{};
  std::string workplace_id{};
  Language language = Language::kDanish;
  bool consent = false;
};

struct HostOffer {
  std::string id{};
  std::string round_id{};
  std::string workplace_id{};
  std::string title{};
  std::string description{};
  int capacity = 0;
  std::vector<Date> days{};
  std::string address{};
  std::string municipality{};
  std::string region{};
  std::vector<std::string> fields{};  // normalized: trimmed, lower case
  std::string contact_participant_id{};
  HostOfferState state = HostOfferState::kDraft;
};

// A wish by criteria: every published offer of the round that fits all criteria given.
struct CriteriaWish {
  std::string field{};
  Sector sector = Sector::kUnspecified;
  std::string region{};
  std::string municipality{};

  bool empty() const {
    return field.empty() && sector == Sector::kUnspecified && region.empty() &&
           municipality.empty();
  }
  friend bool operator==(const CriteriaWish&, const CriteriaWish&) = default;
};

// Exactly one of host_offer_id and criteria is set.
struct Wish {
  std::string host_offer_id{};
  std::optional<CriteriaWish> criteria{};

  friend bool operator==(const Wish&, const Wish&) = default;
};

struct SwapRequest {
  std::string email{};
  std::string name{};
};

struct Manager {
  std::string name{};
  std::string email{};
};

struct Application {
  std::string id{};
  std::string round_id{};
  std::string participant_id{};
  std::string purpose{};
  std::vector<Date> available_days{};
  std::vector<Wish> wishes{};
  std::optional<SwapRequest> swap_request{};
  std::optional<Manager> manager{};
  ApprovalState approval_state = ApprovalState::kNotRequired;
  std::string approval_comment{};
};

}  // namespace ipraktik::registration
