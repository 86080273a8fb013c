#include "ipraktik/audit/audit.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/text/text.h"

namespace ipraktik::audit {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::string_view kIdFieldPrefix = "id:";
constexpr std::string_view kCountFieldPrefix = "count:";
constexpr char kWithheld[] = "(withheld)";

bool NamesAnObject(const FieldDescriptor& field) {
  return field.name() == "id" || std::string_view(field.name()).ends_with("_id");
}

void CollectIds(const Message& message, const std::string& prefix, std::vector<ObjectId>& ids) {
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);  // set fields only, in field number order
  for (const FieldDescriptor* field : fields) {
    if (ids.size() >= kMaxObjectIds) return;
    std::string path = prefix + field->name();
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_map()) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
          CollectIds(reflection->GetRepeatedMessage(message, field, i), path + ".", ids);
        }
      } else {
        CollectIds(reflection->GetMessage(message, field), path + ".", ids);
      }
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING || !NamesAnObject(*field)) continue;
    auto add = [&](std::string value) {
      if (ids.size() >= kMaxObjectIds || value.empty()) return;
      if (value.find('@') != std::string::npos) value = kWithheld;
      if (value.size() > kMaxIdLength) value.resize(kMaxIdLength);
      ids.emplace_back(path, std::move(value));
    };
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        add(reflection->GetRepeatedString(message, field, i));
      }
    } else {
      add(reflection->GetString(message, field));
    }
  }
}

absl::StatusOr<std::string> StreamKey(std::string_view tenant) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return keys->Key("audit");
}

// The milliseconds of a stream entry id ("1764892800123-0").
absl::Time TimeOfId(std::string_view id) {
  std::int64_t ms = 0;
  std::from_chars(id.data(), id.data() + id.size(), ms);
  return absl::FromUnixMillis(ms);
}

Entry ParseEntry(const store::Reply& item) {
  Entry entry;
  if (item.elements().size() != 2) return entry;
  entry.id = item.elements()[0].str();
  entry.time = TimeOfId(entry.id);
  const auto& fields = item.elements()[1].elements();
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].str();
    const std::string& value = fields[i + 1].str();
    if (name.starts_with(kIdFieldPrefix)) {
      entry.object_ids.emplace_back(name.substr(kIdFieldPrefix.size()), value);
    } else if (name.starts_with(kCountFieldPrefix)) {
      std::int64_t number = 0;
      std::from_chars(value.data(), value.data() + value.size(), number);
      entry.counts.emplace_back(name.substr(kCountFieldPrefix.size()), number);
    } else if (name == "kind") {
      entry.kind = value;
    } else if (name == "method") {
      entry.method = value;
    } else if (name == "key_id") {
      entry.key_id = value;
    } else if (name == "role") {
      entry.role = value;
    } else if (name == "peer") {
      entry.peer = value;
    } else if (name == "correlation_id") {
      entry.correlation_id = value;
    } else if (name == "outcome") {
      entry.outcome = value;
    }
  }
  return entry;
}

// "<milliseconds>-<sequence>", as Redis numbers stream entries.
bool IsEntryId(std::string_view id) {
  auto dash = id.find('-');
  auto digits = [](std::string_view part) {
    return !part.empty() && part.size() <= 20 &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return dash != std::string_view::npos && digits(id.substr(0, dash)) &&
         digits(id.substr(dash + 1));
}

bool Matches(const Entry& entry, const Query& query) {
  auto same = [](const std::string& wanted, const std::string& value) {
    return wanted.empty() || wanted == value;
  };
  if (!same(query.kind, entry.kind) || !same(query.method, entry.method) ||
      !same(query.key_id, entry.key_id)) {
    return false;
  }
  return query.object_id.empty() ||
         std::any_of(entry.object_ids.begin(), entry.object_ids.end(),
                     [&](const ObjectId& id) { return id.second == query.object_id; });
}

// A field a spreadsheet will not run as a formula: ids come from callers, and a refused call's
// ids are recorded too, so "=HYPERLINK(...)" as a participant id is possible. A leading
// = + - @ tab or CR gets a ' before it (OWASP's advice for CSV injection).
std::string Inert(std::string field) {
  if (!field.empty() && std::string_view("=+-@\t\r").find(field.front()) != std::string::npos) {
    field.insert(field.begin(), '\'');
  }
  return field;
}

}  // namespace

