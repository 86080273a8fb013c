// The services' storage records (proto/ipraktik/storage/v1, libs/records): every record a service
// uses has a counterpart for each of its fields in the API message, comes back from the store as
// the API message that went in, and what only the API has (an etag, times, a field the API gains
// later) leaves the stored bytes as they are.
#include "ipraktik/records/records.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "ipraktik/v1/matching.pb.h"
#include "ipraktik/v1/matching_events.pb.h"
#include "record_mapping.h"

namespace ipraktik {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;
namespace storage = ::ipraktik::storage::v1;

v1::Date Day(std::string_view text) {
  return registration::ToProto(*registration::ParseDate(text));
}

// What the API adds to a message the store keeps: its bookkeeping, and a field it gains in a
// later version (stands here as an unknown field, the way an older reader sees it).
template <typename Message>
Message WithApiOnlyChanges(Message message) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  if (const auto* etag = descriptor->FindFieldByName("etag")) {
    reflection->SetString(&message, etag, "7");
  }
  for (const char* name : {"create_time", "update_time"}) {
    if (const auto* field = descriptor->FindFieldByName(name)) {
      reflection->MutableMessage(&message, field)->CopyFrom(TimeUtil::SecondsToTimestamp(1e9));
    }
  }
  reflection->MutableUnknownFields(&message)->AddVarint(999, 1);
  return message;
}

// API message -> stored bytes -> API message.
template <typename Record, typename Message>
void ExpectRoundTrip(const Message& message) {
  SCOPED_TRACE(message.GetTypeName());
  EXPECT_TRUE(records::CheckCounterparts(*Record::descriptor(), *Message::descriptor()).ok());
  const std::string stored = records::StoredBytes<Record>(message);
  // Written straight from the API message, the bytes are the record's as protobuf writes it.
  Record record;
  records::MappingOf<Record, Message>().Store(message, record);
  EXPECT_EQ(stored, record.SerializeAsString()) << record.DebugString();
  auto back = records::FromStoredBytes<Record, Message>(stored);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*back, message)) << back->DebugString() << "\nwent in as\n"
                                                          << message.DebugString();
  EXPECT_EQ(records::StoredBytes<Record>(WithApiOnlyChanges(message)), stored);
}

template <typename Message>
void ExpectRegistrationRoundTrip(const Message& message) {
  ExpectRoundTrip<registration::RecordOf<Message>>(message);
}

