// Host offers: created as drafts in a draft or open round, published for interns to wish for,
// withdrawn when the place is no longer offered.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "ipraktik/contract/event_types.h"
#include "registrar.h"
#include "registrar_events.h"
#include "registrar_metrics.h"
#include "registrar_support.h"

namespace ipraktik::registration {
namespace {

using errors::FieldPath;
using errors::Violations;

// What an offer's rules depend on.
struct OfferContext {
  std::optional<Loaded<v1::Round>> round;
  std::optional<Loaded<v1::Workplace>> workplace;
  std::optional<Loaded<v1::Participant>> contact;
  std::optional<Loaded<v1::Workplace>> contact_workplace;
};

absl::StatusOr<OfferContext> LoadOfferContext(RegistrationRepository& repository,
                                              const KeySpace& keys, const std::string& round_id,
                                              const std::string& workplace_id,
                                              const std::string& contact_id) {
  Reads reads;
  std::size_t round_at = reads.Record(keys.Round(round_id));
  std::size_t workplace_at = reads.Record(keys.Workplace(workplace_id));
  std::size_t contact_at = reads.Record(keys.Participant(contact_id));
  auto read = repository.Read(reads);
  if (!read.ok()) return read.status();
  OfferContext context;
  auto round = ToLoaded<v1::Round>(read->Record(round_at));
  if (!round.ok()) return round.status();
  context.round = *std::move(round);
  auto workplace = ToLoaded<v1::Workplace>(read->Record(workplace_at));
  if (!workplace.ok()) return workplace.status();
  context.workplace = *std::move(workplace);
  auto contact = ToLoaded<v1::Participant>(read->Record(contact_at));
  if (!contact.ok()) return contact.status();
  context.contact = *std::move(contact);
  if (context.contact) {
    auto contact_workplace =
        repository.Get(keys.Workplace(context.contact->message.workplace_id()));
    if (!contact_workplace.ok()) return contact_workplace.status();
    auto loaded = ToLoaded<v1::Workplace>(*std::move(contact_workplace));
    if (!loaded.ok()) return loaded.status();
    context.contact_workplace = *std::move(loaded);
  }
  return context;
}

// Checks the offer against its context; OK or the violations / the round's precondition.
absl::Status CheckOffer(HostOffer& offer, const OfferContext& context) {
  Workplace workplace = context.workplace ? ToDomain(context.workplace->message) : Workplace{};
  Normalize(offer, context.workplace ? &workplace : nullptr);
  Round round = context.round ? ToDomain(context.round->message) : Round{};
  Participant contact = context.contact ? ToDomain(context.contact->message) : Participant{};
  Violations violations;
  CheckHostOffer(offer, context.round ? &round : nullptr, context.workplace ? &workplace : nullptr,
                 context.contact ? &contact : nullptr, FieldPath("host_offer"), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  return AllowsHostOfferChange(round);
}

// The checks that make the decision above hold at commit time.
void ExpectOfferContext(Transaction& transaction, const KeySpace& keys,
                        const OfferContext& context) {
  transaction.ExpectField(keys.Round(context.round->message.round_id()), "state",
                          {"draft", "open"});
  transaction.ExpectVersion(keys.Workplace(context.workplace->message.workplace_id()),
                            context.workplace->record.version);
  transaction.ExpectVersion(keys.Participant(context.contact->message.participant_id()),
                            context.contact->record.version);
}

StoredRecord OfferRecord(const StoredRecord* previous, v1::HostOffer& message, absl::Time now) {
  StoredRecord record = NextVersion(previous, message, now);
  record.fields["state"] = HostOfferStateName(ToDomain(message.state()));
  record.fields["round"] = message.round_id();
  record.fields["participant"] = message.contact_participant_id();
  return record;
}

absl::StatusOr<events::Envelope> PublishedEvent(const Caller& caller, const v1::HostOffer& offer,
                                                const OfferContext& context, std::int64_t version) {
  v1::HostOfferPublished published;
  published.set_round_id(offer.round_id());
  *published.mutable_host_offer() =
      HostOfferCard(offer, context.workplace ? &context.workplace->message : nullptr,
                    context.contact ? &context.contact->message : nullptr,
                    context.contact_workplace ? &context.contact_workplace->message : nullptr);
  published.set_workplace_id(offer.workplace_id());
  published.set_capacity(offer.capacity());
  *published.mutable_days() = offer.days();
  *published.mutable_fields() = offer.fields();
  published.set_version(version);
  return MakeEvent(caller, contract::kHostOfferPublished, published);
}

}  // namespace

absl::StatusOr<v1::CreateHostOfferResponse> Registrar::CreateHostOffer(
    const Caller& caller, const v1::CreateHostOfferRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  CheckRequestId(request.request_id(), violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  const std::string fingerprint = RequestFingerprint(request);
  const std::string request_key = keys->Request("CreateHostOffer", request.request_id());

  auto id = Optimistically<std::string>(
      [&]() -> absl::StatusOr<std::optional<std::string>> {
        auto replay = Replay(repository_, request_key, request.request_id(), fingerprint);
        if (!replay.ok() || replay->has_value()) return replay;
        HostOffer offer = ToDomain(request.host_offer());
        offer.state = HostOfferState::kDraft;
        auto context = LoadOfferContext(repository_, *keys, offer.round_id, offer.workplace_id,
                                        offer.contact_participant_id);
        if (!context.ok()) return context.status();
        if (absl::Status status = CheckOffer(offer, *context); !status.ok()) return status;

        offer.id = NewId("off");
        v1::HostOffer message = ToProto(offer);
        Transaction transaction(*keys);
        if (!request.request_id().empty()) transaction.Dedupe(request_key, fingerprint, offer.id);
        ExpectOfferContext(transaction, *keys, *context);
        transaction.ExpectVersion(keys->HostOffer(offer.id), 0);
        transaction.PutRecord(keys->HostOffer(offer.id), OfferRecord(nullptr, message, Now()));
        transaction.Index(keys->RoundOffers(offer.round_id), offer.id);
        transaction.AddMember(keys->ParticipantOffers(offer.contact_participant_id), offer.id);
        transaction.HashIncrement(keys->Round(offer.round_id), "rev");
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        if (committed->kind == CommitResult::Kind::kDuplicate) {
          return std::optional<std::string>(committed->duplicate_result);
        }
        return std::optional<std::string>(offer.id);
      },
      [this] { metrics_->Retry(); });
  if (!id.ok()) return id.status();
  auto loaded = LoadExisting<v1::HostOffer>(repository_, keys->HostOffer(*id), "host offer", *id);
  if (!loaded.ok()) return loaded.status();
  v1::CreateHostOfferResponse response;
  *response.mutable_host_offer() = std::move(loaded->message);
  return response;
}

absl::StatusOr<v1::GetHostOfferResponse> Registrar::GetHostOffer(
    const Caller& caller, const v1::GetHostOfferRequest& request) {
  auto host_offer = GetById<v1::HostOffer>(repository_, caller, request.host_offer_id(),
                                           "host_offer_id", "host offer", &KeySpace::HostOffer);
  if (!host_offer.ok()) return host_offer.status();
  v1::GetHostOfferResponse response;
  *response.mutable_host_offer() = *std::move(host_offer);
  return response;
}

absl::StatusOr<v1::ListHostOffersResponse> Registrar::ListHostOffers(
    const Caller& caller, const v1::ListHostOffersRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.round_id(), "round_id", violations);
  PageRequest page =
      ParsePage(request.page_size(), request.page_token(),
                absl::StrCat(request.round_id(), "|", request.sector(), "|", request.region(), "|",
                             request.municipality(), "|", request.field(), "|",
                             request.workplace_id(), "|", request.state()),
                violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto round = LoadExisting<v1::Round>(repository_, keys->Round(request.round_id()), "round",
                                       request.round_id());
  if (!round.ok()) return round.status();

  const v1::HostOfferState state = request.state() == v1::HOST_OFFER_STATE_UNSPECIFIED
                                       ? v1::HOST_OFFER_STATE_PUBLISHED
                                       : request.state();
  std::map<std::string, v1::Sector> sectors;  // workplace id -> sector, read once per page
  absl::Status lookup_status;
  auto sector_of = [&](const std::string& workplace_id) -> v1::Sector {
    if (auto it = sectors.find(workplace_id); it != sectors.end()) return it->second;
    auto workplace = LoadExisting<v1::Workplace>(repository_, keys->Workplace(workplace_id),
                                                 "workplace", workplace_id);
    if (!workplace.ok()) {
      lookup_status = workplace.status();
      return v1::SECTOR_UNSPECIFIED;
    }
    return sectors[workplace_id] = workplace->message.sector();
  };
  const std::string field = FoldCase(Trim(request.field()));
  auto listed = ListIndex<v1::HostOffer>(
      repository_, keys->RoundOffers(request.round_id()),
      [&](const std::string& id) { return keys->HostOffer(id); }, page,
      [&](const v1::HostOffer& offer) {
        if (offer.state() != state) return false;
        if (!request.workplace_id().empty() && offer.workplace_id() != request.workplace_id()) {
          return false;
        }
        if (!request.region().empty() && !SameText(offer.region(), request.region())) return false;
        if (!request.municipality().empty() &&
            !SameText(offer.municipality(), request.municipality())) {
          return false;
        }
        if (!field.empty() && std::find(offer.fields().begin(), offer.fields().end(), field) ==
                                  offer.fields().end()) {
          return false;
        }
        return request.sector() == v1::SECTOR_UNSPECIFIED ||
               sector_of(offer.workplace_id()) == request.sector();
      });
  if (!listed.ok()) return listed.status();
  if (!lookup_status.ok()) return lookup_status;
  v1::ListHostOffersResponse response;
  for (auto& offer : listed->items) *response.add_host_offers() = std::move(offer);
  response.set_next_page_token(listed->next_page_token);
  return response;
}

absl::StatusOr<v1::UpdateHostOfferResponse> Registrar::UpdateHostOffer(
    const Caller& caller, const v1::UpdateHostOfferRequest& request) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  const std::string& id = request.host_offer().host_offer_id();
  Violations violations;
  RequireId(id, "host_offer.host_offer_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;

  return Optimistically<v1::UpdateHostOfferResponse>(
      [&]() -> absl::StatusOr<std::optional<v1::UpdateHostOfferResponse>> {
        auto update = PrepareUpdate(repository_, keys->HostOffer(id), "host offer", id,
                                    request.host_offer(), request.update_mask(),
                                    {"title", "description", "capacity", "days", "address",
                                     "municipality", "region", "fields", "contact_participant_id"});
        if (!update.ok()) return update.status();
        const Loaded<v1::HostOffer>* loaded = &update->before;
        v1::HostOffer& updated = update->after;
        HostOffer offer = ToDomain(updated);
        auto context = LoadOfferContext(repository_, *keys, offer.round_id, offer.workplace_id,
                                        offer.contact_participant_id);
        if (!context.ok()) return context.status();
        if (absl::Status status = CheckOffer(offer, *context); !status.ok()) return status;

        v1::HostOffer message = ToProto(offer);
        StoredRecord record = OfferRecord(&loaded->record, message, Now());
        Transaction transaction(*keys);
        ExpectOfferContext(transaction, *keys, *context);
        transaction.ExpectVersion(keys->HostOffer(id), loaded->record.version);
        transaction.PutRecord(keys->HostOffer(id), record);
        const std::string& old_contact = loaded->message.contact_participant_id();
        if (old_contact != offer.contact_participant_id) {
          if (!old_contact.empty()) {
            transaction.RemoveMember(keys->ParticipantOffers(old_contact), id);
          }
          transaction.AddMember(keys->ParticipantOffers(offer.contact_participant_id), id);
        }
        transaction.HashIncrement(keys->Round(offer.round_id), "rev");
        if (offer.state == HostOfferState::kPublished) {
          auto event = PublishedEvent(caller, message, *context, record.version);
          if (!event.ok()) return event.status();
          transaction.Emit(*std::move(event));
        }
        auto committed = repository_.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        SetBookkeeping(record, message);
        v1::UpdateHostOfferResponse response;
        *response.mutable_host_offer() = std::move(message);
        return response;
      },
      [this] { metrics_->Retry(); });
}

namespace {

// Moves an offer to state (published or withdrawn) and emits the matching event.
absl::StatusOr<v1::HostOffer> ChangeOfferState(RegistrationRepository& repository,
                                               const Caller& caller, const KeySpace& keys,
                                               const std::string& id, const std::string& etag,
                                               HostOfferState target, absl::Time now,
                                               const std::function<void()>& on_retry) {
  return Optimistically<v1::HostOffer>(
      [&]() -> absl::StatusOr<std::optional<v1::HostOffer>> {
        auto loaded = LoadExisting<v1::HostOffer>(repository, keys.HostOffer(id), "host offer", id);
        if (!loaded.ok()) return loaded.status();
        if (auto status = CheckEtag(etag, loaded->record.version, "host offer", id); !status.ok()) {
          return status;
        }
        HostOffer offer = ToDomain(loaded->message);
        if (offer.state == target) return std::optional<v1::HostOffer>(loaded->message);
        auto context = LoadOfferContext(repository, keys, offer.round_id, offer.workplace_id,
                                        offer.contact_participant_id);
        if (!context.ok()) return context.status();
        if (!context->round) return errors::NotFound("round", offer.round_id);
        if (auto status = AllowsHostOfferChange(ToDomain(context->round->message)); !status.ok()) {
          return status;
        }
        if (target == HostOfferState::kPublished) {
          // Publishing checks the whole offer again: its contact may have been erased.
          if (absl::Status status = CheckOffer(offer, *context); !status.ok()) return status;
        }
        offer.state = target;
        v1::HostOffer message = ToProto(offer);
        StoredRecord record = OfferRecord(&loaded->record, message, now);
        Transaction transaction(keys);
        transaction.ExpectField(keys.Round(offer.round_id), "state", {"draft", "open"});
        transaction.ExpectVersion(keys.HostOffer(id), loaded->record.version);
        transaction.PutRecord(keys.HostOffer(id), record);
        transaction.HashIncrement(keys.Round(offer.round_id), "rev");
        absl::StatusOr<events::Envelope> event;
        if (target == HostOfferState::kPublished) {
          event = PublishedEvent(caller, message, *context, record.version);
        } else {
          v1::HostOfferWithdrawn withdrawn;
          withdrawn.set_round_id(offer.round_id);
          withdrawn.set_host_offer_id(id);
          withdrawn.set_version(record.version);
          event = MakeEvent(caller, contract::kHostOfferWithdrawn, withdrawn);
        }
        if (!event.ok()) return event.status();
        transaction.Emit(*std::move(event));
        auto committed = repository.Commit(transaction);
        if (!committed.ok()) return committed.status();
        if (committed->kind == CommitResult::Kind::kRetry) return std::nullopt;
        SetBookkeeping(record, message);
        return std::optional<v1::HostOffer>(std::move(message));
      },
      on_retry);
}

}  // namespace

namespace {

// PublishHostOffer and WithdrawHostOffer: the request names the offer, the response shows it.
template <typename Response, typename Request>
absl::StatusOr<Response> MoveOffer(RegistrationRepository& repository, const Caller& caller,
                                   const Request& request, HostOfferState target, absl::Time now,
                                   const std::function<void()>& on_retry) {
  auto keys = KeysFor(caller);
  if (!keys.ok()) return keys.status();
  Violations violations;
  RequireId(request.host_offer_id(), "host_offer_id", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  auto offer = ChangeOfferState(repository, caller, *keys, request.host_offer_id(), request.etag(),
                                target, now, on_retry);
  if (!offer.ok()) return offer.status();
  Response response;
  *response.mutable_host_offer() = *std::move(offer);
  return response;
}

}  // namespace

absl::StatusOr<v1::PublishHostOfferResponse> Registrar::PublishHostOffer(
    const Caller& caller, const v1::PublishHostOfferRequest& request) {
  return MoveOffer<v1::PublishHostOfferResponse>(repository_, caller, request,
                                                 HostOfferState::kPublished, Now(),
                                                 [this] { metrics_->Retry(); });
}

absl::StatusOr<v1::WithdrawHostOfferResponse> Registrar::WithdrawHostOffer(
    const Caller& caller, const v1::WithdrawHostOfferRequest& request) {
  return MoveOffer<v1::WithdrawHostOfferResponse>(repository_, caller, request,
                                                  HostOfferState::kWithdrawn, Now(),
                                                  [this] { metrics_->Retry(); });
}

}  // namespace ipraktik::registration
