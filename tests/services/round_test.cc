// A whole round end to end (issue #15, "Proof" 1): every real service program (registration,
// matching, matching-worker, notification, evaluation) on private Redis, RabbitMQ and an SMTP
// sink, each service logged in as its own user as `make run` does. Interns sign up over gRPC and
// through `ipraktik import` (a CSV file), in Danish and English; the programme asks their
// managers, who are reached by e-mail: the test reads each manager's e-mail in the sink, takes the
// token from its link and decides through DecideApproval (one manager refuses). The round is
// closed, previewed, checked before publishing (no reply-to: refused, naming it), published;
// the host of one offer declines both its interns and the round is re-matched. Every e-mail is
// decoded by Python's email and icalendar packages (tests/notification/parse_mail.py) and
// checked: who it went to, in which language, the reason given to those without a place, the
// calendar's METHOD, UID, SEQUENCE, STATUS and DTSTART; nothing else arrived, and each delivery
// record is SENT. The round overview's figures are checked against what was signed up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <set>

#include "absl/strings/str_format.h"
#include "notification_testing.h"
#include "whole_round.h"

namespace ipraktik::testing {
namespace {

using ::ipraktik::notification::testing::Json;
using ::ipraktik::notification::testing::MailTo;
using ::ipraktik::notification::testing::ReceivedMail;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using namespace std::chrono_literals;

ProgramServers* const servers = AddProgramServers();

constexpr char kTenant[] = "odense";

// Who takes part, and how each signs up.
struct Person {
  std::string name;
  std::string email;
  v1::Language language;
  bool by_csv;
  std::vector<char> wishes;  // offers 'A'..'D'
  std::vector<int> days;     // from today
};

const std::vector<Person>& Interns() {
  static const std::vector<Person> interns = {
      {"Anna Andersen", "anna@fm.example", v1::LANGUAGE_DANISH, false, {'A', 'D'}, {30}},
      {"Erik Evans", "erik@fm.example", v1::LANGUAGE_ENGLISH, true, {'A'}, {30, 31}},
      {"Beth Brown", "beth@fm.example", v1::LANGUAGE_ENGLISH, false, {'B'}, {30}},
      {"Bill Baker", "bill@fm.example", v1::LANGUAGE_ENGLISH, true, {'B'}, {30}},
      {"Carl Christensen", "carl@fm.example", v1::LANGUAGE_DANISH, true, {'C'}, {32}},
      {"Cecilie Clausen", "cecilie@fm.example", v1::LANGUAGE_DANISH, false, {'C'}, {32}},
      {"Rasmus Rasmussen", "rasmus@fm.example", v1::LANGUAGE_DANISH, false, {'C'}, {32}},
  };
  return interns;
}
std::string ManagerOf(const Person& intern) { return "leder-" + intern.email; }

// dd-mm-yyyy, as the Danish form export writes days.
std::string CsvDay(int from_today) {
  v1::Date day = DaysFromToday(from_today);
  return absl::StrFormat("%02d-%02d-%04d", day.day(), day.month(), day.year());
}

// The calendar events of a decoded e-mail, each with its calendar's method.
std::vector<std::pair<std::string, Json>> Events(const Json& message) {
  std::vector<std::pair<std::string, Json>> events;
  for (const auto& calendar : message["calendars"]) {
    for (const auto& event : calendar["events"]) {
      events.emplace_back(calendar["method"].get<std::string>(), event);
    }
  }
  return events;
}

std::string Iso(int from_today) {
  v1::Date day = DaysFromToday(from_today);
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

class RoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = std::make_unique<WholeStack>(
        *servers, std::map<std::string, std::string>{{"IPRAKTIK_NOTIFICATION_SEND_RATE", "0"}});
    round_ = std::make_unique<RoundBuilder>(stack_->registration(), kTenant);
  }

  // The decoded e-mails to address, of kind (any kind when empty).
  std::vector<Json> To(const Json& all, const std::string& address, const std::string& kind = "") {
    // "<anna@...>", so that leder-anna@... is someone else.
    std::vector<Json> selected;
    for (const auto& message : MailTo(all, "<" + address + ">")) {
      if (kind.empty() || message["kind"] == kind) selected.push_back(message);
    }
    return selected;
  }

