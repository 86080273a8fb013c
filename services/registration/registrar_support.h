#pragma once

// Pieces the Registrar's calls share: ids, request ids and etags, the optimistic
// read-decide-commit loop, paging over an index, field masks, and loading and versioning stored
// records (their stored form: record_mapping.h).
// Internal to the registration service.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/wishes.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "ipraktik/errors/errors.h"
#include "proto_mapping.h"
#include "record_mapping.h"
#include "registrar.h"
#include "registration_repository.h"

namespace ipraktik::registration {

absl::StatusOr<KeySpace> KeysFor(const Caller& caller);

// "<prefix>-" and 16 random hex digits, e.g. "rnd-3f9a2c71d04e4b1a".
std::string NewId(std::string_view prefix);
// The application of a participant in a round has a fixed id, so a sign-up finds it directly.
std::string ApplicationId(std::string_view round_id, std::string_view participant_id);

// A request id is optional; when given it is 1-64 of A-Z a-z 0-9 - _ .
void CheckRequestId(const std::string& request_id, errors::Violations& out);
// An id field the request needs: "is required" when empty.
void RequireId(const std::string& id, std::string_view field, errors::Violations& out);

// OK when given is empty or names version; ABORTED with ErrorInfo reason ETAG_MISMATCH
// otherwise.
absl::Status CheckEtag(std::string_view given, std::int64_t version, std::string_view kind,
                       std::string_view id);

// The request's fingerprint for request-id dedupe (deterministic serialization).
std::string RequestFingerprint(const google::protobuf::Message& request);

// Runs attempt until it returns a value or an error; nullopt means a concurrent change got in
// first and the attempt must be redone on fresh data. After many tries: ABORTED.
template <typename T>
absl::StatusOr<T> Optimistically(const std::function<absl::StatusOr<std::optional<T>>()>& attempt,
                                 const std::function<void()>& on_retry = {}) {
  constexpr int kAttempts = 20;
  for (int i = 0; i < kAttempts; ++i) {
    absl::StatusOr<std::optional<T>> result = attempt();
    if (!result.ok()) return result.status();
    if (result->has_value()) return **std::move(result);
    if (on_retry) on_retry();
  }
  return absl::AbortedError("too many concurrent changes of the same records; try again");
}

// A stored record read as its API message.
template <typename Message>
struct Loaded {
  Message message;
  StoredRecord record;
};

template <typename Message>
absl::StatusOr<std::optional<Loaded<Message>>> ToLoaded(std::optional<StoredRecord> record) {
  if (!record) return std::optional<Loaded<Message>>();
  auto message = ParseRecord<Message>(*record);
  if (!message.ok()) return message.status();
  return std::optional<Loaded<Message>>(Loaded<Message>{*std::move(message), *std::move(record)});
}

// NOT_FOUND (kind, id) when the record does not exist.
template <typename Message>
absl::StatusOr<Loaded<Message>> LoadExisting(RegistrationRepository& repository,
                                             const std::string& key, std::string_view kind,
                                             std::string_view id) {
  auto record = repository.Get(key);
  if (!record.ok()) return record.status();
  if (!record->has_value()) return errors::NotFound(kind, id);
  auto loaded = ToLoaded<Message>(*std::move(record));
  if (!loaded.ok()) return loaded.status();
  return **std::move(loaded);
}

// The next version of a record (the first when previous is nullptr) holding message, whose
// bookkeeping (etag, times) is cleared: the record's version and times stand for it.
template <typename Message>
StoredRecord NextVersion(const StoredRecord* previous, Message& message, absl::Time now) {
  ClearBookkeeping(message);
  StoredRecord record;
  record.version = previous == nullptr ? 1 : previous->version + 1;
  record.create_time = previous == nullptr ? now : previous->create_time;
  record.update_time = now;
  record.data = StoredBytes(message);
  return record;
}

// Paging: page_size by the one rule (ipraktik/model/page.h); the token holds the last score seen
// and a fingerprint of the filters it was issued for.
struct PageRequest {
  int page_size = 0;
  std::int64_t after = 0;
  std::string filter;
};
PageRequest ParsePage(int page_size, const std::string& page_token, std::string filter,
                      errors::Violations& out);

// One page of an index's records that pass keep, in index order; next_page_token is empty at
// the end. Reads at most a few thousand records per call, so a sparse filter returns a short
// (even empty) page with a token to continue from.
template <typename Message>
struct Page {
  std::vector<Message> items;
  std::string next_page_token;
};

absl::StatusOr<Page<StoredRecord>> ScanIndex(
    RegistrationRepository& repository, const std::string& index,
    const std::function<std::string(const std::string& id)>& key_of, const PageRequest& page,
    const std::function<bool(const StoredRecord&)>& keep);

template <typename Message>
absl::StatusOr<Page<Message>> ListIndex(
    RegistrationRepository& repository, const std::string& index,
    const std::function<std::string(const std::string& id)>& key_of, const PageRequest& page,
    const std::function<bool(const Message&)>& keep) {
  std::vector<Message> items;
  absl::Status parse_status;
  auto scanned = ScanIndex(repository, index, key_of, page, [&](const StoredRecord& record) {
    auto message = ParseRecord<Message>(record);
    if (!message.ok()) {
      parse_status = message.status();
      return false;
    }
    if (!keep(*message)) return false;
    items.push_back(*std::move(message));
    return true;
  });
  if (!scanned.ok()) return scanned.status();
  if (!parse_status.ok()) return parse_status;
  return Page<Message>{std::move(items), std::move(scanned->next_page_token)};
}

// Applies the fields update_mask names (all of updatable when it is empty) from patch to target.
// A path outside updatable is a violation of "update_mask.paths[i]".
absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& update_mask,
                             std::initializer_list<std::string_view> updatable,
                             google::protobuf::Message& target);

