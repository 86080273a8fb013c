#pragma once

// The message records the notification service keeps in Redis, per tenant (keys
// ipraktik:{tenant}:notification:*, see docs/notification.md): one record per message, claimed
// before it is sent so that one e-mail goes out per (event, recipient, kind) however often the
// event arrives and however many replicas run; indexes by round, participant and failure; and
// each tenant's sender settings. Every change of a record's state is decided by
// domain/delivery_state.h on the record as read, then applied by one Lua script that first
// compares the record's version (a change made meanwhile is decided again on the new state).
// A resend's notification.resend.requested event goes to the tenant's outbox (libs/outbox) in
// that same script.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/delivery_state.h"
#include "domain/model.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/pool.h"
#include "redis_batch.h"

namespace ipraktik::notification {

struct DeliveryRecord {
  std::string message_id{};
  std::string event_id{};
  std::string event_type{};
  std::string kind{};
  std::string subject_key{};
  std::string round_id{};
  std::string participant_id{};
  std::string recipient_email{};
  std::string recipient_name{};
  std::string language{};
  std::string subject{};
  std::string state{};
  int attempts = 0;
  int resends = 0;
  std::string failure_reason{};
  std::string last_error{};
  int smtp_code = 0;
  std::string rfc822_message_id{};
  absl::Time created_at = absl::UnixEpoch();
  absl::Time updated_at = absl::UnixEpoch();
  std::optional<absl::Time> sent_at{};
};

struct Claim {
  enum class Result { kClaimed, kBusy, kDone };
  Result result = Result::kDone;
  // kClaimed: the resend number to send (0: the first sending).
  int resend = 0;
  // kDone: the final state found.
  std::string state{};
  // kBusy: when the holder's lease runs out unless it renews it.
  absl::Time busy_until = absl::InfinitePast();
};

// How a send ended, to be recorded.
struct Finish {
  DeliveryState state = DeliveryState::kSent;  // sent, retrying, failed or unconfirmed
  std::string failure_reason{};
  std::string last_error{};
  int smtp_code = 0;
  std::string subject{};
  std::string rfc822_message_id{};
};

struct DeliveryFilter {
  std::string round_id{};
  std::string participant_id{};
  bool failed_only = false;
};

struct DeliveryPage {
  std::vector<DeliveryRecord> records;
  std::string next_page_token;
};

class DeliveryRepository {
 public:
  // retention: how long records and indexes are kept after their last change. redis and outbox
  // must outlive the repository.
  DeliveryRepository(store::Pool& redis, outbox::Outbox& outbox, absl::Duration retention);
  ~DeliveryRepository();

  // Creates the record from `fields` when it is new, then claims it for `owner` until
  // now + lease: kClaimed when it is new, pending, retrying, or its last sender's lease ran out
  // before it handed the message over; kBusy while another sender holds it; kDone when it is
  // sent, failed, or unconfirmed (a sender whose lease ran out after handing the message over
  // leaves it unconfirmed).
  absl::StatusOr<Claim> ClaimMessage(const std::string& tenant, const DeliveryRecord& fields,
                                     const std::string& owner, absl::Time now,
                                     absl::Duration lease);
  // Records that the whole body went to the server (the end-of-data dot follows). FAILED_
  // PRECONDITION when the claim was lost.
  absl::Status MarkHandedOver(const std::string& tenant, const std::string& message_id,
                              const std::string& owner, absl::Time now, absl::Duration lease);
  // The live holder keeps its claim for another `lease` from now (while it waits for the SMTP
  // server). FAILED_PRECONDITION when `owner` no longer holds it.
  absl::Status RenewClaim(const std::string& tenant, const std::string& message_id,
                          const std::string& owner, absl::Time now, absl::Duration lease);
  // Records the outcome; FAILED_PRECONDITION when `owner` no longer holds the claim.
  absl::Status FinishMessage(const std::string& tenant, const std::string& message_id,
                             const std::string& owner, const Finish& finish, absl::Time now);
  // A coordinator's resend: the record goes back to pending with its resend count raised, and
  // the notification.resend.requested event that makes the service send it again goes to the
  // outbox, in one atomic step. NOT_FOUND for an unknown message, FAILED_PRECONDITION while it
  // is being sent. Returns the record afterwards.
  absl::StatusOr<DeliveryRecord> RequestResend(const std::string& tenant,
                                               const std::string& message_id,
                                               const std::string& correlation_id, absl::Time now);

  absl::StatusOr<std::optional<DeliveryRecord>> Get(const std::string& tenant,
                                                    const std::string& message_id);
  // Newest first. page_token is what the previous page returned.
  absl::StatusOr<DeliveryPage> List(const std::string& tenant, const DeliveryFilter& filter,
                                    int page_size, const std::string& page_token);

  // GDPR erasure: the participant's message records (names, addresses) and the events they came
  // from are deleted, and nothing is sent to them from now on (for the retention). Returns how
  // many records went. Idempotent.
  absl::StatusOr<int> EraseParticipant(const std::string& tenant,
                                       const std::string& participant_id);

  // Whether the participant's data was erased (within the retention).
  absl::StatusOr<bool> IsErased(const std::string& tenant, const std::string& participant_id);
  // The same for several participants, in one round trip (erased[i] for participant_ids[i]).
  absl::StatusOr<std::vector<bool>> AreErased(const std::string& tenant,
                                              const std::vector<std::string>& participant_ids);

  absl::StatusOr<TenantSettings> GetSettings(const std::string& tenant);
  // The same, sent with other calls: `settings` is set when the batch has run.
  absl::Status GetSettings(RedisBatch& batch, const std::string& tenant, TenantSettings& settings);
  // A batch of calls on the service's Redis (this and the other repositories share it).
  RedisBatch Batch() { return RedisBatch(redis_); }
  absl::Status PutSettings(const std::string& tenant, const TenantSettings& settings);

 private:
  struct Scripts;
  // The event announcing an applied change (resend), built from the record's next status.
  using Announce = std::function<absl::StatusOr<events::Envelope>(const DeliveryStatus& next)>;
  // Reads the record, decides `event` on it and applies the decision (with the outcome's extra
  // fields and the announcing event), deciding again when the record changed meanwhile.
  // fields: a new record's (claims only). Returns the decision applied; a refusal as a status.
  absl::StatusOr<DeliveryDecision> Transition(const std::string& tenant,
                                              const std::string& message_id,
                                              const DeliveryEvent& event, absl::Time now,
                                              const DeliveryRecord* fields, const Finish* outcome,
                                              const Announce& announce);

  store::Pool& redis_;
  outbox::Outbox& outbox_;
  absl::Duration retention_;
  std::unique_ptr<Scripts> scripts_;
  // The records this process holds a claim on, as its last applied change left them: the next
  // change is decided on that and sent straight to the compare-and-set script, without a read
  // round trip (a record changed meanwhile fails the script's version check and is read).
  struct Held;
  std::unique_ptr<Held> held_;
};

}  // namespace ipraktik::notification
