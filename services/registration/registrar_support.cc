#include "registrar_support.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "domain/text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/time_util.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/model/page.h"

namespace ipraktik::registration {
namespace {

// Records read for one page at most, however sparse the filter.
constexpr int kScanBudget = 5000;

std::string RandomHex(std::size_t digits) {
  std::string hex;
  while (hex.size() < digits) {
    // A version 4 UUID from the kernel's random source; its version and variant digits are
    // fixed, so only the random ones are used.
    std::string uuid = events::NewEventId();
    for (std::size_t i = 0; i < uuid.size() && hex.size() < digits; ++i) {
      if (uuid[i] == '-' || i == 14 || i == 19) continue;
      hex.push_back(uuid[i]);
    }
  }
  return hex;
}

absl::string_view View(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

absl::StatusOr<KeySpace> KeysFor(const Caller& caller) { return KeySpace::For(caller.tenant); }

std::string NewId(std::string_view prefix) {
  return absl::StrCat(View(prefix), "-", RandomHex(16));
}

std::string ApplicationId(std::string_view round_id, std::string_view participant_id) {
  return absl::StrCat("app-", View(round_id), ".", View(participant_id));
}

void CheckRequestId(const std::string& request_id, errors::Violations& out) {
  if (request_id.empty()) return;
  bool valid =
      request_id.size() <= 64 && std::all_of(request_id.begin(), request_id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      });
  if (!valid) out.Add("request_id", "must be 1-64 of A-Z, a-z, 0-9, '-', '_' and '.'");
}

void RequireId(const std::string& id, std::string_view field, errors::Violations& out) {
  if (id.empty()) out.Add(std::string(field), "is required");
}

absl::Status CheckEtag(std::string_view given, std::int64_t version, std::string_view kind,
                       std::string_view id) {
  if (given.empty() || given == Etag(version)) return absl::OkStatus();
  return errors::WithReason(
      absl::AbortedError(absl::StrCat(
          View(kind), " ", errors::Cut(id), " was changed by someone else since it was read (etag ",
          errors::Cut(given), ", now ", Etag(version), "): read it again and reapply the change")),
      "ETAG_MISMATCH",
      {{"resource", absl::StrCat(View(kind), "/", errors::Cut(id))}, {"etag", Etag(version)}});
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&coded);
  }
  return Fingerprint(bytes);
}

PageRequest ParsePage(int page_size, const std::string& page_token, std::string filter,
                      errors::Violations& out) {
  PageRequest page;
  page.filter = Fingerprint(filter);
  page.page_size = model::PageSizeOf(page_size);
  if (page_token.empty()) return page;
  std::string decoded;
  bool valid = absl::WebSafeBase64Unescape(page_token, &decoded);
  auto colon = decoded.find(':');
  if (valid && colon != std::string::npos) {
    std::string_view score = std::string_view(decoded).substr(0, colon);
    auto [end, error] = std::from_chars(score.data(), score.data() + score.size(), page.after);
    valid = error == std::errc() && end == score.data() + score.size();
    if (valid && decoded.substr(colon + 1) != page.filter) {
      out.Add("page_token", "was issued for other filters: repeat the first request's filters");
      return page;
    }
  } else {
    valid = false;
  }
  if (!valid) out.Add("page_token", "is not a page token this API issued");
  return page;
}

absl::StatusOr<Page<StoredRecord>> ScanIndex(
    RegistrationRepository& repository, const std::string& index,
    const std::function<std::string(const std::string& id)>& key_of, const PageRequest& page,
    const std::function<bool(const StoredRecord&)>& keep) {
  Page<StoredRecord> result;
  std::int64_t after = page.after;
  int scanned = 0;
  int kept = 0;
  const int batch = std::max(page.page_size, 100);
  while (true) {
    auto entries = repository.Range(index, after, batch);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) return result;  // the end: no token
    std::vector<std::string> keys;
    keys.reserve(entries->size());
    for (const IndexEntry& entry : *entries) keys.push_back(key_of(entry.id));
    auto records = repository.GetRecords(keys);
    if (!records.ok()) return records.status();
    for (std::size_t i = 0; i < entries->size(); ++i) {
      after = (*entries)[i].score;
      ++scanned;
      // An index entry whose record is gone (an erasure in between) is skipped.
      if ((*records)[i].has_value() && keep(*(*records)[i])) ++kept;
      if (kept == page.page_size) {
        result.next_page_token = absl::WebSafeBase64Escape(absl::StrCat(after, ":", page.filter));
        return result;
      }
    }
    if (static_cast<int>(entries->size()) < batch) return result;
    if (scanned >= kScanBudget) {
      result.next_page_token = absl::WebSafeBase64Escape(absl::StrCat(after, ":", page.filter));
      return result;
    }
  }
}

