#pragma once

// The registration service's Redis store. Every key is a tenant key (ipraktik:{<tenant>}:...,
// libs/store), so one Lua script may change any of a tenant's records atomically.
//
// A record is a hash: v (version, 1 for a new record), c and u (created/updated, microseconds
// since the epoch), rec (the serialized storage record, record_mapping.h) and fields the scripts
// check (e.g. a round's state). Lists page over sorted-set indexes whose scores grow with every
// insertion, so a page token (the last score seen) stays valid while records are added.
//
// Writes are optimistic transactions: read what the change depends on (Reads), decide in C++
// with the domain rules, then Commit a Transaction whose checks verify, atomically with the
// writes and the outbox events, that what was read still holds. A check that fails because a
// concurrent change came first reports kRetry (read again and redo); one that guards a rule the
// client broke (a stale etag, a closed round) fails with the status it names.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::registration {

// Where each kind of record lives for one tenant.
class KeySpace {
 public:
  // INVALID_ARGUMENT for a tenant the store refuses.
  static absl::StatusOr<KeySpace> For(std::string_view tenant);

  const std::string& tenant() const { return keys_.tenant(); }

  std::string Programme(std::string_view id) const { return keys_.Key("programme", id); }
  std::string Round(std::string_view id) const { return keys_.Key("round", id); }
  std::string Workplace(std::string_view id) const { return keys_.Key("workplace", id); }
  std::string Participant(std::string_view id) const { return keys_.Key("participant", id); }
  std::string HostOffer(std::string_view id) const { return keys_.Key("offer", id); }
  std::string Application(std::string_view id) const { return keys_.Key("application", id); }

  // Sorted-set indexes, in creation order.
  std::string Programmes() const { return keys_.Key("programmes"); }
  std::string Rounds() const { return keys_.Key("rounds"); }
  std::string Workplaces() const { return keys_.Key("workplaces"); }
  std::string Participants() const { return keys_.Key("participants"); }
  std::string RoundOffers(std::string_view round_id) const {
    return keys_.Key("round-offers", round_id);
  }
  std::string RoundApplications(std::string_view round_id) const {
    return keys_.Key("round-applications", round_id);
  }
  // Sets: a participant's applications and the offers they are the contact of (for erasure).
  std::string ParticipantApplications(std::string_view participant_id) const {
    return keys_.Key("participant-applications", participant_id);
  }
  std::string ParticipantOffers(std::string_view participant_id) const {
    return keys_.Key("participant-offers", participant_id);
  }

  // Lookups (plain strings holding an id).
  // Named by the SHA-256 of the address, so no key name holds an e-mail address (key names
  // outlive erasure in the AOF's history and show in every key listing).
  std::string EmailIndex(std::string_view normalized_email) const;
  std::string WorkplaceNameIndex(std::string_view folded_name,
                                 std::string_view folded_municipality) const;
  // A manager's personal link, named by the token's keyed digest (never the token), holding the
  // application's id.
  std::string ApprovalLink(std::string_view digest) const { return keys_.Key("approval", digest); }
  // Sorted set: applications whose manager gets a reminder, scored by when (Unix seconds).
  std::string ApprovalReminders() const { return keys_.Key("approval-reminders"); }
  // A client request id of one method, holding the first request's fingerprint and result.
  std::string Request(std::string_view method, std::string_view request_id) const;
  // The counter behind the index scores.
  std::string Counter() const { return keys_.Key("sequence"); }

 private:
  explicit KeySpace(store::TenantKeys keys) : keys_(std::move(keys)) {}
  store::TenantKeys keys_;
};

// A record as stored.
struct StoredRecord {
  std::int64_t version = 0;
  absl::Time create_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();
  std::string data;                                        // the serialized storage record
  std::map<std::string, std::string, std::less<>> fields;  // every other hash field

  std::string Field(std::string_view name) const;
};

// A person's records in one round, found by e-mail address in one step (ReadResults::Person).
struct PersonInRound {
  std::optional<std::string> request;  // the stored result of the request id, when one was given
  std::optional<std::string> participant_id;
  std::optional<StoredRecord> participant;
  std::optional<StoredRecord> application;
};

// Reads sent together in one round trip. Each call returns the position of its result.
class Reads {
 public:
  std::size_t Record(std::string key);   // a StoredRecord (HGETALL)
  std::size_t Value(std::string key);    // a string (GET)
  std::size_t Members(std::string key);  // a set's members (SMEMBERS)
  // The participant with this (normalized) e-mail address and their application in the round,
  // and the stored result of request_key (empty: none), read by one script: the participant's
  // id is only known inside Redis. script is RegistrationRepository::person_script().
  std::size_t Person(const store::Script& script, const KeySpace& keys, std::string_view email,
                     std::string_view round_id, const std::string& request_key);

  const store::Pipeline& pipeline() const { return pipeline_; }
  bool empty() const { return pipeline_.empty(); }

 private:
  store::Pipeline pipeline_;
};

class ReadResults {
 public:
  explicit ReadResults(std::vector<store::Reply> replies) : replies_(std::move(replies)) {}
  // nullopt when the record or value does not exist.
  std::optional<StoredRecord> Record(std::size_t position) const;
  std::optional<std::string> Value(std::size_t position) const;
  std::vector<std::string> Members(std::size_t position) const;
  PersonInRound Person(std::size_t position) const;

 private:
  std::vector<store::Reply> replies_;
};

// One entry of a sorted-set index.
struct IndexEntry {
  std::string id;
  std::int64_t score = 0;
};

