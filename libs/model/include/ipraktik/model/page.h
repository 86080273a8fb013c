#pragma once

// The one page-size rule of every List RPC of every service (docs/api.md, "Paging"): page_size 0
// means kDefaultPageSize, 1..kMaxPageSize is taken as asked, anything else is refused with
// INVALID_ARGUMENT naming page_size (by the call shell, libs/server, before the domain call).

namespace ipraktik::model {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// Whether page_size is one a caller may ask for.
constexpr bool IsValidPageSize(int page_size) {
  return page_size >= 0 && page_size <= kMaxPageSize;
}

// The page size in force: kDefaultPageSize for 0; a value out of range (which the call shell
// has refused already) is held within 1..kMaxPageSize all the same.
constexpr int PageSizeOf(int page_size) {
  if (page_size == 0) return kDefaultPageSize;
  return page_size < 1 ? 1 : (page_size > kMaxPageSize ? kMaxPageSize : page_size);
}

}  // namespace ipraktik::model