absl::Status ApplyUpdateMask(const google::protobuf::Message& patch,
                             const google::protobuf::FieldMask& update_mask,
                             std::initializer_list<std::string_view> updatable,
                             google::protobuf::Message& target) {
  errors::Violations violations;
  google::protobuf::FieldMask mask;
  if (update_mask.paths().empty()) {
    for (std::string_view path : updatable) mask.add_paths(std::string(path));
  } else {
    for (int i = 0; i < update_mask.paths_size(); ++i) {
      const std::string& path = update_mask.paths(i);
      if (std::find(updatable.begin(), updatable.end(), path) == updatable.end()) {
        std::string list;
        for (std::string_view name : updatable)
          absl::StrAppend(&list, list.empty() ? "" : ", ", View(name));
        violations.Add(
            errors::FieldPath("update_mask").Field("paths").Index(static_cast<std::size_t>(i)),
            absl::StrCat("\"", path, "\" cannot be updated; updatable: ", list));
      } else {
        mask.add_paths(path);
      }
    }
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, mask, options, &target);
  return absl::OkStatus();
}

bool SameText(std::string_view a, std::string_view b) { return FoldCase(a) == FoldCase(b); }

}  // namespace ipraktik::registration

namespace ipraktik::registration {

ParticipantPlan PlanParticipant(const Participant& given,
                                const std::optional<Loaded<v1::Participant>>& existing,
                                absl::Time now) {
  ParticipantPlan plan;
  plan.created = !existing.has_value();
  Participant participant = given;
  participant.id = existing ? existing->message.participant_id() : NewId("par");
  plan.message = ToProto(participant);
  if (participant.consent) {
    // Consent keeps the time it was first given, until it is withdrawn.
    if (existing && existing->message.consent()) {
      *plan.message.mutable_consent_time() = existing->message.consent_time();
    } else {
      *plan.message.mutable_consent_time() =
          google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
    }
  }
  plan.previous_version = existing ? existing->record.version : 0;
  plan.record = NextVersion(existing ? &existing->record : nullptr, plan.message, now);
  SetBookkeeping(plan.record, plan.message);
  return plan;
}

void AddParticipantWrites(Transaction& transaction, const KeySpace& keys,
                          const ParticipantPlan& plan) {
  const std::string& id = plan.message.participant_id();
  std::string email_key = keys.EmailIndex(plan.message.email());
  transaction.ExpectValue(email_key, plan.created ? "" : id);
  transaction.ExpectVersion(keys.Participant(id), plan.previous_version);
  transaction.PutRecord(keys.Participant(id), plan.record);
  transaction.Set(email_key, id);
  transaction.Index(keys.Participants(), id);
}

absl::Status ForEachInIndex(
    RegistrationRepository& repository, const std::string& index,
    const std::function<absl::Status(const std::vector<std::string>&)>& visit) {
  constexpr int kBatch = 500;
  std::int64_t after = 0;
  while (true) {
    auto entries = repository.Range(index, after, kBatch);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) return absl::OkStatus();
    std::vector<std::string> ids;
    ids.reserve(entries->size());
    for (const IndexEntry& entry : *entries) ids.push_back(entry.id);
    after = entries->back().score;
    if (absl::Status status = visit(ids); !status.ok()) return status;
    if (static_cast<int>(entries->size()) < kBatch) return absl::OkStatus();
  }
}

std::string WorkplaceNameKey(const KeySpace& keys, const v1::Workplace& workplace) {
  return keys.WorkplaceNameIndex(FoldCase(workplace.name()), FoldCase(workplace.municipality()));
}

