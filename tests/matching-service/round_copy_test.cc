// A job's stored copy of the round, read from its bytes: the same copy as parsing each part whole,
// without the applications' wishes; unreadable bytes are refused.
#include "round_copy.h"

#include <gtest/gtest.h>

#include <string>

namespace ipraktik::matching_service {
namespace {

v1::ExportRoundSnapshotResponse Part() {
  v1::ExportRoundSnapshotResponse part;
  part.mutable_header()->mutable_round()->set_round_id("r-1");
  part.mutable_header()->mutable_round()->set_name("Innovationspraktik 2027");
  v1::SnapshotHostOffer* offer = part.add_host_offers();
  offer->set_host_offer_id("h-1");
  offer->set_capacity(2);
  offer->mutable_card()->set_title("Borgerservice");
  offer->mutable_card()->mutable_contact()->set_email("vaert@kommune.dk");
  for (const char* id : {"anna", "bo"}) {
    v1::SnapshotApplication* application = part.add_applications();
    application->set_application_id(std::string("app-") + id);
    application->mutable_intern()->set_participant_id(id);
    application->mutable_intern()->set_name(std::string("Navn ") + id);
    if (std::string(id) == "anna") application->mutable_intern()->set_email("anna@kommune.dk");
    application->mutable_intern()->set_language(v1::LANGUAGE_ENGLISH);
    // Long enough that the kept application's length takes two bytes to write.
    application->mutable_intern()->set_job_title(std::string(200, 'k'));
    application->set_purpose("Lære om borgerservice");
    application->set_region("Midtjylland");
    application->add_available_days()->set_day(14);
    for (int rank = 1; rank <= 5; ++rank) {
      v1::SnapshotWish* wish = application->add_wishes();
      wish->set_rank(rank);
    }
  }
  // A continued application (the rest of bo's wishes) adds nothing to the copy.
  v1::SnapshotApplication* continued = part.add_applications();
  continued->mutable_intern()->set_participant_id("bo");
  continued->set_continued(true);
  part.mutable_trailer()->set_application_count(2);
  part.mutable_trailer()->set_applications_awaiting_approval(1);
  part.mutable_trailer()->set_applications_rejected(3);
  return part;
}

TEST(RoundCopy, StoredBytesMakeTheSameCopyAsTheParsedPart) {
  RoundCopy parsed;
  parsed.Add(Part());
  RoundCopy stored;
  ASSERT_TRUE(stored.AddStored(Part().SerializeAsString()).ok());

  EXPECT_EQ(stored.round.SerializeAsString(), parsed.round.SerializeAsString());
  EXPECT_EQ(stored.round.name(), "Innovationspraktik 2027");
  ASSERT_EQ(stored.offers.size(), 1u);
  EXPECT_EQ(stored.offers["h-1"].capacity, 2);
  EXPECT_EQ(stored.offers["h-1"].card.SerializeAsString(),
            parsed.offers["h-1"].card.SerializeAsString());
  ASSERT_EQ(stored.interns.size(), 2u);
  for (const char* id : {"anna", "bo"}) {
    EXPECT_EQ(stored.interns[id].card, parsed.interns[id].card);
    EXPECT_EQ(stored.interns[id].purpose, "Lære om borgerservice");
  }
  EXPECT_EQ(stored.interns["bo"].Person().name(), "Navn bo");
  EXPECT_EQ(stored.interns["bo"].Person().job_title().size(), 200u);
  EXPECT_FALSE(stored.interns["bo"].has_email);
  EXPECT_TRUE(stored.interns["anna"].has_email);
  EXPECT_TRUE(parsed.interns["anna"].has_email);
  EXPECT_FALSE(parsed.interns["bo"].has_email);
  EXPECT_EQ(stored.InternLabelOf("bo").name(), "Navn bo");
  EXPECT_EQ(stored.applications, 2);
  EXPECT_EQ(stored.awaiting_approval, 1);
  EXPECT_EQ(stored.rejected, 3);
}

TEST(RoundCopy, UnreadableStoredBytesAreRefused) {
  const std::string bytes = Part().SerializeAsString();
  RoundCopy copy;
  EXPECT_TRUE(absl::IsDataLoss(copy.AddStored(bytes.substr(0, bytes.size() - 3))));
  EXPECT_TRUE(absl::IsDataLoss(copy.AddStored("\xff\xff\xff")));
  EXPECT_TRUE(copy.AddStored("").ok()) << "an empty part is an empty message";

  // An application's intern card that is no card (its name not UTF-8): the part is refused, as
  // parsing the whole part would refuse it.
  v1::ExportRoundSnapshotResponse bad_card = Part();
  bad_card.mutable_applications(0)->mutable_intern()->set_name("Navn \xff");
  const std::string bad_bytes = bad_card.SerializeAsString();
  EXPECT_FALSE(v1::ExportRoundSnapshotResponse().ParseFromString(bad_bytes));
  EXPECT_TRUE(absl::IsDataLoss(copy.AddStored(bad_bytes)));
}

}  // namespace
}  // namespace ipraktik::matching_service
