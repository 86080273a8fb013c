#pragma once

// Events with Danish names and places, for the notification domain's unit tests.

#include <chrono>

#include "domain/model.h"

namespace ipraktik::notification::testing {

inline Date Day(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
}

inline Round SampleRound() {
  return {
      .programme_id = "coi", .round_id = "r-2026-37", .name = "Innovationspraktik 2026, uge 37"};
}

// A person of the samples: who they are and where they work.
struct SamplePerson {
  const char* id;
  const char* name;
  const char* email;
  const char* phone;
  const char* job_title;
  const char* workplace_name;
  Sector sector;
};

inline Person PersonOf(const SamplePerson& sample, Language language) {
  return {.participant_id = sample.id,
          .name = sample.name,
          .email = sample.email,
          .phone = sample.phone,
          .job_title = sample.job_title,
          .workplace_name = sample.workplace_name,
          .workplace_sector = sample.sector,
          .language = language};
}

inline Person Intern(Language language = Language::kDanish) {
  return PersonOf({"p-henrik", "Henrik Skov Nielsen", "henrik@politi.example", "+45 11 22 33 44",
                   "Kriminalassistent", "National Kriminalteknisk Center", Sector::kState},
                  language);
}

inline Person HostContact(Language language = Language::kDanish) {
  return PersonOf(
      {"p-lene", "Lene Krogh Jeppesen", "lene@kk.example", "+45 33 66 33 66",
       "Videndelingskonsulent", "Socialforvaltningen, Københavns Kommune", Sector::kMunicipal},
      language);
}

inline HostOffer Offer(Language contact_language = Language::kDanish) {
  return {.host_offer_id = "h-via",
          .title = "Viden i Anvendelse: videndeling i praksis",
          .workplace_name = "Socialforvaltningen, Københavns Kommune",
          .sector = Sector::kMunicipal,
          .description =
              "Du følger enhedens arbejde med videndeling.\nDu deltager i møder og "
              "spiser frokost med os.",
          .address = "Bernstorffsgade 17, 1592 København V",
          .municipality = "København",
          .region = "Hovedstaden",
          .contact = HostContact(contact_language)};
}

inline InternPlaced Placed(Language language = Language::kDanish) {
  return {.round = SampleRound(),
          .intern = Intern(language),
          .purpose = "Se hvordan en forvaltning deler viden på tværs – og lære af jeres værktøjer.",
          .host_offer = Offer(),
          .days = {Day(2026, 9, 9), Day(2026, 9, 7), Day(2026, 9, 8)},
          .rank = 1,
          .moved = false,
          .placement_id = "pl-henrik",
          .revision = 1};
}

inline HostInternsAssigned Assigned(Language contact_language = Language::kDanish) {
  VisitingIntern henrik{.intern = Intern(),
                        .purpose = "Se hvordan en forvaltning deler viden.",
                        .days = {Day(2026, 9, 7), Day(2026, 9, 8), Day(2026, 9, 9)},
                        .placement_id = "pl-henrik"};
  VisitingIntern simon{.intern = {.participant_id = "p-simon",
                                  .name = "Simon Pasquali",
                                  .email = "simon@fm.example",
                                  .job_title = "Kontorchef",
                                  .workplace_name = "Finansministeriet",
                                  .workplace_sector = Sector::kState},
                       .purpose = "Møde borgerne og dem, der arbejder i kommunerne.",
                       .days = {Day(2026, 9, 10), Day(2026, 9, 11)},
                       .placement_id = "pl-simon"};
  return {.round = SampleRound(),
          .host_offer = Offer(contact_language),
          .interns = {henrik, simon},
          .cancelled = {},
          .revision = 1};
}

inline TenantSettings Settings() {
  return {
      .sender_name = "Innovationspraktikken, Center for Offentlig Innovation",
      .sender_address = "ipraktik@coi.example",
      .reply_to = "praktik@coi.example",
      .signature_da = "Venlig hilsen\nSekretariatet for Innovationspraktikken",
      .signature_en = "Kind regards\nThe Innovation Internship secretariat",
      .reminder_days_before = 3,
      .programme_url = "https://coi.example/ipraktik",
      .local_programme_info_da = "Holstebro Kommune laver lynpraktik for egne ansatte.",
      .local_programme_info_en = "Holstebro Municipality runs short internships for its staff."};
}

}  // namespace ipraktik::notification::testing
