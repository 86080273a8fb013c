#pragma once

// Small rounds in the registration service's snapshot form (ExportRoundSnapshotResponse parts),
// for the matching worker's tests.

#include <string>
#include <vector>

#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::matching_worker::testing {

inline v1::Date Day(int day) {
  v1::Date date;
  date.set_year(2026);
  date.set_month(9);
  date.set_day(day);
  return date;
}

// A small round in the registration service's snapshot form, built up by the tests.
class Snapshot {
 public:
  Snapshot() {
    v1::ExportRoundSnapshotResponse header;
    header.mutable_header()->mutable_round()->set_round_id("round-1");
    header.mutable_header()->set_revision(3);
    parts_.push_back(header);
  }

  v1::SnapshotHostOffer& Offer(const std::string& id, const std::string& workplace, int capacity,
                               std::vector<int> days = {}, const std::string& contact = "") {
    offers_.emplace_back();
    v1::SnapshotHostOffer& offer = offers_.back();
    offer.set_host_offer_id(id);
    offer.set_workplace_id(workplace);
    offer.set_sector(v1::SECTOR_MUNICIPAL);
    offer.set_region("Midtjylland");
    offer.set_capacity(capacity);
    for (int day : days) *offer.add_days() = Day(day);
    offer.mutable_card()->mutable_contact()->set_participant_id(contact);
    return offer;
  }

  v1::SnapshotApplication& Intern(const std::string& participant, const std::string& workplace,
                                  std::vector<std::vector<std::string>> wishes,
                                  std::vector<int> days = {}) {
    applications_.emplace_back();
    v1::SnapshotApplication& application = applications_.back();
    application.set_application_id("app-" + participant);
    application.mutable_intern()->set_participant_id(participant);
    application.set_workplace_id(workplace);
    application.set_sector(v1::SECTOR_STATE);
    for (int day : days) *application.add_available_days() = Day(day);
    int rank = 0;
    for (const auto& hosts : wishes) {
      v1::SnapshotWish* wish = application.add_wishes();
      wish->set_rank(++rank);
      for (const std::string& host : hosts) wish->add_host_offer_ids(host);
    }
    return application;
  }

  // Header, offers in one part, each application in its own part, trailer.
  std::vector<v1::ExportRoundSnapshotResponse> Parts() const {
    std::vector<v1::ExportRoundSnapshotResponse> parts = parts_;
    v1::ExportRoundSnapshotResponse offers;
    for (const auto& offer : offers_) *offers.add_host_offers() = offer;
    if (!offers_.empty()) parts.push_back(offers);
    for (const auto& application : applications_) {
      v1::ExportRoundSnapshotResponse part;
      *part.add_applications() = application;
      parts.push_back(part);
    }
    v1::ExportRoundSnapshotResponse trailer;
    trailer.mutable_trailer()->set_host_offer_count(static_cast<int>(offers_.size()));
    trailer.mutable_trailer()->set_application_count(static_cast<int>(applications_.size()));
    parts.push_back(trailer);
    return parts;
  }

 private:
  std::vector<v1::ExportRoundSnapshotResponse> parts_;
  std::vector<v1::SnapshotHostOffer> offers_;
  std::vector<v1::SnapshotApplication> applications_;
};

}  // namespace ipraktik::matching_worker::testing
