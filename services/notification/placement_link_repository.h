#pragma once

// Where the placement links live in Redis (docs/notification.md, "My placement"): per tenant,
// notification:link:<digest> (HASH: role, scope, participant, round, the latest event and its
// revision, expiry, cancelled, withdrawn, declined) named by the keyed digest of the token, never
// the token, and notification:links:<participant> (SET of the digests of a person's links) for
// their erasure. Each change is one command or one script, so a repeat changes nothing more.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/placement_links.h"
#include "ipraktik/store/pool.h"
#include "redis_batch.h"

namespace ipraktik::notification {

class PlacementLinkRepository {
 public:
  // redis must outlive the repository.
  explicit PlacementLinkRepository(store::Pool& redis);
  ~PlacementLinkRepository();

  // Records the link (or moves it to a newer event), unless a newer revision is stored already
  // or its person has been erased; the record is kept until `keep_until` (after its expiry, so
  // that an expired link is told apart from an unknown one). A cancelled placement placed again
  // is live again; a withdrawal stays.
  absl::Status Record(const std::string& tenant, const std::string& digest, const StoredLink& link,
                      absl::Time keep_until, absl::Time now);
  // The same, sent with other calls (see RedisBatch).
  absl::Status Record(RedisBatch& batch, const std::string& tenant, const std::string& digest,
                      const StoredLink& link, absl::Time keep_until, absl::Time now);
  // The intern's link: a re-match took the placement away (event at revision). Nothing when
  // there is no such link or a newer revision is stored.
  absl::Status Cancel(const std::string& tenant, const std::string& digest,
                      const std::string& event_id, std::int64_t revision);
  absl::Status Cancel(RedisBatch& batch, const std::string& tenant, const std::string& digest,
                      const std::string& event_id, std::int64_t revision);
  absl::StatusOr<std::optional<StoredLink>> Get(const std::string& tenant,
                                                const std::string& digest);
  // Adds the intern to the host link's declined ones: false when they were there already.
  // NOT_FOUND when the link is gone (erased meanwhile).
  absl::StatusOr<bool> MarkDeclined(const std::string& tenant, const std::string& digest,
                                    const std::string& participant_id);
  // The intern's link withdrew: false when it had already.
  absl::StatusOr<bool> MarkWithdrawn(const std::string& tenant, const std::string& digest);
  // Deletes every link of the participant (GDPR erasure): how many there were.
  absl::StatusOr<int> Erase(const std::string& tenant, const std::string& participant_id);

 private:
  struct Scripts;
  store::Pool& redis_;
  std::unique_ptr<Scripts> scripts_;
};

}  // namespace ipraktik::notification
