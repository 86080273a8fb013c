#pragma once

// The audit log: per tenant, an append-only Redis stream (ipraktik:{<tenant>}:audit) with one
// entry per privileged action and per read of a person's data: who (key id, role), what (the
// method, the object ids of its request), when (the entry's id: Redis's clock when it was
// written), from where (the peer address), the correlation id and the outcome. Entries are only
// ever added (XADD), never edited or trimmed by the system, and they hold ids only, never names or
// e-mail addresses: erasing a person leaves in the log only that the person was erased.
//
// The call shell (libs/server) writes an entry for every call whose RPC declares an audit kind
// (declaration.h), so no service writes one by hand; entry points that are not gRPC calls (a
// command-line tool acting on the store) call Log::Append themselves.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::audit {

// A request field that names an object, e.g. {"participant_id", "p-17"}; nested fields by their
// path ("offer.workplace_id").
using ObjectId = std::pair<std::string, std::string>;
// What a bulk action did, by number, e.g. {"rows_received", 120}: numbers, never data.
using Count = std::pair<std::string, std::int64_t>;

struct Entry {
  // Set when read back: the stream entry id ("1796428800123-0") and the time in it.
  std::string id{};
  absl::Time time = absl::InfinitePast();

  std::string kind{};    // "privileged" or "personal_read"
  std::string method{};  // the full gRPC method, "/ipraktik.v1.RegistrationService/GetParticipant"
  std::string key_id{};  // the caller's key id (not the key), empty before API keys
  std::string role{};    // the caller's role, empty before API keys
  std::vector<ObjectId> object_ids{};
  std::string peer{};  // where the call came from, as gRPC reports it ("ipv4:10.0.0.7:51234")
  std::string correlation_id{};  // the call's x-correlation-id
  std::string outcome{};         // "OK", or the status code's name ("NOT_FOUND", ...)
  std::vector<Count> counts{};   // a bulk action's summary (ImportSignUps), else empty
};

// The object ids of a request: every string field named "id" or ending in "_id", at any depth of
// nested messages and in repeated fields, in field order. At most kMaxObjectIds, each value cut
// to kMaxIdLength bytes; a value that contains '@' is recorded as "(withheld)", so an address put
// in an id field never reaches the log.
inline constexpr std::size_t kMaxObjectIds = 32;
inline constexpr std::size_t kMaxIdLength = 128;
std::vector<ObjectId> ObjectIdsOf(const google::protobuf::Message& request);

// Which entries to read. Times are inclusive (since) and exclusive (until); the other filters
// are exact matches, empty matching everything; object_id matches any of an entry's ids.
struct Query {
  std::optional<absl::Time> since{};
  std::optional<absl::Time> until{};
  std::string kind{};
  std::string method{};
  std::string key_id{};
  std::string object_id{};
  // Newest first, at most page_size entries (1 to Log::kMaxPageSize) from after page_token (the
  // last page's next_page_token).
  int page_size = 50;
  std::string page_token{};
};

struct Page {
  std::vector<Entry> entries{};
  // Empty when there are no more entries; otherwise where the next page starts.
  std::string next_page_token{};
};

class Log {
 public:
  // redis must outlive the log.
  explicit Log(store::Pool& redis) : redis_(redis) {}

  // Adds entry (its id and time are Redis's) to tenant's log; returns the entry's id.
  absl::StatusOr<std::string> Append(std::string_view tenant, const Entry& entry) const;

  // Entries of tenant's log matching query, newest first, at most kMaxPageSize a page (a larger
  // page_size is taken as kMaxPageSize). One call reads at most kMaxScanned
  // entries; when it stops there it returns what matched so far with a next_page_token, so a
  // filter that matches little never makes one call read a whole year of entries.
  static constexpr int kMaxScanned = 10'000;
  static constexpr int kMaxPageSize = 500;
  absl::StatusOr<Page> List(std::string_view tenant, const Query& query) const;

 private:
  store::Pool& redis_;
};

// The entries as CSV (RFC 4180, CRLF line ends) with a header line: id, time (RFC 3339, UTC),
// kind, method, key_id, role, object_ids ("name=value" joined by ';'), peer, correlation_id,
// outcome, counts ("name=number" joined by ';'). A field that starts with = + - @ tab or CR gets a
// ' in front, so a spreadsheet shows it as text instead of running it as a formula.
std::string ToCsv(const std::vector<Entry>& entries);

}  // namespace ipraktik::audit