// Checks and writes applied atomically by RegistrationRepository::Commit, with the events that
// go to the tenant's outbox in the same step. Every check runs before any write, so a refused
// transaction changes nothing.
class Transaction {
 public:
  // A failed check that means "what you read has changed": read again and redo.
  static constexpr std::string_view kRetry = "RETRY";

  explicit Transaction(const KeySpace& keys);

  // A client request id: when key exists, nothing is checked or written and Commit reports a
  // duplicate with the result stored by the first request; when that request had another
  // fingerprint, ALREADY_EXISTS. Otherwise result is stored under key for ttl.
  void Dedupe(std::string key, std::string fingerprint, std::string result,
              absl::Duration ttl = absl::Hours(24));

  // failure: kRetry or "<STATUS_CODE> message" (e.g. "ABORTED ..."), see
  // store::ErrorReplyToStatus. Version 0 means the record must not exist.
  void ExpectVersion(const std::string& key, std::int64_t version,
                     std::string failure = std::string(kRetry));
  // The hash field holds one of allowed ("" stands for a missing field).
  void ExpectField(const std::string& key, std::string field, std::vector<std::string> allowed,
                   std::string failure = std::string(kRetry));
  // The string key holds value ("" stands for a missing key).
  void ExpectValue(const std::string& key, std::string value,
                   std::string failure = std::string(kRetry));

  // member is in the sorted set key.
  void ExpectScheduled(const std::string& key, std::string member,
                       std::string failure = std::string(kRetry));

  // Writes the whole record (version, times, data) and extra hash fields.
  void PutRecord(const std::string& key, const StoredRecord& record);
  void HashSet(const std::string& key, std::string field, std::string value);
  void HashIncrement(const std::string& key, std::string field, std::int64_t by = 1);
  void Set(const std::string& key, std::string value);
  void Delete(const std::string& key);
  // Adds member at the end of a sorted-set index unless it is there already.
  void Index(const std::string& key, std::string member);
  void Unindex(const std::string& key, std::string member);
  // Adds (or moves) member in a sorted set scored by time (Unix seconds); Unindex removes it.
  void Schedule(const std::string& key, std::string member, absl::Time at);
  void AddMember(const std::string& key, std::string member);
  void RemoveMember(const std::string& key, std::string member);

  void Emit(events::Envelope event) { events_.push_back(std::move(event)); }

  const std::string& tenant() const { return tenant_; }
  const std::vector<std::string>& keys() const { return keys_; }
  std::vector<std::string> Arguments() const;
  const std::vector<events::Envelope>& events() const { return events_; }

 private:
  std::string KeyRef(const std::string& key);
  void AddCheck(std::initializer_list<std::string> args);
  void AddWrite(std::initializer_list<std::string> args);

  std::string tenant_;
  std::string counter_key_;
  std::vector<std::string> keys_;
  std::map<std::string, std::size_t, std::less<>> key_positions_;
  std::vector<std::string> dedupe_;
  std::vector<std::string> checks_;
  std::size_t check_count_ = 0;
  std::vector<std::string> writes_;
  std::size_t write_count_ = 0;
  std::vector<events::Envelope> events_;
};

struct CommitResult {
  enum class Kind { kCommitted, kRetry, kDuplicate };
  Kind kind = Kind::kCommitted;
  // kDuplicate: the result the first request stored.
  std::string duplicate_result{};
  // kRetry: the key whose check failed (so a cached copy of it can be dropped).
  std::string conflict_key{};
};

class RegistrationRepository {
 public:
  // redis and outbox must outlive the repository.
  RegistrationRepository(store::Pool& redis, outbox::Outbox& outbox);

  absl::StatusOr<ReadResults> Read(const Reads& reads);
  // Many Reads in one round trip, their results in the same order.
  absl::StatusOr<std::vector<ReadResults>> ReadMany(std::span<const Reads* const> reads);
  absl::StatusOr<std::optional<StoredRecord>> Get(const std::string& key);

  // Up to count entries of a sorted-set index with a score above after, in order.
  absl::StatusOr<std::vector<IndexEntry>> Range(const std::string& index, std::int64_t after,
                                                int count);
  // Up to count members of a sorted set scored by time (Transaction::Schedule) due at now.
  absl::StatusOr<std::vector<std::string>> Due(const std::string& schedule, absl::Time now,
                                               int count);
  // Every tenant that ever wrote an event (the outbox's registry).
  absl::StatusOr<std::vector<std::string>> Tenants();
  // Records of many keys in one round trip (nullopt for missing ones).
  absl::StatusOr<std::vector<std::optional<StoredRecord>>> GetRecords(
      const std::vector<std::string>& keys);

  absl::StatusOr<CommitResult> Commit(const Transaction& transaction);
  // Many transactions in one round trip, each atomic on its own (not with each other), their
  // results in the same order. A broken connection fails every one that has no result.
  std::vector<absl::StatusOr<CommitResult>> CommitMany(
      std::span<const Transaction* const> transactions);

  // The script behind Reads::Person.
  const store::Script& person_script() const { return person_script_; }

  store::Pool& redis() { return redis_; }

 private:
  // The strings of a read command's array reply.
  absl::StatusOr<std::vector<std::string>> Strings(const std::vector<std::string>& command);

  store::Pool& redis_;
  outbox::Outbox& outbox_;
  events::EventScript transaction_script_;
  store::Script person_script_;
};

// A stable 64-bit fingerprint of bytes (FNV-1a), as 16 hex digits: tells a retried request from
// another request that reuses its request id.
std::string Fingerprint(std::string_view bytes);

}  // namespace ipraktik::registration