// Text comparison for filters: without regard to case (Danish letters included).
bool SameText(std::string_view a, std::string_view b);

}  // namespace ipraktik::registration

namespace ipraktik::registration {

// A participant's next record, decided from what was read: the one with their e-mail address
// (existing) or a new one.
struct ParticipantPlan {
  v1::Participant message;  // with bookkeeping, as the response shows it
  StoredRecord record;
  bool created = false;
  std::int64_t previous_version = 0;
};
ParticipantPlan PlanParticipant(const Participant& given,
                                const std::optional<Loaded<v1::Participant>>& existing,
                                absl::Time now);
// The checks (nobody else took the address, the record did not change) and the writes.
void AddParticipantWrites(Transaction& transaction, const KeySpace& keys,
                          const ParticipantPlan& plan);

// Calls visit with every id of a sorted-set index, in batches, in order.
absl::Status ForEachInIndex(
    RegistrationRepository& repository, const std::string& index,
    const std::function<absl::Status(const std::vector<std::string>&)>& visit);

// The lookup of a workplace by name and municipality (without regard to case).
std::string WorkplaceNameKey(const KeySpace& keys, const v1::Workplace& workplace);
// The checks (no such record, the name not taken) and writes that create workplace (its id set).
void AddNewWorkplaceWrites(Transaction& transaction, const KeySpace& keys,
                           const v1::Workplace& workplace, absl::Time now);

// The round's host offers in creation order: every one, or only the published ones.
absl::StatusOr<std::vector<v1::HostOffer>> OffersOfRound(RegistrationRepository& repository,
                                                         const KeySpace& keys,
                                                         const std::string& round_id,
                                                         bool published_only);
// What wishes are matched against: the round's published offers with their workplaces' sectors.
absl::StatusOr<std::vector<OfferFacts>> PublishedOfferFacts(RegistrationRepository& repository,
                                                            const KeySpace& keys,
                                                            const std::string& round_id);

}  // namespace ipraktik::registration

namespace ipraktik::registration {

// A request id seen before: the result the first request stored (nullopt when the id is new or
// empty); ALREADY_EXISTS when that request had another fingerprint. Checked before the rules, so
// a retry is answered even when the rules would now refuse it (e.g. the round closed meanwhile).
absl::StatusOr<std::optional<std::string>> Replay(RegistrationRepository& repository,
                                                  const std::string& request_key,
                                                  const std::string& request_id,
                                                  const std::string& fingerprint);
// The same for a request key's value read already (nullopt: none stored).
absl::StatusOr<std::optional<std::string>> ReplayOf(const std::optional<std::string>& stored,
                                                    const std::string& request_id,
                                                    const std::string& fingerprint);

}  // namespace ipraktik::registration

namespace ipraktik::registration {

// The record a Get call names: INVALID_ARGUMENT when the id is empty (naming id_field),
// NOT_FOUND when the caller's tenant has no such record.
template <typename Message>
absl::StatusOr<Message> GetById(RegistrationRepository& repository, const Caller& caller,
                                const std::string& id, std::string_view id_field,
                                std::string_view kind,
                                std::string (KeySpace::*key_of)(std::string_view) const) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  errors::Violations violations;
  RequireId(id, id_field, violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto loaded = LoadExisting<Message>(repository, ((*keys).*key_of)(id), kind, id);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->message);
}

// The first step of every Update call: the stored record (NOT_FOUND when missing), its etag
// checked against the patch's, and the record with the fields of the update mask applied.
template <typename Message>
struct Update {
  Loaded<Message> before;
  Message after;
};

template <typename Message>
absl::StatusOr<Update<Message>> PrepareUpdate(RegistrationRepository& repository,
                                              const std::string& key, std::string_view kind,
                                              const std::string& id, const Message& patch,
                                              const google::protobuf::FieldMask& update_mask,
                                              std::initializer_list<std::string_view> updatable) {
  auto loaded = LoadExisting<Message>(repository, key, kind, id);
  if (!loaded.ok()) return loaded.status();
  if (absl::Status status = CheckEtag(patch.etag(), loaded->record.version, kind, id);
      !status.ok()) {
    return status;
  }
  Message after = loaded->message;
  if (absl::Status status = ApplyUpdateMask(patch, update_mask, updatable, after); !status.ok()) {
    return status;
  }
  return Update<Message>{*std::move(loaded), std::move(after)};
}

}  // namespace ipraktik::registration
