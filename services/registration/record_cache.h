#pragma once

// Records that rarely change (rounds, programmes, workplaces, host offers), kept for a moment so
// the hot sign-up path needs no round trip for them. Deciding on a cached record stays correct:
// the transaction acting on the decision checks each record's version and, when one moved on,
// fails with that key, which the caller evicts before deciding again. A refusal is never based
// on the cache alone (the Registrar decides again on fresh records before it refuses).

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/time/time.h"
#include "registration_repository.h"

namespace ipraktik::registration {

class RecordCache {
 public:
  // Entries live for ttl; beyond max_entries the cache starts over.
  explicit RecordCache(absl::Duration ttl = absl::Seconds(2), std::size_t max_entries = 100'000);

  std::optional<StoredRecord> Get(const std::string& key) const;
  void Put(const std::string& key, const StoredRecord& record);
  void Evict(const std::string& key);

 private:
  struct Entry {
    StoredRecord record;
    absl::Time expires;
  };
  const absl::Duration ttl_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ipraktik::registration