std::vector<ObjectId> ObjectIdsOf(const Message& request) {
  std::vector<ObjectId> ids;
  CollectIds(request, "", ids);
  return ids;
}

absl::StatusOr<std::string> Log::Append(std::string_view tenant, const Entry& entry) const {
  auto key = StreamKey(tenant);
  if (!key.ok()) return key.status();
  std::vector<std::string> command = {
      "XADD",     *key,         "*",        "kind",           entry.kind,
      "method",   entry.method, "key_id",   entry.key_id,     "role",
      entry.role, "peer",       entry.peer, "correlation_id", entry.correlation_id,
      "outcome",  entry.outcome};
  for (const auto& [name, value] : entry.object_ids) {
    command.push_back(std::string(kIdFieldPrefix) + name);
    command.push_back(value);
  }
  for (const auto& [name, number] : entry.counts) {
    command.push_back(std::string(kCountFieldPrefix) + name);
    command.push_back(std::to_string(number));
  }
  // Retry::kNever: XADD with '*' sent twice would add the entry twice.
  auto reply = redis_.Command(command);
  if (!reply.ok()) return reply.status();
  if (absl::Status status = reply->ToStatus(); !status.ok()) return status;
  return reply->str();
}

absl::StatusOr<Page> Log::List(std::string_view tenant, const Query& query) const {
  auto key = StreamKey(tenant);
  if (!key.ok()) return key.status();
  if (!query.page_token.empty() && !IsEntryId(query.page_token)) {
    errors::Violations violations;
    violations.Add("page_token", "is not a page token this service gave out");
    return violations.ToStatus();
  }
  const int page_size = std::clamp(query.page_size, 1, Log::kMaxPageSize);
  // XREVRANGE reads from the newest (end) back to the oldest (start); "(" excludes an id.
  std::string end = !query.page_token.empty() ? "(" + query.page_token
                    : query.until             ? std::to_string(absl::ToUnixMillis(*query.until) - 1)
                                              : "+";
  const std::string start = query.since ? std::to_string(absl::ToUnixMillis(*query.since)) : "-";
  const int chunk = std::max(page_size, 200);
  Page page;
  int scanned = 0;
  while (true) {
    auto reply = redis_.Command({"XREVRANGE", *key, end, start, "COUNT", std::to_string(chunk)},
                                store::Retry::kIdempotent);
    if (!reply.ok()) return reply.status();
    if (absl::Status status = reply->ToStatus(); !status.ok()) return status;
    const auto& items = reply->elements();
    for (const auto& item : items) {
      Entry entry = ParseEntry(item);
      ++scanned;
      end = "(" + entry.id;
      if (!Matches(entry, query)) continue;
      page.entries.push_back(std::move(entry));
      if (static_cast<int>(page.entries.size()) == page_size) {
        page.next_page_token = page.entries.back().id;
        return page;
      }
    }
    if (static_cast<int>(items.size()) < chunk) return page;  // the start of the log
    if (scanned >= kMaxScanned) {
      page.next_page_token = end.substr(1);
      return page;
    }
  }
}

std::string ToCsv(const std::vector<Entry>& entries) {
  std::string csv =
      "id,time,kind,method,key_id,role,object_ids,peer,correlation_id,outcome,counts\r\n";
  for (const auto& entry : entries) {
    std::vector<std::string> ids;
    for (const auto& [name, value] : entry.object_ids) ids.push_back(name + "=" + value);
    std::vector<std::string> counts;
    for (const auto& [name, number] : entry.counts)
      counts.push_back(absl::StrCat(name, "=", number));
    std::vector<std::string> fields = {
        entry.id,
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", entry.time, absl::UTCTimeZone()),
        entry.kind,
        entry.method,
        entry.key_id,
        entry.role,
        absl::StrJoin(ids, ";"),
        entry.peer,
        entry.correlation_id,
        entry.outcome,
        absl::StrJoin(counts, ";")};
    for (auto& field : fields) field = text::CsvField(Inert(field));
    absl::StrAppend(&csv, absl::StrJoin(fields, ","), "\r\n");
  }
  return csv;
}

}  // namespace ipraktik::audit