TEST(StorageRecords, RegistrationRecordsRoundTripAndApiOnlyChangesLeaveThem) {
  v1::Programme programme;
  programme.set_programme_id("prg-1");
  programme.set_name("Innovationspraktik");
  programme.set_description("Den nationale ordning");
  programme.set_requires_manager_approval(true);
  programme.set_retention_days(400);
  ExpectRegistrationRoundTrip(programme);

  v1::Round round;
  round.set_round_id("rnd-1");
  round.set_programme_id("prg-1");
  round.set_name("Efterår 2026");
  *round.mutable_window_start() = Day("2026-09-07");
  *round.mutable_window_end() = Day("2026-11-27");
  *round.mutable_signup_deadline() = Day("2026-08-15");
  round.set_max_wishes(3);
  round.add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
  round.add_allowed_host_sectors(v1::SECTOR_PRIVATE);
  round.set_state(v1::ROUND_STATE_OPEN);
  ExpectRegistrationRoundTrip(round);

  v1::Workplace workplace;
  workplace.set_workplace_id("wrk-1");
  workplace.set_name("Rådhusets kantine");
  workplace.set_sector(v1::SECTOR_REGIONAL);
  workplace.set_region("Midtjylland");
  workplace.set_municipality("Holstebro");
  ExpectRegistrationRoundTrip(workplace);

  v1::Participant participant;
  participant.set_participant_id("par-1");
  participant.set_name("Simon Sørensen");
  participant.set_email("simon@holstebro.dk");
  participant.set_phone("+45 12345678");
  participant.set_job_title("Kok");
  participant.set_workplace_id("wrk-1");
  participant.set_language(v1::LANGUAGE_ENGLISH);
  participant.set_consent(true);
  *participant.mutable_consent_time() = TimeUtil::MicrosecondsToTimestamp(1'780'000'000'123'456);
  ExpectRegistrationRoundTrip(participant);

  v1::HostOffer offer;
  offer.set_host_offer_id("off-1");
  offer.set_round_id("rnd-1");
  offer.set_workplace_id("wrk-1");
  offer.set_title("Kantinen");
  offer.set_description("Madspild");
  offer.set_capacity(2);
  *offer.add_days() = Day("2026-09-07");
  *offer.add_days() = Day("2026-09-08");
  offer.set_address("Kirkestræde 11");
  offer.set_municipality("Holstebro");
  offer.set_region("Midtjylland");
  offer.add_fields("mad");
  offer.set_contact_participant_id("par-2");
  offer.set_state(v1::HOST_OFFER_STATE_WITHDRAWN);
  ExpectRegistrationRoundTrip(offer);

  v1::Application application;
  application.set_application_id("app-rnd-1.par-1");
  application.set_round_id("rnd-1");
  application.set_participant_id("par-1");
  application.set_purpose("Lære om madspild");
  *application.add_available_days() = Day("2026-09-07");
  application.add_wishes()->set_host_offer_id("off-1");
  v1::CriteriaWish* criteria = application.add_wishes()->mutable_criteria();
  criteria->set_field("mad");
  criteria->set_sector(v1::SECTOR_STATE);
  application.add_wishes()->mutable_criteria();  // every offer of the round
  application.mutable_swap_request()->set_email("lotte@struer.dk");
  application.mutable_swap_request()->set_name("Lotte Lind");
  application.mutable_manager()->set_name("Mette Mortensen");
  application.set_approval_state(v1::APPROVAL_STATE_NOT_REQUIRED);
  application.set_approval_comment("Ok fra mig");
  v1::ApprovalDecisionEntry* decided = application.add_approval_history();
  decided->set_decision(v1::APPROVAL_STATE_REJECTED);
  decided->set_comment("Ikke nu");
  *decided->mutable_decide_time() = TimeUtil::MicrosecondsToTimestamp(1'780'000'000'000'001);
  application.add_approval_history()->set_decision(v1::APPROVAL_STATE_APPROVED);
  ExpectRegistrationRoundTrip(application);
}

TEST(StorageRecords, MatchingRecordsRoundTripAndApiOnlyChangesLeaveThem) {
  v1::PairRule rule;
  rule.set_round_id("rnd-1");
  rule.set_participant_id("par-1");
  rule.set_host_offer_id("off-1");
  rule.set_kind(v1::PAIR_RULE_KIND_FORBID);
  rule.set_note("Same workplace");
  ExpectRoundTrip<storage::PairRuleRecord>(rule);
  rule.set_note("host declined");
  rule.set_host_declined(true);
  ExpectRoundTrip<storage::PairRuleRecord>(rule);

  v1::Placement placement;
  placement.set_participant_id("par-1");
  placement.set_host_offer_id("off-1");
  *placement.add_days() = Day("2026-09-07");
  placement.set_rank(2);
  placement.set_placement_id("plc-1");
  placement.set_revision(3);
  placement.set_job_id("job-1");
  ExpectRoundTrip<storage::PlacementRecord>(placement);
  // A negative number takes ten bytes, a second day makes the packed list longer, an unplaced
  // intern has a reason and no host.
  placement.set_rank(-1);
  *placement.add_days() = Day("2026-09-08");
  placement.clear_host_offer_id();
  placement.set_reason_code("NO_COMMON_DAY");
  ExpectRoundTrip<storage::PlacementRecord>(placement);
  placement.set_rank(2);

  v1::MatchingJobInput input;
  input.set_job_id("job-2");
  input.set_round_id("rnd-1");
  input.set_preview(true);
  *input.add_rules() = rule;
  input.add_withdrawn_participant_ids("par-3");
  *input.add_published() = placement;
  input.set_snapshot_parts(4);
  input.set_snapshot_revision(17);
  input.mutable_round()->set_round_id("rnd-1");
  *input.mutable_round()->mutable_window_start() = Day("2026-09-07");
  ExpectRoundTrip<storage::MatchingJobInputRecord>(input);
}

TEST(StorageRecords, TheStoreKeepsNamesAndDaysNotTheApisNumbersAndMessages) {
  v1::Round round;
  round.set_state(v1::ROUND_STATE_PUBLISHED);
  round.add_allowed_host_sectors(v1::SECTOR_STATE);
  *round.mutable_window_start() = Day("2026-09-07");
  storage::RoundRecord record;
  ASSERT_TRUE(record.ParseFromString(registration::StoredBytes(round)));
  EXPECT_EQ(record.state(), "published");
  EXPECT_EQ(record.allowed_host_sectors(0), "state");
  EXPECT_EQ(record.window_start(), 20260907);
  EXPECT_EQ(record.window_end(), 0);  // no day

  v1::Application application;
  application.set_approval_state(v1::APPROVAL_STATE_NOT_REQUIRED);
  storage::ApplicationRecord stored;
  ASSERT_TRUE(stored.ParseFromString(registration::StoredBytes(application)));
  EXPECT_EQ(stored.approval_state(), "not_required");
}

TEST(StorageRecords, AnUnreadableRecordIsDataLoss) {
  storage::HostOfferRecord record;
  record.set_host_offer_id("off-1");
  record.set_state("archived");
  EXPECT_EQ(
      (records::FromStoredBytes<storage::HostOfferRecord, v1::HostOffer>(record.SerializeAsString())
           .status()
           .code()),
      absl::StatusCode::kDataLoss);
  EXPECT_EQ((records::FromStoredBytes<storage::RoundRecord, v1::Round>("\xff\xff").status().code()),
            absl::StatusCode::kDataLoss);
}

TEST(StorageRecords, ARecordFieldWithoutItsApiFieldIsRefused) {
  // A RoundRecord has no counterpart of its state in a Programme.
  EXPECT_EQ(
      records::CheckCounterparts(*storage::RoundRecord::descriptor(), *v1::Programme::descriptor())
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ipraktik
