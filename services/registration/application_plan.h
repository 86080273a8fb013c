#pragma once

// An application's rules and writes, shared by the sign-up and the update of an application: what
// the rules depend on (read in one round trip, two for a cold round, with the rarely changing
// records from the cache where it can), the check, the next record with its approval link, the
// transaction's writes and the "application submitted" event.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "approval_links.h"
#include "domain/model.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/events/envelope.h"
#include "registrar.h"
#include "registrar_support.h"

namespace ipraktik::registration {

class RecordCache;

// What an application's rules depend on, read in one round trip (two for a cold round).
struct ApplicationInputs {
  std::optional<Loaded<v1::Round>> round;
  std::optional<Loaded<v1::Programme>> programme;
  std::optional<Loaded<v1::Workplace>> workplace;  // the intern's
  std::optional<Loaded<v1::Participant>> participant;
  std::optional<Loaded<v1::Application>> application;
  std::map<std::string, Loaded<v1::HostOffer>> offers;  // the wished ones that exist
  // The round's published offers, read when a wish gives criteria (which they must be able to
  // match).
  std::optional<std::vector<OfferFacts>> published;
  std::optional<std::string> replay;  // the stored result of the request id
};

// The reads behind ApplicationInputs: the round with its programme, the intern's workplace, the
// wished offers, and (by e-mail) the participant with their application in the round, plus the
// stored result of request_key. With a cache, the rarely changing records come from it when they
// can, so a warm sign-up costs one round trip; the transaction checks their versions
// (AddApplicationWrites).
struct ApplicationReads {
  std::map<std::string, std::optional<StoredRecord>> records;
  Reads reads;
  std::vector<std::pair<std::string, std::size_t>> pending;  // key, position in reads
  std::string round_key;
  std::string programme_id;  // known when the round came from the cache
  std::size_t person_at = 0;
};

ApplicationReads PlanApplicationReads(const RegistrationRepository& repository, RecordCache* cache,
                                      const KeySpace& keys, const std::string& round_id,
                                      const std::string& email, const std::string& workplace_id,
                                      const std::vector<Wish>& wishes,
                                      const std::string& request_key);

// The inputs from the planned reads' results; a cold round's programme takes a round trip more.
absl::StatusOr<ApplicationInputs> CompleteApplicationInputs(
    ApplicationReads& plan, const ReadResults& read, RegistrationRepository& repository,
    RecordCache* cache, const KeySpace& keys, const std::string& workplace_id,
    const std::vector<Wish>& wishes);

// PlanApplicationReads, one round trip and CompleteApplicationInputs.
absl::StatusOr<ApplicationInputs> ReadApplicationInputs(
    RegistrationRepository& repository, RecordCache* cache, const KeySpace& keys,
    const std::string& round_id, const std::string& email, const std::string& workplace_id,
    const std::vector<Wish>& wishes, const std::string& request_key);

// Checks the application against its inputs, adding violations under "application".
void CheckApplicationInputs(const Application& application, const ApplicationInputs& inputs,
                            std::string_view intern_email, std::string_view intern_workplace_id,
                            errors::Violations& violations);

// The application's next record and the writes that store it (approval link included).
struct ApplicationPlan {
  v1::Application message;
  StoredRecord record;
  std::optional<ApprovalLink> link;     // set when the manager gets a new personal link
  std::optional<absl::Time> remind_at;  // with link: when an undecided manager is reminded
  bool created = false;
};

// Where new approval links come from.
struct ApprovalLinkPolicy {
  const RegistrarOptions* options = nullptr;
  std::string tenant;
  absl::TimeZone time_zone;
};

// INTERNAL only when a new link's random source fails.
absl::StatusOr<ApplicationPlan> PlanApplication(
    Application application, const ApplicationInputs& inputs,
    const std::optional<Loaded<v1::Application>>& previous, absl::Time now,
    const ApprovalLinkPolicy& links);

// The writes of plan, guarded by the versions of the records its rules were decided on: the
// record, the new link's key and the reminder's schedule, the old links' removal.
void AddApplicationWrites(Transaction& transaction, const KeySpace& keys,
                          const ApplicationPlan& plan,
                          const std::optional<Loaded<v1::Application>>& previous,
                          const ApplicationInputs& inputs);

// "registration.application.submitted" for plan and, with a new link,
// "registration.approval.requested" for the manager.
absl::Status AddApplicationEvents(Transaction& transaction, const Caller& caller,
                                  const ApplicationPlan& plan, const v1::Participant& intern,
                                  const v1::Workplace* workplace, const ApplicationInputs& inputs);

}  // namespace ipraktik::registration
