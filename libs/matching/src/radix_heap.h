#pragma once

// A monotone priority queue for Dijkstra with integer keys: a popped key is never smaller than the
// one before, which lets keys live in 65 buckets by their highest bit differing from the last
// popped key. Push is O(1); each entry moves down at most 64 times.

#include <array>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace ipraktik::matching {

class RadixHeap {
 public:
  using Entry = std::pair<std::uint64_t, std::uint32_t>;  // key, node

  bool empty() const { return size_ == 0; }

  // key must not be smaller than the last popped key.
  void Push(std::uint64_t key, std::uint32_t node) {
    buckets_[Bucket(key)].emplace_back(key, node);
    ++size_;
  }

  Entry Pop() {
    if (buckets_[0].empty()) {
      std::size_t index = 1;
      while (buckets_[index].empty()) ++index;
      std::uint64_t smallest = buckets_[index].front().first;
      for (const Entry& entry : buckets_[index]) smallest = std::min(smallest, entry.first);
      last_ = smallest;
      for (const Entry& entry : buckets_[index]) buckets_[Bucket(entry.first)].push_back(entry);
      buckets_[index].clear();
    }
    Entry entry = buckets_[0].back();
    buckets_[0].pop_back();
    --size_;
    return entry;
  }

  void Clear() {
    for (auto& bucket : buckets_) bucket.clear();
    size_ = 0;
    last_ = 0;
  }

 private:
  std::size_t Bucket(std::uint64_t key) const {
    return key == last_ ? 0 : 64 - static_cast<std::size_t>(std::countl_zero(key ^ last_));
  }

  std::array<std::vector<Entry>, 65> buckets_;
  std::size_t size_ = 0;
  std::uint64_t last_ = 0;
};

}  // namespace ipraktik::matching