void AddNewWorkplaceWrites(Transaction& transaction, const KeySpace& keys,
                           const v1::Workplace& workplace, absl::Time now) {
  const std::string& id = workplace.workplace_id();
  const std::string name_key = WorkplaceNameKey(keys, workplace);
  v1::Workplace message = workplace;
  transaction.ExpectVersion(keys.Workplace(id), 0);
  transaction.ExpectValue(name_key, "");
  transaction.PutRecord(keys.Workplace(id), NextVersion(nullptr, message, now));
  transaction.Set(name_key, id);
  transaction.Index(keys.Workplaces(), id);
}

absl::StatusOr<std::vector<v1::HostOffer>> OffersOfRound(RegistrationRepository& repository,
                                                         const KeySpace& keys,
                                                         const std::string& round_id,
                                                         bool published_only) {
  std::vector<v1::HostOffer> offers;
  absl::Status status =
      ForEachInIndex(repository, keys.RoundOffers(round_id),
                     [&](const std::vector<std::string>& ids) -> absl::Status {
                       std::vector<std::string> record_keys;
                       for (const auto& id : ids) record_keys.push_back(keys.HostOffer(id));
                       auto records = repository.GetRecords(record_keys);
                       if (!records.ok()) return records.status();
                       for (const auto& record : *records) {
                         if (!record || (published_only && record->Field("state") != "published"))
                           continue;
                         auto offer = ParseRecord<v1::HostOffer>(*record);
                         if (!offer.ok()) return offer.status();
                         offers.push_back(*std::move(offer));
                       }
                       return absl::OkStatus();
                     });
  if (!status.ok()) return status;
  return offers;
}

absl::StatusOr<std::vector<OfferFacts>> PublishedOfferFacts(RegistrationRepository& repository,
                                                            const KeySpace& keys,
                                                            const std::string& round_id) {
  auto offers = OffersOfRound(repository, keys, round_id, /*published_only=*/true);
  if (!offers.ok()) return offers.status();
  std::vector<std::string> workplace_ids;
  for (const auto& offer : *offers) workplace_ids.push_back(offer.workplace_id());
  std::sort(workplace_ids.begin(), workplace_ids.end());
  workplace_ids.erase(std::unique(workplace_ids.begin(), workplace_ids.end()), workplace_ids.end());
  std::vector<std::string> workplace_keys;
  for (const auto& id : workplace_ids) workplace_keys.push_back(keys.Workplace(id));
  auto records = repository.GetRecords(workplace_keys);
  if (!records.ok()) return records.status();
  std::map<std::string, Sector, std::less<>> sectors;
  for (const auto& record : *records) {
    if (!record) continue;
    auto workplace = ParseRecord<v1::Workplace>(*record);
    if (!workplace.ok()) return workplace.status();
    sectors[workplace->workplace_id()] = ToDomain(*workplace).sector;
  }
  std::vector<OfferFacts> facts;
  facts.reserve(offers->size());
  for (const auto& message : *offers) {
    HostOffer offer = ToDomain(message);
    auto sector = sectors.find(offer.workplace_id);
    facts.push_back({.id = offer.id,
                     .workplace_id = offer.workplace_id,
                     .sector = sector == sectors.end() ? Sector::kUnspecified : sector->second,
                     .region = offer.region,
                     .municipality = offer.municipality,
                     .fields = offer.fields,
                     .days = offer.days});
  }
  return facts;
}

}  // namespace ipraktik::registration

namespace ipraktik::registration {

absl::StatusOr<std::optional<std::string>> Replay(RegistrationRepository& repository,
                                                  const std::string& request_key,
                                                  const std::string& request_id,
                                                  const std::string& fingerprint) {
  if (request_id.empty()) return std::optional<std::string>();
  Reads reads;
  reads.Value(request_key);
  auto read = repository.Read(reads);
  if (!read.ok()) return read.status();
  return ReplayOf(read->Value(0), request_id, fingerprint);
}

absl::StatusOr<std::optional<std::string>> ReplayOf(const std::optional<std::string>& stored,
                                                    const std::string& request_id,
                                                    const std::string& fingerprint) {
  if (request_id.empty() || !stored) return std::optional<std::string>();
  auto newline = stored->find('\n');
  if (newline == std::string::npos || stored->substr(0, newline) != fingerprint) {
    return errors::AlreadyExists("request", request_id,
                                 "request_id was already used for a different request");
  }
  return std::optional<std::string>(stored->substr(newline + 1));
}

}  // namespace ipraktik::registration
