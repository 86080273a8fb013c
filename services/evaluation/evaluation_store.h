#pragma once

// The evaluation service's Redis store. Every key is a tenant's (ipraktik:{tenant}:evaluation:...)
// and names ids only, never a person:
//
//   evaluation:participation:<participation id>      hash: one side of one placement (below)
//   evaluation:due                                   zset: participation id -> day number (days
//                                                    since 1970) its next message is due
//   evaluation:person:<participant id>               set: that person's participation ids (erasure)
//   evaluation:participations:round:<round id>       set: the round's participation ids (a
//                                                    coordinator's invitations now)
//   evaluation:token:<digest>                        string: participation id of a link's token
//   evaluation:tokens:<participation id>             set: the digests handed to it (erasure)
//   evaluation:cell:<cell id>                        hash: a report cell's tally (only sums)
//   evaluation:ideas:<cell id>                       list: that cell's ideas, text only
//   evaluation:cells                                 set: every cell id
//   evaluation:cells:programme:<programme id>        set: the programme's cell ids
//   evaluation:cells:round:<round id>                set: the round's cell ids
//   evaluation:settings:<programme id>               hash: a programme's settings, and
//                                                    "answered" once it has an answer
//   evaluation:tenant_settings                       hash: the tenant's report thresholds
//   evaluation:closed:<round id>                     string: the round's evaluation is closed
// and outside any tenant ipraktik:evaluation:tenants, the tenants the scheduler visits.
//
// Every change that must happen once is one Lua script: the scheduler's step compares and sets
// the participation's version and appends the invitation event to the outbox in the same
// script, so two replicas or a restart never send a message twice.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/report.h"
#include "domain/schedule.h"
#include "domain/survey.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::evaluation {

// A programme's settings (defaults when it has none stored).
struct ProgrammeSettings {
  ScheduleSettings schedule{};
  bool allow_corrections = false;
  AnonymityRules anonymity{};
  // Nothing links an answer to its person (corrections then impossible); fixed at the first
  // answer.
  bool anonymous_answers = true;
  friend bool operator==(const ProgrammeSettings&, const ProgrammeSettings&) = default;
};

// One side of one placement: what the invitation needs and where the schedule stands.
struct Participation {
  std::string placement_id{};
  Role role = Role::kIntern;
  // The host offer of a host's side (a moved intern leaves one host for another, each with
  // revisions of its own).
  std::string host_offer_id{};
  CellKey cell{};
  bool crosses_sectors = false;
  std::chrono::year_month_day first_day{};
  std::chrono::year_month_day last_day{};
  std::string participant_id{};
  // Serialized ipraktik.v1.PersonCard (the e-mail's recipient) and RoundCard; opaque here.
  std::string person_card{};
  std::string round_card{};
  std::string host_workplace_name{};
  // Grows with every placement event applied (a late, older event changes nothing).
  std::int64_t revision = 0;

  // State, kept by the store's scripts.
  EvaluationProgress progress{};
  bool cancelled = false;
  std::int64_t version = 0;  // grows with every step: the scheduler's compare-and-set

  // "<placement id>:intern" or "<placement id>:host:<host offer id>": the participation's id
  // in keys and events.
  std::string Id() const;
};

// The tally fields of a cell hash ("answers", "r0_5", ...) and back: the store writes sums only;
// with_zeros: every counter, so that a cell's hash has all its fields from its first participant
// on and reading it costs the same however many answers came.
std::vector<std::pair<std::string, std::int64_t>> TallyFields(const Tally& tally,
                                                              bool with_zeros = false);
Tally TallyFromFields(const std::vector<std::pair<std::string, std::string>>& fields);
// "<programme>|<round>|<role>|<sector>|<region>|<host sector>" and back (nullopt if malformed).
std::string CellId(const CellKey& key);
std::optional<CellKey> CellKeyFromId(std::string_view id);

// Days since 1970-01-01: the due index's score.
std::int64_t DayNumber(std::chrono::year_month_day day);

// The most ideas a report reads of one cell: its latest.
inline constexpr int kIdeasPerCell = 50;

// Which cells to read: a round's, a programme's, or (neither) every one of the tenant's.
struct CellScope {
  std::optional<std::string> programme_id{};
  std::optional<std::string> round_id{};
};

// What Submit did.
enum class SubmitResult { kStored, kCorrected, kAlreadyAnswered, kClosed };

