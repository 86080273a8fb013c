#pragma once

// What the notification service keeps in Redis, per tenant (keys ipraktik:{tenant}:notification*,
// see docs/notification.md): one record per message, claimed atomically before it is sent so
// that one e-mail goes out per (event, recipient, kind) however often the event arrives and
// however many replicas run; indexes by round, participant and failure; the events messages came
// from (for resend and preview); the latest revision per placement and host offer; scheduled
// reminders; and each tenant's sender settings. Every multi-step change is one Lua script.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/model.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::notification {

// The states of a message record (stored as these words).
inline constexpr char kStatePending[] = "pending";
inline constexpr char kStateSending[] = "sending";
inline constexpr char kStateHandedOver[] = "handed_over";
inline constexpr char kStateRetrying[] = "retrying";
inline constexpr char kStateSent[] = "sent";
inline constexpr char kStateFailed[] = "failed";
inline constexpr char kStateUnconfirmed[] = "unconfirmed";

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
};

// How a send ended, to be recorded.
struct Finish {
  std::string state{};  // kStateSent, kStateRetrying, kStateFailed, kStateUnconfirmed
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

struct Reminder {
  std::string reminder_id{};  // "intern:<placement id>" or "host:<host offer id>"
  std::string source_event_id{};
  std::int64_t revision = 0;
  std::string kind{};
  absl::Time due = absl::UnixEpoch();
};

class DeliveryRepository {
 public:
  // retention: how long records, events and indexes are kept after their last change.
  DeliveryRepository(store::Pool& redis, absl::Duration retention);
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
  // Records the outcome (only while `owner` holds the claim); round_id is the record's.
  absl::Status FinishMessage(const std::string& tenant, const std::string& message_id,
                             const std::string& round_id, const std::string& owner,
                             const Finish& finish, absl::Time now);
  // A coordinator's resend: the record goes back to pending with its resend count raised.
  // NOT_FOUND for an unknown message, FAILED_PRECONDITION while it is being sent.
  absl::StatusOr<DeliveryRecord> RequestResend(const std::string& tenant,
                                               const std::string& message_id, absl::Time now);

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

  // The serialized envelope a message came from.
  absl::Status SaveEvent(const std::string& tenant, const std::string& event_id,
                         const std::string& envelope);
  absl::StatusOr<std::optional<std::string>> LoadEvent(const std::string& tenant,
                                                       const std::string& event_id);

  // Records revision as the latest for scope/id unless a newer one was seen: false when this
  // revision is older than one already seen (a late event).
  absl::StatusOr<bool> AcceptRevision(const std::string& tenant, const std::string& scope,
                                      const std::string& id, std::int64_t revision);

  // Schedules (or moves) a reminder unless a newer revision of it is scheduled.
  absl::Status ScheduleReminder(const std::string& tenant, const Reminder& reminder);
  // Drops a reminder scheduled from this revision or an older one.
  absl::Status CancelReminder(const std::string& tenant, const std::string& reminder_id,
                              std::int64_t revision);
  absl::StatusOr<std::vector<Reminder>> DueReminders(const std::string& tenant, absl::Time now,
                                                     int limit);
  // Removes a reminder that was handed on, if it still is that revision.
  absl::Status RemoveReminder(const std::string& tenant, const Reminder& reminder);

  absl::StatusOr<TenantSettings> GetSettings(const std::string& tenant);
  absl::Status PutSettings(const std::string& tenant, const TenantSettings& settings);

  // Tenants the service has seen (for the reminder scheduler, which runs for all of them).
  absl::Status RememberTenant(const std::string& tenant);
  absl::StatusOr<std::vector<std::string>> Tenants();

 private:
  struct Scripts;
  store::Pool& redis_;
  absl::Duration retention_;
  std::unique_ptr<Scripts> scripts_;
};

}  // namespace ipraktik::notification
