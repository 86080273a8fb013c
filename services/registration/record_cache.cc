#include "record_cache.h"

#include "absl/time/clock.h"

namespace ipraktik::registration {

RecordCache::RecordCache(absl::Duration ttl, std::size_t max_entries)
    : ttl_(ttl), max_entries_(max_entries) {}

std::optional<StoredRecord> RecordCache::Get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires < absl::Now()) return std::nullopt;
  return it->second.record;
}

void RecordCache::Put(const std::string& key, const StoredRecord& record) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_.insert_or_assign(key, Entry{record, absl::Now() + ttl_});
}

void RecordCache::Evict(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace ipraktik::registration