class EvaluationStore {
 public:
  // redis and outbox must outlive the store.
  EvaluationStore(store::Pool& redis, outbox::Outbox& outbox);

  // A placement side as the matching service last described it: stored and scheduled unless a
  // newer revision is stored already; once invited, only the revision moves (what the person
  // was told stays).
  absl::Status Upsert(const std::string& tenant, const Participation& participation);
  // The placement was cancelled (revision as in Upsert): nothing more is sent for it.
  absl::Status Cancel(const std::string& tenant, const std::string& participation_id,
                      std::int64_t revision);
  // GDPR: the person's participations lose their personal data and tokens; tallies stay.
  absl::Status ErasePerson(const std::string& tenant, const std::string& participant_id);

  // Tenants with participations (for the scheduler).
  absl::StatusOr<std::vector<std::string>> Tenants();
  // Up to limit participation ids whose next message is due on or before day.
  absl::StatusOr<std::vector<std::string>> Due(const std::string& tenant,
                                               std::chrono::year_month_day day, int limit);
  // Every participation id the round ever had (cancelled and erased ones too).
  absl::StatusOr<std::vector<std::string>> RoundParticipations(const std::string& tenant,
                                                               const std::string& round_id);
  // nullopt when unknown (or erased).
  absl::StatusOr<std::optional<Participation>> Load(const std::string& tenant,
                                                    const std::string& participation_id);

  // The scheduler's step for a participation loaded at `seen.version`: stores `after` and the
  // next due day, adds `tally` to the cell, records the token digest (empty: none) and appends
  // `event` (if any) to the outbox, all at once; false (and nothing changed) when the version
  // moved meanwhile, or the placement was cancelled or its round closed.
  absl::StatusOr<bool> ApplyStep(const std::string& tenant, const Participation& seen,
                                 const EvaluationProgress& after,
                                 std::optional<std::chrono::year_month_day> next_due,
                                 const Tally& tally, const std::string& token_digest,
                                 const std::optional<events::Envelope>& event);

  // The participation id a token digest was handed to; nullopt when unknown or erased.
  absl::StatusOr<std::optional<std::string>> ParticipationOfToken(const std::string& tenant,
                                                                  const std::string& digest);
  // Adds the answers' tally (and idea) to the participation's cell and marks it answered for
  // wave, and the programme as answered (its anonymity fixed from then on); with corrections
  // allowed, earlier answers are subtracted first. Unless the programme's answers are anonymous,
  // the participation keeps what it added (for corrections) until it is erased; anonymous, nothing
  // links the answers to the person.
  absl::StatusOr<SubmitResult> Submit(const std::string& tenant, const Participation& seen,
                                      const std::string& digest, Wave wave, const Tally& tally,
                                      const std::string& idea, bool allow_corrections,
                                      std::optional<std::chrono::year_month_day> next_due);

  // Every cell of the tenant, each with at most its kIdeasPerCell latest ideas (so that a report
  // costs the number of cells, however many answers they hold).
  // scope: a round's cells, else a programme's, else all of the tenant's.
  absl::StatusOr<std::vector<Cell>> Cells(const std::string& tenant, const CellScope& scope = {});
  absl::StatusOr<ProgrammeSettings> Settings(const std::string& tenant,
                                             const std::string& programme_id);
  // False (and nothing saved) when the settings would change anonymous_answers after the
  // programme's first answer.
  absl::StatusOr<bool> SaveSettings(const std::string& tenant, const std::string& programme_id,
                                    const ProgrammeSettings& settings);
  // The tenant's report thresholds (defaults when it has none stored).
  absl::StatusOr<AnonymityRules> TenantRules(const std::string& tenant);
  absl::Status SaveTenantRules(const std::string& tenant, const AnonymityRules& rules);
  absl::Status Close(const std::string& tenant, const std::string& round_id);
  absl::StatusOr<bool> Closed(const std::string& tenant, const std::string& round_id);

 private:
  absl::Status RegisterTenant(const std::string& tenant);
  // The strings of a command whose reply is an array of them (SMEMBERS, ZRANGEBYSCORE).
  absl::StatusOr<std::vector<std::string>> Strings(const std::vector<std::string>& command);

  store::Pool& redis_;
  outbox::Outbox& outbox_;
  // The Lua scripts (evaluation_store.cc says what each does).
  store::Script upsert_;
  store::Script cancel_;
  store::Script erase_;
  store::Script submit_;
  store::Script save_settings_;
  events::EventScript step_;
};

}  // namespace ipraktik::evaluation