  // Waits until the sink holds `count` e-mails in all; returns them decoded.
  Json AwaitMail(std::size_t count) {
    Json all;
    EXPECT_TRUE(Eventually([&] {
      all = ReceivedMail(*servers->smtp);
      return all.size() >= count;
    })) << "the sink holds "
        << all.size() << " e-mails, not " << count;
    EXPECT_EQ(all.size(), count) << all.dump(1);
    return all;
  }

  // The single e-mail of kind to address, failing the test unless there is exactly one.
  Json One(const Json& all, const std::string& address, const std::string& kind) {
    auto found = To(all, address, kind);
    EXPECT_THAT(found, SizeIs(1)) << kind << " to " << address;
    return found.empty() ? Json::object() : found.front();
  }

  v1::RoundOverview Overview() {
    v1::GetRoundOverviewRequest request;
    request.set_round_id(round_id_);
    v1::GetRoundOverviewResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack_->matching().GetRoundOverview(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.overview();
  }

  std::map<std::string, v1::Placement> PlacementsByName() {
    std::map<std::string, v1::Placement> placements;
    v1::ListPlacementsRequest request;
    request.set_round_id(round_id_);
    request.set_page_size(500);
    v1::ListPlacementsResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack_->matching().ListPlacements(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& placement : response.placements()) {
      placements[placement.intern().name()] = placement;
    }
    return placements;
  }

  // Runs build/bin/ipraktik with args; its exit code, its output in output.
  int RunCli(const std::vector<std::string>& args, std::string& output) {
    ChildProcess cli(BinaryDir() / "bin" / "ipraktik", args,
                     {{"IPRAKTIK_API_KEY", stack_->keys().Key(kTenant)}},
                     servers->redis->dir() / "cli.log");
    auto status = cli.WaitFor(120s);
    output = cli.Output();
    EXPECT_TRUE(status.has_value()) << output;
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  std::unique_ptr<WholeStack> stack_;
  std::unique_ptr<RoundBuilder> round_;
  std::string round_id_;
};

TEST_F(RoundTest, AWholeRoundFromSignUpToReMatchTellsEveryoneTheRightThingOnce) {
  RoundBuilder& round = *round_;
  const std::string programme = round.Programme("Innovationspraktik Fyn", true);
  round_id_ = round.OpenRound(programme, "Uge 40", 30, 34);
  const std::string aarhus =
      round.Workplace("Aarhus Kommune", v1::SECTOR_MUNICIPAL, "Midtjylland", "Aarhus");
  const std::string region =
      round.Workplace("Region Midtjylland", v1::SECTOR_REGIONAL, "Midtjylland", "Viborg");
  const std::string herning =
      round.Workplace("Herning Kommune", v1::SECTOR_MUNICIPAL, "Midtjylland", "Herning");
  const std::string ministry =
      round.Workplace("Finansministeriet", v1::SECTOR_STATE, "Hovedstaden", "København");
  // A takes two interns on two days; B and C one each, each wished by two; D one, wished by
  // Anna second.
  std::map<char, std::string> offers = {
      {'A', round.Offer(round_id_, aarhus, "Borgerservice", 2, {30, 31}, "Hanne Holm",
                        "hanne@aarhus.example")},
      {'B', round.Offer(round_id_, region, "Digital udvikling", 1, {30}, "Henry Hughes",
                        "henry@rm.example", v1::LANGUAGE_ENGLISH)},
      {'C', round.Offer(round_id_, herning, "Jobcentret", 1, {32}, "Helle Hansen",
                        "helle@herning.example")},
      {'D', round.Offer(round_id_, aarhus, "Klimaenheden", 1, {30}, "Dorte Dahl",
                        "dorte@aarhus.example")}};

  // Sign-ups over gRPC, and the rest through `ipraktik import` of a CSV file.
  const auto csv_path = servers->redis->dir() / "tilmeldinger.csv";
  {
    std::ofstream csv(csv_path);
    csv << "Navn;E-mail;Stilling;Samtykke;Arbejdsplads;Sektor;Region;Kommune;Formål;Dage;"
           "Ønske 1;Sprog;Leder navn;Leder e-mail\r\n";
    for (const Person& intern : Interns()) {
      if (intern.by_csv) {
        std::string days;
        for (int day : intern.days) days += (days.empty() ? "" : ",") + CsvDay(day);
        csv << intern.name << ";" << intern.email << ";Fuldmægtig;ja;Finansministeriet;statslig;"
            << "Hovedstaden;København;Lære hvordan andre leder forandring;\"" << days << "\";"
            << offers[intern.wishes.front()] << ";"
            << (intern.language == v1::LANGUAGE_ENGLISH ? "engelsk" : "dansk") << ";Leder af "
            << intern.name << ";" << ManagerOf(intern) << "\r\n";
        ASSERT_THAT(intern.wishes, SizeIs(1)) << "the file has one wish column";
      } else {
        std::vector<std::string> wishes;
        for (char wish : intern.wishes) wishes.push_back(offers[wish]);
        auto signed_up =
            MustCall(stack_->registration(), &RegistrationStub::SignUp,
                     round.SignUp(round_id_, ministry, intern.name, intern.email, intern.language,
                                  wishes, intern.days, ManagerOf(intern)),
                     kTenant);
        EXPECT_EQ(signed_up.application().approval_state(), v1::APPROVAL_STATE_PENDING);
      }
    }
  }
  std::string output;
  const int code = RunCli({"import", "--server", stack_->programs()["registration"].address(),
                           "--round", round_id_, csv_path.string()},
                          output);
  ASSERT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("imported 3 of 3 rows (3 new, 0 updated), 0 failed"));

  // Each manager is asked by e-mail in the intern's language, with a link; all but Rasmus's
  // approve, through the token in that link.
  Json mail = AwaitMail(Interns().size());
  for (const Person& intern : Interns()) {
    SCOPED_TRACE(intern.name);
    const Json request = One(mail, ManagerOf(intern), "approval_request");
    if (request.empty()) continue;
    const bool english = intern.language == v1::LANGUAGE_ENGLISH;
    EXPECT_EQ(request["subject"],
              english
                  ? "Please approve " + intern.name + "'s application for an innovation internship"
                  : "Godkend " + intern.name + "s ansøgning om innovationspraktik");
    const std::string text = request["text"].get<std::string>();
    EXPECT_THAT(text, HasSubstr(english ? "Approve or refuse" : "Godkend eller afvis"));
    const std::size_t start = text.find("/ipa_");
    ASSERT_NE(start, std::string::npos) << text;
    const std::string token =
        text.substr(start + 1, text.find_first_of(" \r\n>", start) - start - 1);
    v1::DecideApprovalRequest decide;
    decide.set_approval_token(token);
    const bool refuse = intern.name.starts_with("Rasmus");
    decide.set_decision(refuse ? v1::APPROVAL_STATE_REJECTED : v1::APPROVAL_STATE_APPROVED);
    decide.set_comment(refuse ? "Ikke i uge 40, desværre." : "");
    auto decided =
        MustCall(stack_->registration(), &RegistrationStub::DecideApproval, decide, kTenant);
    EXPECT_EQ(decided.application().approval_state(), decide.decision());
  }
  // ... and each intern hears the decision, in their language.
  mail = AwaitMail(2 * Interns().size());
  for (const Person& intern : Interns()) {
    SCOPED_TRACE(intern.name);
    const Json told = One(mail, intern.email, "approval_decision");
    const bool english = intern.language == v1::LANGUAGE_ENGLISH;
    const bool refused = intern.name.starts_with("Rasmus");
    EXPECT_EQ(told["subject"],
              english ? (refused ? "Your manager did not approve your application for an "
                                   "innovation internship"
                                 : "Your manager approved your application for an innovation "
                                   "internship")
                      : (refused ? "Din leder har ikke godkendt din ansøgning om "
                                   "innovationspraktik"
                                 : "Din leder har godkendt din ansøgning om innovationspraktik"));
    if (refused) {
      EXPECT_THAT(told["text"].get<std::string>(), HasSubstr("Ikke i uge 40"));
    }
  }

  // Closed and previewed: the overview counts what was signed up, nothing is sent.
  round.Transition(round_id_, v1::ROUND_STATE_CLOSED);
  v1::RequestMatchingRequest preview;
  preview.set_round_id(round_id_);
  preview.set_preview(true);
  auto previewed = [&] {
    v1::RequestMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack_->matching().RequestMatching(context.get(), preview, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.job().job_id();
  }();
  AwaitJob(stack_->matching(), kTenant, previewed, /*published=*/false);
  v1::RoundOverview before = Overview();
  EXPECT_EQ(before.signed_up(), 7);
  EXPECT_EQ(before.awaiting_approval(), 0);
  EXPECT_EQ(before.rejected(), 1);
  EXPECT_EQ(before.taking_part(), 6);
  EXPECT_FALSE(before.published());
  EXPECT_EQ(before.matched(), 4);
  EXPECT_EQ(before.unmatched(), 2);
  EXPECT_EQ(before.host_offers(), 4);
  EXPECT_EQ(before.host_offers_with_free_places(), 1);  // D
  EXPECT_EQ(before.free_places(), 1);
  EXPECT_EQ(before.emails_sent(), 14);

  // Publishing without a reply-to address is refused, naming what to fix.
  v1::PublishMatchingRequest publish;
  publish.set_job_id(previewed);
  {
    v1::PublishMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status refused = stack_->matching().PublishMatching(context.get(), publish, &response);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(registration::testing::PreconditionTypes(refused),
                ::testing::ElementsAre("REPLY_TO"));
  }
  v1::UpdateNotificationSettingsRequest settings;
  settings.mutable_settings()->set_sender_name("Innovationspraktik Fyn");
  settings.mutable_settings()->set_sender_address("fyn@coi.example");
  settings.mutable_settings()->set_reply_to("sekretariat@coi.example");
  {
    v1::UpdateNotificationSettingsResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status =
        stack_->notification().UpdateNotificationSettings(context.get(), settings, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {
    v1::PublishMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack_->matching().PublishMatching(context.get(), publish, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.notified(), 9);  // six interns, three hosts
  }

  // The publication: every intern who takes part and every host with interns, once.
  mail = AwaitMail(14 + 9);
  auto placements = PlacementsByName();
  std::set<std::string> placed_at_b, placed_at_c;
  for (const Person& intern : Interns()) {
    SCOPED_TRACE(intern.name);
    const bool english = intern.language == v1::LANGUAGE_ENGLISH;
    auto to_intern = To(mail, intern.email);
    if (intern.name.starts_with("Rasmus")) {
      EXPECT_EQ(to_intern.size(), 1u) << "only the refusal";
      EXPECT_FALSE(placements.contains(intern.name));
      continue;
    }
    ASSERT_TRUE(placements.contains(intern.name));
    const v1::Placement& placement = placements.at(intern.name);
    ASSERT_EQ(to_intern.size(), 2u) << "the decision and the result";
    if (placement.host_offer_id().empty()) {
      // B and C each had one place for two: the one left out is told why, truly.
      EXPECT_EQ(placement.reason_code(), "all_wished_hosts_full");
      const Json told = One(mail, intern.email, "intern_unmatched");
      EXPECT_EQ(told["subject"], english
                                     ? "We could not find an internship for you in Uge 40"
                                     : "Vi fandt desværre ikke en praktikplads til dig i Uge 40");
      const std::string text = told["text"].get<std::string>();
      EXPECT_THAT(text, HasSubstr(english ? "Every host you wished for had all its places filled "
                                            "by other interns."
                                          : "Alle de praktiksteder, du ønskede dig, fik alle "
                                            "deres pladser besat af andre praktikanter."));
      EXPECT_THAT(text, Not(HasSubstr(english ? "no longer part" : "ikke længere med")));
      EXPECT_THAT(told["calendars"], SizeIs(0)) << "no place, no calendar";
      continue;
    }
    if (intern.wishes.front() == 'B') placed_at_b.insert(intern.name);
    if (intern.wishes.front() == 'C') placed_at_c.insert(intern.name);
    EXPECT_EQ(placement.host_offer_id(), offers[intern.wishes.front()]);
    const Json told = One(mail, intern.email, "intern_placed");
    const std::string workplace = placement.host().workplace_name();
    EXPECT_EQ(told["subject"], english ? "Your innovation internship: " + workplace
                                       : "Du skal i innovationspraktik hos " + workplace);
    EXPECT_THAT(told["reply_to"].get<std::string>(), HasSubstr("sekretariat@coi.example"));
    EXPECT_THAT(told["from"].get<std::string>(), HasSubstr("fyn@coi.example"));
    auto events = Events(told);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].first, "REQUEST");
    EXPECT_EQ(events[0].second["uid"],
              "placement-" + placement.placement_id() + "." + kTenant + "@ipraktik");
    EXPECT_EQ(events[0].second["sequence"], 1);
    EXPECT_EQ(events[0].second["dtstart"], Iso(intern.days.front()));
  }
  EXPECT_THAT(placed_at_b, SizeIs(1));
  EXPECT_THAT(placed_at_c, SizeIs(1));
  // The hosts: Hanne (Danish) gets Anna and Erik, Henry (English) and Helle one each; Dorte
  // nobody, and no e-mail.
  const Json to_hanne = One(mail, "hanne@aarhus.example", "host_interns");
  EXPECT_EQ(to_hanne["subject"], "2 innovationspraktikanter kommer til Aarhus Kommune");
  EXPECT_THAT(to_hanne["text"].get<std::string>(), HasSubstr("Anna Andersen"));
  EXPECT_THAT(to_hanne["text"].get<std::string>(), HasSubstr("Erik Evans"));
  EXPECT_THAT(Events(to_hanne), SizeIs(2));
  for (const auto& [method, event] : Events(to_hanne)) EXPECT_EQ(method, "REQUEST");
  const Json to_henry = One(mail, "henry@rm.example", "host_interns");
  EXPECT_EQ(to_henry["subject"], "An innovation intern is coming to Region Midtjylland");
  if (!placed_at_b.empty()) {
    EXPECT_THAT(to_henry["text"].get<std::string>(), HasSubstr(*placed_at_b.begin()));
  }
  const Json to_helle = One(mail, "helle@herning.example", "host_interns");
  EXPECT_EQ(to_helle["subject"], "En innovationspraktikant kommer til Herning Kommune");
  EXPECT_THAT(To(mail, "dorte@aarhus.example"), SizeIs(0));

  // Hanne declines both; the round is matched again and published as asked.
  for (const char* name : {"Anna Andersen", "Erik Evans"}) {
    v1::RecordPlacementChangeRequest change;
    change.set_round_id(round_id_);
    change.set_participant_id(placements.at(name).participant_id());
    change.set_kind(v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED);
    change.set_note("Vi har sygdom i afdelingen.");
    v1::RecordPlacementChangeResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status =
        stack_->matching().RecordPlacementChange(context.get(), change, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  v1::RequestMatchingRequest rematch;
  rematch.set_round_id(round_id_);
  std::string rematch_job;
  {
    v1::RequestMatchingResponse response;
    auto context = ContextFor(kTenant);
    grpc::Status status = stack_->matching().RequestMatching(context.get(), rematch, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    rematch_job = response.job().job_id();
  }
  EXPECT_TRUE(AwaitJob(stack_->matching(), kTenant, rematch_job, /*published=*/true).rematch());

  // Only those affected hear of it: Anna moves to D (same calendar UID, a higher SEQUENCE), Erik
  // has no place left and is told why, with a CANCEL; Hanne gets a cancellation per intern and
  // Dorte her intern.
  mail = AwaitMail(14 + 9 + 5);
  const auto after = PlacementsByName();
  {
    const Json moved = One(mail, "anna@fm.example", "intern_moved");
    EXPECT_EQ(moved["subject"], "Ændring: din innovationspraktik er nu hos Aarhus Kommune");
    auto events = Events(moved);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].first, "REQUEST");
    EXPECT_EQ(
        events[0].second["uid"],
        "placement-" + placements.at("Anna Andersen").placement_id() + "." + kTenant + "@ipraktik");
    EXPECT_EQ(events[0].second["sequence"], after.at("Anna Andersen").revision());
    EXPECT_GT(after.at("Anna Andersen").revision(), 1);
    EXPECT_EQ(events[0].second["dtstart"], Iso(30));
    EXPECT_EQ(after.at("Anna Andersen").host_offer_id(), offers['D']);
  }
  {
    const Json unmatched = One(mail, "erik@fm.example", "intern_unmatched");
    EXPECT_EQ(unmatched["subject"], "We could not find an internship for you in Uge 40");
    const std::string text = unmatched["text"].get<std::string>();
    EXPECT_THAT(text, HasSubstr("The host you were placed with could not receive you after all"));
    EXPECT_THAT(text, Not(HasSubstr("filled by other interns")));
    auto events = Events(unmatched);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].first, "CANCEL");
    EXPECT_EQ(events[0].second["status"], "CANCELLED");
    EXPECT_EQ(events[0].second["uid"], "placement-" + placements.at("Erik Evans").placement_id() +
                                           "." + kTenant + "@ipraktik");
    EXPECT_EQ(events[0].second["dtstart"], Iso(30)) << "a CANCEL keeps the visit's first day";
    EXPECT_EQ(after.at("Erik Evans").reason_code(), "host_declined");
  }
  auto cancellations = To(mail, "hanne@aarhus.example", "host_cancellation");
  ASSERT_THAT(cancellations, SizeIs(2));
  std::set<std::string> cancelled_names;
  for (const Json& cancellation : cancellations) {
    const std::string subject = cancellation["subject"].get<std::string>();
    EXPECT_THAT(subject, HasSubstr("kommer ikke i praktik hos Aarhus Kommune"));
    cancelled_names.insert(subject.substr(
        std::string("Aflyst: ").size(), subject.find(" kommer") - std::string("Aflyst: ").size()));
    auto events = Events(cancellation);
    ASSERT_THAT(events, SizeIs(1));
    EXPECT_EQ(events[0].first, "CANCEL");
    EXPECT_FALSE(events[0].second["dtstart"].is_null());
  }
  EXPECT_EQ(cancelled_names, (std::set<std::string>{"Anna Andersen", "Erik Evans"}));
  const Json to_dorte = One(mail, "dorte@aarhus.example", "host_interns");
  EXPECT_EQ(to_dorte["subject"], "En innovationspraktikant kommer til Aarhus Kommune");
  EXPECT_THAT(to_dorte["text"].get<std::string>(), HasSubstr("Anna Andersen"));
  // Nobody else heard anything new.
  for (const std::string address :
       {"beth@fm.example", "bill@fm.example", "carl@fm.example", "cecilie@fm.example",
        "henry@rm.example", "helle@herning.example"}) {
    EXPECT_EQ(To(mail, address).size(), address.find("fm.example") != std::string::npos ? 2u : 1u)
        << address;
  }
  for (const Json& message : mail) {
    EXPECT_THAT(message["defects"], SizeIs(0)) << message["subject"];
  }

  // The overview after the re-match; every e-mail recorded as sent, one record per e-mail.
  v1::RoundOverview overview;
  EXPECT_TRUE(Eventually([&] {
    overview = Overview();
    return overview.emails_sent() == 28;
  })) << overview.DebugString();
  EXPECT_EQ(overview.signed_up(), 7);
  EXPECT_EQ(overview.rejected(), 1);
  EXPECT_EQ(overview.taking_part(), 6);
  EXPECT_TRUE(overview.published());
  EXPECT_EQ(overview.job_id(), rematch_job);
  EXPECT_EQ(overview.matched(), 3);
  EXPECT_EQ(overview.unmatched(), 3);
  std::map<std::string, int64_t> reasons;
  for (const auto& reason : overview.unmatched_reasons()) {
    reasons[reason.reason_code()] = reason.interns();
    EXPECT_FALSE(reason.reason().empty());
  }
  EXPECT_EQ(reasons,
            (std::map<std::string, int64_t>{{"all_wished_hosts_full", 2}, {"host_declined", 1}}));
  EXPECT_EQ(overview.host_offers_with_free_places(), 1);  // A, whose host declined both
  EXPECT_EQ(overview.free_places(), 2);
  EXPECT_EQ(overview.emails_failed(), 0);
  EXPECT_EQ(overview.emails_pending(), 0);
  const auto deliveries = Deliveries(stack_->notification(), kTenant, round_id_);
  EXPECT_THAT(deliveries, SizeIs(28));
  std::set<std::string> ids_in_sink;
  for (const Json& message : mail)
    ids_in_sink.insert(message["ipraktik_message"].get<std::string>());
  for (const auto& delivery : deliveries) {
    EXPECT_EQ(delivery.state(), v1::DELIVERY_STATE_SENT) << delivery.DebugString();
    EXPECT_TRUE(ids_in_sink.contains(delivery.message_id())) << delivery.DebugString();
  }

  // The evaluation service took in the placements of both publications.
  EXPECT_TRUE(Eventually([&] {
    return stack_->programs().Handled("evaluation", "matching.intern.placed") == 5 &&
           stack_->programs().Handled("evaluation", "matching.intern.unmatched") == 3;
  }));
  // The round is PUBLISHED in the registration service (it consumed the publication).
  v1::GetRoundRequest get_round;
  get_round.set_round_id(round_id_);
  EXPECT_EQ(MustCall(stack_->registration(), &RegistrationStub::GetRound, get_round, kTenant)
                .round()
                .state(),
            v1::ROUND_STATE_PUBLISHED);
}

}  // namespace
}  // namespace ipraktik::testing
