#include "ipraktik/audit/api.h"

#include "google/protobuf/util/time_util.h"
#include "ipraktik/audit/declaration.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::audit {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kDefaultPageSize = 50;

v1::AuditKind KindOf(std::string_view name) {
  for (auto kind : {v1::AUDIT_KIND_PRIVILEGED, v1::AUDIT_KIND_PERSONAL_READ}) {
    if (KindName(kind) == name) return kind;
  }
  return v1::AUDIT_KIND_UNSPECIFIED;
}

absl::StatusOr<Query> QueryOf(const v1::AuditFilter& filter, int page_size,
                              const std::string& page_token) {
  errors::Violations violations;
  Query query;
  if (filter.has_since()) {
    query.since = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(filter.since()));
  }
  if (filter.has_until()) {
    query.until = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(filter.until()));
  }
  if (query.since && query.until && *query.until <= *query.since) {
    violations.Add("filter.until", "must be later than filter.since");
  }
  if (!v1::AuditKind_IsValid(filter.kind())) {
    violations.Add("filter.kind", "is not an audit kind");
  } else {
    query.kind = KindName(filter.kind());
  }
  query.method = filter.method();
  query.key_id = filter.key_id();
  query.object_id = filter.object_id();
  if (page_size < 0) violations.Add("page_size", "must not be negative");
  query.page_size = page_size == 0 ? kDefaultPageSize : page_size;
  query.page_token = page_token;
  if (!violations.empty()) return violations.ToStatus();
  return query;
}

v1::AuditEntry ToProto(const Entry& entry) {
  v1::AuditEntry out;
  out.set_entry_id(entry.id);
  *out.mutable_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(entry.time));
  out.set_kind(KindOf(entry.kind));
  out.set_method(entry.method);
  out.set_key_id(entry.key_id);
  out.set_role(entry.role);
  for (const auto& [field, id] : entry.object_ids) {
    auto* object = out.add_object_ids();
    object->set_field(field);
    object->set_id(id);
  }
  out.set_peer(entry.peer);
  out.set_correlation_id(entry.correlation_id);
  out.set_outcome(entry.outcome);
  for (const auto& [name, number] : entry.counts) {
    auto* count = out.add_counts();
    count->set_name(name);
    count->set_value(number);
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ListAuditEntriesResponse> ListEntries(
    const Log& log, std::string_view tenant, const v1::ListAuditEntriesRequest& request) {
  auto query = QueryOf(request.filter(), request.page_size(), request.page_token());
  if (!query.ok()) return query.status();
  auto page = log.List(tenant, *query);
  if (!page.ok()) return page.status();
  v1::ListAuditEntriesResponse response;
  for (const auto& entry : page->entries) *response.add_entries() = ToProto(entry);
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::ExportAuditEntriesResponse> ExportEntries(
    const Log& log, std::string_view tenant, const v1::ExportAuditEntriesRequest& request) {
  auto query = QueryOf(request.filter(), Log::kMaxPageSize, request.page_token());
  if (!query.ok()) return query.status();
  std::vector<Entry> entries;
  do {
    auto page = log.List(tenant, *query);
    if (!page.ok()) return page.status();
    for (auto& entry : page->entries) entries.push_back(std::move(entry));
    query->page_token = page->next_page_token;
  } while (!query->page_token.empty() &&
           static_cast<int>(entries.size()) + Log::kMaxPageSize <= kMaxExportEntries);
  v1::ExportAuditEntriesResponse response;
  response.set_csv(ToCsv(entries));
  response.set_entry_count(static_cast<int>(entries.size()));
  response.set_next_page_token(query->page_token);
  return response;
}

}  // namespace ipraktik::audit
