#pragma once

// Id -> index lookups for the ten million wishes of a national round. An open-addressing table
// whose 32-byte slots hold the full hash and, for ids up to 16 bytes, the id itself: a lookup
// usually costs one cache miss, where a general hash map costs three (control bytes, slot, and
// the key's characters elsewhere).

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/hash/hash.h"

namespace ipraktik::matching {

class IdTable {
 public:
  static constexpr std::uint32_t kMissing = 0xffffffffu;
  // How far ahead a sequential pass over ids starts the fetch of a slot.
  static constexpr std::size_t kAhead = 8;

  // ids must stay alive and unchanged while the table is used. The first of equal ids wins.
  template <typename IdOf>
  IdTable(std::size_t count, IdOf&& id_of) {
    std::size_t capacity = 16;
    while (capacity < 2 * count) capacity <<= 1;
    slots_.resize(capacity);
    mask_ = capacity - 1;
    ids_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      if (i + kAhead < count) Prefetch(id_of(i + kAhead));
      const std::string_view id = id_of(i);
      ids_.push_back(id);
      const std::uint64_t hash = Hash(id);
      if (Find(id, hash) != kMissing) continue;
      std::size_t at = hash & mask_;
      while (slots_[at].size_plus_one != 0) at = (at + 1) & mask_;
      Slot& slot = slots_[at];
      slot.hash = hash;
      slot.index = static_cast<std::uint32_t>(i);
      slot.size_plus_one = static_cast<std::uint32_t>(id.size()) + 1;
      if (id.size() <= sizeof slot.bytes) std::memcpy(slot.bytes, id.data(), id.size());
    }
  }

  std::uint32_t Find(std::string_view id) const { return Find(id, Hash(id)); }

  // A lookup in two steps, so that a caller can start the memory fetches of many ids before it
  // needs the first answer: Prefetch returns the id's hash for Find.
  std::uint64_t Prefetch(std::string_view id) const {
    const std::uint64_t hash = Hash(id);
    __builtin_prefetch(&slots_[hash & mask_]);
    return hash;
  }
  std::uint32_t Find(std::string_view id, std::uint64_t hash) const {
    for (std::size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.size_plus_one == 0) return kMissing;
      if (slot.hash != hash || slot.size_plus_one != id.size() + 1) continue;
      if (id.size() > sizeof slot.bytes) {
        if (ids_[slot.index] == id) return slot.index;
        continue;
      }
      bool same = true;
      for (std::size_t k = 0; k < id.size(); ++k) same = same && slot.bytes[k] == id[k];
      if (same) return slot.index;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t index = 0;
    std::uint32_t size_plus_one = 0;  // 0: empty
    char bytes[16] = {};              // the id, when it fits
  };
  static_assert(sizeof(Slot) == 32);

  static std::uint64_t Hash(std::string_view id) {
    return absl::Hash<absl::string_view>{}(absl::string_view(id.data(), id.size()));
  }

  std::vector<Slot> slots_;
  std::vector<std::string_view> ids_;
  std::size_t mask_ = 0;
};

}  // namespace ipraktik::matching
