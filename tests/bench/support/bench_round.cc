#include "bench_round.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "bench_service.h"

namespace ipraktik::bench {
namespace {

constexpr const char* kRegions[] = {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland",
                                    "Nordjylland"};
constexpr v1::Sector kSectors[] = {v1::SECTOR_MUNICIPAL, v1::SECTOR_REGIONAL, v1::SECTOR_STATE,
                                   v1::SECTOR_PRIVATE};

void Check(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) Fail(what + ": " + status.error_message());
}

v1::Date DaysFromToday(int days) {
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + days;
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

}  // namespace

OpenRound OpenRoundWithHosts(v1::RegistrationService::Stub& registration,
                             const ContextFactory& context, const RoundShape& shape,
                             std::mt19937_64& random) {
  v1::CreateProgrammeRequest programme;
  programme.mutable_programme()->set_name(shape.programme_name);
  v1::CreateProgrammeResponse programme_created;
  Check(registration.CreateProgramme(context().get(), programme, &programme_created),
        "CreateProgramme");
  v1::CreateRoundRequest round;
  round.mutable_round()->set_programme_id(programme_created.programme().programme_id());
  round.mutable_round()->set_name("Uge 37");
  *round.mutable_round()->mutable_signup_deadline() = DaysFromToday(20);
  *round.mutable_round()->mutable_window_start() = DaysFromToday(30);
  *round.mutable_round()->mutable_window_end() = DaysFromToday(34);
  round.mutable_round()->set_max_wishes(shape.wishes);
  for (v1::Sector sector : kSectors) round.mutable_round()->add_allowed_host_sectors(sector);
  v1::CreateRoundResponse round_created;
  Check(registration.CreateRound(context().get(), round, &round_created), "CreateRound");
  OpenRound open_round{.round_id = round_created.round().round_id(), .offers = {}};

  // Host workplaces: one per offer, each with its contact.
  for (int h = 0; h < shape.hosts; ++h) {
    const int region = h % 5;
    const int number = shape.first_person + h;
    v1::CreateWorkplaceRequest workplace;
    workplace.mutable_workplace()->set_name(absl::StrCat("Vært ", number));
    workplace.mutable_workplace()->set_sector(kSectors[h % 4]);
    workplace.mutable_workplace()->set_region(kRegions[region]);
    workplace.mutable_workplace()->set_municipality(absl::StrCat("Kommune ", h % 98));
    v1::CreateWorkplaceResponse workplace_created;
    Check(registration.CreateWorkplace(context().get(), workplace, &workplace_created),
          "CreateWorkplace");
    v1::RegisterParticipantRequest contact;
    contact.mutable_participant()->set_name(absl::StrCat("Kontakt ", number));
    contact.mutable_participant()->set_email(absl::StrCat("kontakt", number, "@vaert.example"));
    contact.mutable_participant()->set_job_title("Leder");
    contact.mutable_participant()->set_workplace_id(workplace_created.workplace().workplace_id());
    contact.mutable_participant()->set_consent(true);
    v1::RegisterParticipantResponse contact_created;
    Check(registration.RegisterParticipant(context().get(), contact, &contact_created),
          "RegisterParticipant");
    v1::CreateHostOfferRequest offer;
    v1::HostOffer* o = offer.mutable_host_offer();
    o->set_round_id(open_round.round_id);
    o->set_workplace_id(workplace_created.workplace().workplace_id());
    o->set_title(absl::StrCat("Praktik ", h));
    o->set_description("Følg hverdagen og stil spørgsmål.");
    o->set_capacity(1 + static_cast<int>(random() % 6));
    for (int d = 30; d < 33; ++d) *o->add_days() = DaysFromToday(d);
    o->set_address("Rådhuspladsen 1");
    o->add_fields("ledelse");
    o->set_contact_participant_id(contact_created.participant().participant_id());
    v1::CreateHostOfferResponse offer_created;
    Check(registration.CreateHostOffer(context().get(), offer, &offer_created), "CreateHostOffer");
    v1::PublishHostOfferRequest publish;
    publish.set_host_offer_id(offer_created.host_offer().host_offer_id());
    v1::PublishHostOfferResponse published;
    Check(registration.PublishHostOffer(context().get(), publish, &published), "PublishHostOffer");
    open_round.offers.emplace_back(published.host_offer().host_offer_id(), region);
  }
  v1::TransitionRoundRequest open;
  open.set_round_id(open_round.round_id);
  open.set_state(v1::ROUND_STATE_OPEN);
  v1::TransitionRoundResponse opened;
  Check(registration.TransitionRound(context().get(), open, &opened), "open the round");
  return open_round;
}

void ImportInternsAndClose(v1::RegistrationService::Stub& registration,
                           const ContextFactory& context, const RoundShape& shape,
                           const OpenRound& round, std::mt19937_64& random) {
  // Popularity: Zipf over the offers (exponent 0.7), by region.
  std::vector<std::vector<std::pair<double, int>>> by_region(5);
  for (std::size_t h = 0; h < round.offers.size(); ++h) {
    by_region[static_cast<std::size_t>(round.offers[h].second)].emplace_back(
        1.0 / std::pow(static_cast<double>(h) + 1.0, 0.7), static_cast<int>(h));
  }
  const auto pick = [&](int region) {
    const auto& candidates = by_region[static_cast<std::size_t>(region)];
    // A round with fewer offers than regions: any offer.
    if (candidates.empty()) return static_cast<int>(random() % round.offers.size());
    double total = 0;
    for (const auto& [weight, h] : candidates) total += weight;
    double x = std::uniform_real_distribution<double>(0, total)(random);
    for (const auto& [weight, h] : candidates) {
      if ((x -= weight) <= 0) return h;
    }
    return candidates.back().second;
  };
  auto import_context = context();
  v1::ImportSignUpsResponse imported;
  auto writer = registration.ImportSignUps(import_context.get(), &imported);
  v1::ImportSignUpsRequest batch;
  batch.set_round_id(round.round_id);
  for (int i = 0; i < shape.interns; ++i) {
    const int region = static_cast<int>(random() % 5);
    const int number = shape.first_person + i;
    v1::ImportRow* row = batch.add_rows();
    row->set_line(i + 2);
    row->mutable_participant()->set_name(absl::StrCat("Praktikant ", number));
    row->mutable_participant()->set_email(absl::StrCat("p", number, "@org", i % 50, ".example"));
    row->mutable_participant()->set_job_title("Fuldmægtig");
    row->mutable_participant()->set_consent(true);
    row->mutable_workplace()->set_name(absl::StrCat("Organisation ", i % 50));
    row->mutable_workplace()->set_sector(kSectors[i % 4]);
    row->mutable_workplace()->set_region(kRegions[region]);
    row->mutable_workplace()->set_municipality(absl::StrCat("By ", i % 50));
    v1::Application* application = row->mutable_application();
    application->set_purpose("Lære hvordan en anden organisation arbejder med innovation.");
    *application->add_available_days() = DaysFromToday(30 + static_cast<int>(random() % 3));
    std::vector<int> chosen;
    for (int tries = 0; static_cast<int>(chosen.size()) < shape.wishes && tries < 50; ++tries) {
      const int h = (random() % 5 == 0) ? pick(static_cast<int>(random() % 5)) : pick(region);
      if (std::find(chosen.begin(), chosen.end(), h) == chosen.end()) chosen.push_back(h);
    }
    for (int h : chosen) {
      application->add_wishes()->set_host_offer_id(round.offers[static_cast<std::size_t>(h)].first);
    }
    if (batch.rows_size() == 500 || i + 1 == shape.interns) {
      if (!writer->Write(batch)) break;
      batch.clear_rows();
    }
  }
  writer->WritesDone();
  Check(writer->Finish(), "ImportSignUps");
  if (imported.rows_failed() > 0) {
    Fail(absl::StrCat(imported.rows_failed(), " rows failed, e.g. ", imported.errors(0).field(),
                      ": ", imported.errors(0).description()));
  }
  v1::TransitionRoundRequest close;
  close.set_round_id(round.round_id);
  close.set_state(v1::ROUND_STATE_CLOSED);
  v1::TransitionRoundResponse closed;
  Check(registration.TransitionRound(context().get(), close, &closed), "close the round");
}

std::string MakeRound(v1::RegistrationService::Stub& registration, const ContextFactory& context,
                      const RoundShape& shape, std::mt19937_64& random) {
  OpenRound round = OpenRoundWithHosts(registration, context, shape, random);
  ImportInternsAndClose(registration, context, shape, round, random);
  return round.round_id;
}

}  // namespace ipraktik::bench
