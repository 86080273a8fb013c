// The round's copy and what is read from it: the labels of a result, the checks before a
// publication (each problem listed once), and the overview's figures.
#include "round_report.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ipraktik/contract/unmatched_reasons.h"

namespace ipraktik::matching_service {
namespace {

// A snapshot of round r-37: offers o-1 (2 places, contact hanne) and o-2 (1 place, contact
// without an e-mail address); interns anna and bo (bo has no address); 1 awaiting approval.
RoundCopy Copy() {
  RoundCopy copy;
  v1::ExportRoundSnapshotResponse header;
  header.mutable_header()->mutable_round()->set_round_id("r-37");
  header.mutable_header()->mutable_round()->set_name("Uge 37");
  copy.Add(header);
  v1::ExportRoundSnapshotResponse offers;
  for (const auto& [id, contact, email, capacity] :
       std::vector<std::tuple<std::string, std::string, std::string, int>>{
           {"o-1", "hanne", "hanne@aarhus.dk", 2}, {"o-2", "ole", "", 1}}) {
    v1::SnapshotHostOffer* offer = offers.add_host_offers();
    offer->set_host_offer_id(id);
    offer->set_capacity(capacity);
    offer->mutable_card()->set_host_offer_id(id);
    offer->mutable_card()->set_title("Praktik " + id);
    offer->mutable_card()->set_workplace_name("Aarhus Kommune");
    offer->mutable_card()->set_sector(v1::SECTOR_MUNICIPAL);
    offer->mutable_card()->mutable_contact()->set_participant_id(contact);
    offer->mutable_card()->mutable_contact()->set_name(contact);
    offer->mutable_card()->mutable_contact()->set_email(email);
  }
  copy.Add(offers);
  v1::ExportRoundSnapshotResponse applications;
  for (const auto& [id, email] :
       std::vector<std::pair<std::string, std::string>>{{"anna", "anna@fm.dk"}, {"bo", ""}}) {
    v1::SnapshotApplication* application = applications.add_applications();
    application->mutable_intern()->set_participant_id(id);
    application->mutable_intern()->set_name(id == "anna" ? "Anna Ærø" : "Bo");
    application->mutable_intern()->set_email(email);
    application->mutable_intern()->set_workplace_name("Finansministeriet");
    application->mutable_intern()->set_workplace_sector(v1::SECTOR_STATE);
  }
  // A later part of bo's application carries only more wishes.
  v1::SnapshotApplication* continued = applications.add_applications();
  continued->set_continued(true);
  copy.Add(applications);
  v1::ExportRoundSnapshotResponse trailer;
  trailer.mutable_trailer()->set_application_count(2);
  trailer.mutable_trailer()->set_applications_awaiting_approval(1);
  trailer.mutable_trailer()->set_applications_rejected(3);
  copy.Add(trailer);
  return copy;
}

v1::MatchedPair Pair(const std::string& intern, const std::string& host) {
  v1::MatchedPair pair;
  pair.set_participant_id(intern);
  pair.set_host_offer_id(host);
  pair.set_rank(1);
  return pair;
}

v1::UnmatchedIntern Unmatched(const std::string& intern, const std::string& code) {
  v1::UnmatchedIntern unmatched;
  unmatched.set_participant_id(intern);
  unmatched.set_reason_code(code);
  return unmatched;
}

v1::NotificationSettings Sender(const std::string& address, const std::string& reply_to) {
  v1::NotificationSettings settings;
  settings.set_sender_address(address);
  settings.set_reply_to(reply_to);
  return settings;
}

std::map<std::string, std::vector<std::string>> ByType(
    const std::vector<errors::PreconditionViolation>& problems) {
  std::map<std::string, std::vector<std::string>> by_type;
  for (const auto& problem : problems) by_type[problem.type].push_back(problem.subject);
  return by_type;
}

TEST(RoundCopy, LabelsAResultAndPlacementsByTheSnapshot) {
  const RoundCopy copy = Copy();
  EXPECT_EQ(copy.interns.size(), 2u) << "a continued part adds no intern";
  v1::GetMatchingResultResponse part;
  *part.add_assignments() = Pair("anna", "o-1");
  *part.add_unmatched() = Unmatched("bo", "no_capacity");
  *part.add_assignments() = Pair("erased", "gone");
  Label(copy, part);
  EXPECT_EQ(part.assignments(0).intern().name(), "Anna Ærø");
  EXPECT_EQ(part.assignments(0).intern().workplace_name(), "Finansministeriet");
  EXPECT_EQ(part.assignments(0).intern().sector(), v1::SECTOR_STATE);
  EXPECT_EQ(part.assignments(0).host().title(), "Praktik o-1");
  EXPECT_EQ(part.assignments(0).host().workplace_name(), "Aarhus Kommune");
  EXPECT_EQ(part.assignments(0).host().sector(), v1::SECTOR_MUNICIPAL);
  EXPECT_EQ(part.unmatched(0).intern().name(), "Bo");
  EXPECT_EQ(part.assignments(1).intern().name(), "") << "unknown people stay unnamed";
  EXPECT_EQ(part.assignments(1).host().title(), "");

  v1::Placement unplaced;
  unplaced.set_participant_id("bo");
  Label(copy, unplaced);
  EXPECT_EQ(unplaced.intern().name(), "Bo");
  EXPECT_FALSE(unplaced.has_host());
}

TEST(PublishProblems, NoneWhenTheSenderIsSetAndEveryoneHasAnAddress) {
  RoundCopy copy = Copy();
  copy.awaiting_approval = 0;
  const std::vector<v1::MatchedPair> assignments = {Pair("anna", "o-1")};
  const std::vector<v1::UnmatchedIntern> unmatched;
  EXPECT_TRUE(PublishProblems({.copy = &copy,
                               .assignments = &assignments,
                               .unmatched = &unmatched,
                               .settings = Sender("praktik@coi.dk", "sekretariat@coi.dk")})
                  .empty());
}

TEST(PublishProblems, ListsEveryProblemOnce) {
  const RoundCopy copy = Copy();
  // bo twice (placed, and unplaced in a malformed result): listed once; ole (o-2's contact)
  // has no address; the round has an application awaiting approval.
  const std::vector<v1::MatchedPair> assignments = {Pair("anna", "o-1"), Pair("bo", "o-2")};
  const std::vector<v1::UnmatchedIntern> unmatched = {Unmatched("bo", "no_capacity")};
  const auto problems = PublishProblems({.copy = &copy,
                                         .assignments = &assignments,
                                         .unmatched = &unmatched,
                                         .settings = Sender("ipraktik@ipraktik.invalid", "")});
  EXPECT_EQ(ByType(problems), (std::map<std::string, std::vector<std::string>>{
                                  {"SENDER_ADDRESS", {"notification_settings/sender_address"}},
                                  {"REPLY_TO", {"notification_settings/reply_to"}},
                                  {"MISSING_EMAIL", {"participant/bo", "participant/ole"}},
                                  {"APPROVALS_PENDING", {"round/r-37"}}}));
  for (const auto& problem : problems) EXPECT_FALSE(problem.description.empty());
}

// Before the matching (a request to be published when done): everybody the publication could
// e-mail counts, every intern and every host offer's contact, whoever ends up placed.
TEST(PublishProblems, BeforeTheMatchingEveryInternAndEveryContactIsChecked) {
  const RoundCopy copy = Copy();
  const auto problems =
      PublishProblems({.copy = &copy, .settings = Sender("praktik@coi.dk", "sekretariat@coi.dk")});
  EXPECT_EQ(ByType(problems), (std::map<std::string, std::vector<std::string>>{
                                  {"MISSING_EMAIL", {"participant/bo", "participant/ole"}},
                                  {"APPROVALS_PENDING", {"round/r-37"}}}));
}

TEST(PublishProblems, AnUnreadableSenderIsAProblemAndEveryInvalidDomainIsRefused) {
  RoundCopy copy = Copy();
  copy.awaiting_approval = 0;
  const std::vector<v1::MatchedPair> assignments;
  const std::vector<v1::UnmatchedIntern> unmatched;
  auto unreachable = PublishProblems({.copy = &copy,
                                      .assignments = &assignments,
                                      .unmatched = &unmatched,
                                      .settings_error = "connection refused"});
  ASSERT_EQ(unreachable.size(), 1u);
  EXPECT_EQ(unreachable[0].type, "NOTIFICATION_UNREACHABLE");
  EXPECT_NE(unreachable[0].description.find("connection refused"), std::string::npos);
  for (const char* sender : {"", "no-at-sign", "x@invalid", "x@coi.INVALID"}) {
    EXPECT_EQ(ByType(PublishProblems({.copy = &copy,
                                      .assignments = &assignments,
                                      .unmatched = &unmatched,
                                      .settings = Sender(sender, "r@coi.dk")})),
              (std::map<std::string, std::vector<std::string>>{
                  {"SENDER_ADDRESS", {"notification_settings/sender_address"}}}))
        << sender;
  }
  EXPECT_TRUE(PublishProblems({.copy = &copy,
                               .assignments = &assignments,
                               .unmatched = &unmatched,
                               .settings = Sender("x@invalid.coi.dk", "r@coi.dk")})
                  .empty());
}

TEST(Overview, CountsTheRoundTheResultTheFreePlacesAndTheEmails) {
  const RoundCopy copy = Copy();
  OverviewInput input{.copy = &copy, .job_id = "job-1", .published = true};
  input.assignments = {Pair("anna", "o-1")};
  input.unmatched = {Unmatched("bo", "all_wished_hosts_full"), Unmatched("cy", "no_valid_wish"),
                     Unmatched("dan", "all_wished_hosts_full")};
  input.deliveries.set_sent(4);
  input.deliveries.set_failed(1);
  input.deliveries.set_pending(2);
  const v1::RoundOverview overview = Overview(input);
  EXPECT_EQ(overview.round_id(), "r-37");
  EXPECT_EQ(overview.round_name(), "Uge 37");
  EXPECT_EQ(overview.taking_part(), 2);
  EXPECT_EQ(overview.awaiting_approval(), 1);
  EXPECT_EQ(overview.rejected(), 3);
  EXPECT_EQ(overview.signed_up(), 6);
  EXPECT_EQ(overview.matched(), 1);
  EXPECT_EQ(overview.unmatched(), 3);
  ASSERT_EQ(overview.unmatched_reasons_size(), 2);
  EXPECT_EQ(overview.unmatched_reasons(0).reason_code(), "all_wished_hosts_full");
  EXPECT_EQ(overview.unmatched_reasons(0).interns(), 2);
  EXPECT_EQ(overview.unmatched_reasons(0).reason(), "Alle ønskede værter var fyldt op");
  EXPECT_EQ(overview.unmatched_reasons(1).reason_code(), "no_valid_wish");
  EXPECT_EQ(overview.host_offers(), 2);
  EXPECT_EQ(overview.host_offers_with_free_places(), 2);
  EXPECT_EQ(overview.free_places(), 2);
  EXPECT_EQ(overview.hosts_with_free_places(0).host_offer_id(), "o-1");
  EXPECT_EQ(overview.hosts_with_free_places(0).placed(), 1);
  EXPECT_EQ(overview.hosts_with_free_places(0).free(), 1);
  EXPECT_EQ(overview.hosts_with_free_places(0).host().title(), "Praktik o-1");
  EXPECT_EQ(overview.emails_sent(), 4);
  EXPECT_EQ(overview.emails_failed(), 1);
  EXPECT_EQ(overview.emails_pending(), 2);
}

// Every reason code the matching can give has its own Danish sentence (the same the CLI's
// result table shows: ipraktik/contract/unmatched_reasons.h).
TEST(Overview, ReasonsAreDanishOneSentenceEachAndAnUnknownCodeIsShownAsItIs) {
  std::set<std::string> sentences;
  for (contract::UnmatchedReason reason : contract::kUnmatchedReasons) {
    const std::string code(contract::UnmatchedReasonCode(reason));
    const std::string sentence = UnmatchedReasonDanish(code);
    EXPECT_NE(sentence, code);
    EXPECT_NE(sentence, contract::UnmatchedReasonText(reason)) << "not the English words";
    EXPECT_TRUE(sentences.insert(sentence).second) << "one sentence per reason: " << sentence;
  }
  EXPECT_EQ(UnmatchedReasonDanish("new_reason"), "new_reason");
}

}  // namespace
}  // namespace ipraktik::matching_service
