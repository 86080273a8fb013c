#pragma once

// The notification domain as plain values: the people, offers and events the e-mails are about,
// the kinds of message, and a tenant's sender settings. Nothing here knows gRPC, protobuf, Redis
// or RabbitMQ; the service maps the placement and evaluation events onto these.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"
#include "ipraktik/model/role.h"
#include "ipraktik/model/sector.h"

namespace ipraktik::notification {

// The values every service shares (libs/model), by the names this domain uses them.
using model::Date;
using model::Language;
using model::LanguageCode;
using model::Role;
using model::Sector;

struct Person {
  std::string participant_id{};
  std::string name{};
  std::string email{};
  std::string phone{};
  std::string job_title{};
  std::string workplace_name{};
  Sector workplace_sector = Sector::kUnspecified;
  // Danish unless the person chose English.
  Language language = Language::kDanish;
};

struct HostOffer {
  std::string host_offer_id{};
  std::string title{};
  std::string workplace_name{};
  Sector sector = Sector::kUnspecified;
  // What an intern will see and do.
  std::string description{};
  std::string address{};
  std::string municipality{};
  std::string region{};
  Person contact{};
};

struct Round {
  std::string programme_id{};
  std::string round_id{};
  std::string name{};
  // The internship window (when the event names it).
  std::optional<Date> window_start{};
  std::optional<Date> window_end{};
};

// An intern got a place, or a re-match moved them (moved = true).
struct InternPlaced {
  Round round{};
  Person intern{};
  std::string purpose{};
  HostOffer host_offer{};
  std::vector<Date> days{};
  int rank = 0;
  bool moved = false;
  std::string placement_id{};
  std::int64_t revision = 0;
  // The intern's personal placement link ("My placement"); empty when links are not set up.
  std::string placement_url{};
};

struct InternUnmatched {
  Round round{};
  Person intern{};
  std::string reason_code{};
  // The matching's own words (English), used when the reason code is not one we explain.
  std::string reason{};
  std::string placement_id{};
  std::int64_t revision = 0;
  // A re-match took away a place the intern had been told about, on these days.
  bool placement_cancelled = false;
  std::vector<Date> cancelled_days{};
};

struct VisitingIntern {
  Person intern{};
  std::string purpose{};
  std::vector<Date> days{};
  std::string placement_id{};
};

struct HostInternsAssigned {
  Round round{};
  HostOffer host_offer{};
  std::vector<VisitingIntern> interns{};
  // Interns the host lost since the last message: their invitations are cancelled.
  std::vector<VisitingIntern> cancelled{};
  std::int64_t revision = 0;
  // The contact's personal link to the offer's interns; empty when links are not set up.
  std::string placement_url{};
};

struct EvaluationInvitation {
  Round round{};
  Person participant{};
  Role role = Role::kIntern;
  std::string form_url{};
  std::optional<Date> respond_by{};
  std::string invitation_id{};
  std::string host_workplace_name{};
};

// A manager is asked to approve (or, reminder = true, reminded of) an intern's application.
struct ApprovalWish {
  int rank = 0;
  std::string title{};  // empty: a wish by criteria
};
struct ApprovalRequest {
  Round round{};
  std::string programme_name{};
  std::string application_id{};
  Person intern{};
  // The manager has no participant record: name and address; the intern's language.
  std::string manager_name{};
  std::string manager_email{};
  std::string approval_url{};
  std::optional<Date> respond_by{};
  std::string purpose{};
  std::vector<ApprovalWish> wishes{};
  bool reminder = false;
};

// The manager decided: the intern hears it.
struct ApprovalDecision {
  Round round{};
  std::string application_id{};
  Person intern{};
  bool approved = false;
  std::string comment{};
  std::string manager_name{};
  // A change of mind: an earlier, different decision is replaced.
  bool changed = false;
};

enum class MessageKind {
  kInternPlaced,
  kInternMoved,
  kInternUnmatched,
  kHostInterns,
  kHostCancellation,
  kInternReminder,
  kHostReminder,
  kEvaluationInvitation,
  kApprovalRequest,
  kApprovalDecision,
};
// "intern_placed", ...: the template file names and the kind recorded per delivery.
const char* MessageKindName(MessageKind kind);
std::optional<MessageKind> ParseMessageKind(std::string_view name);
inline constexpr MessageKind kAllMessageKinds[] = {
    MessageKind::kInternPlaced,     MessageKind::kInternMoved,
    MessageKind::kInternUnmatched,  MessageKind::kHostInterns,
    MessageKind::kHostCancellation, MessageKind::kInternReminder,
    MessageKind::kHostReminder,     MessageKind::kEvaluationInvitation,
    MessageKind::kApprovalRequest,  MessageKind::kApprovalDecision};

// How a tenant's e-mails present themselves. Empty strings mean "use the default" when merged
// over the service's defaults (Merge).
struct TenantSettings {
  std::string sender_name{};
  std::string sender_address{};
  std::string reply_to{};
  std::string signature_da{};
  std::string signature_en{};
  int reminder_days_before = 0;
  std::string programme_url{};
  std::string local_programme_info_da{};
  std::string local_programme_info_en{};

  const std::string& Signature(Language language) const {
    return language == Language::kEnglish ? signature_en : signature_da;
  }
  const std::string& LocalProgrammeInfo(Language language) const {
    return language == Language::kEnglish ? local_programme_info_en : local_programme_info_da;
  }
  friend bool operator==(const TenantSettings&, const TenantSettings&) = default;
};

// stored's non-empty fields over defaults.
TenantSettings Merge(const TenantSettings& defaults, const TenantSettings& stored);

// Sorted, without duplicates.
std::vector<Date> NormalizedDays(std::vector<Date> days);

}  // namespace ipraktik::notification
