// The registration domain's rules, without any server: validation names every wrong field,
// round states move only along the allowed transitions, wishes expand into equal-rank groups.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "domain/model.h"
#include "domain/rules.h"
#include "domain/text.h"
#include "domain/wishes.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::registration {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Date D(std::string_view text) { return ParseDate(text).value(); }

// field -> description of every violation, for readable assertions.
std::map<std::string, std::string> ViolationMap(const Violations& violations) {
  std::map<std::string, std::string> map;
  for (const auto& v : violations.list()) map[v.field] = v.description;
  return map;
}

std::vector<std::string> Fields(const Violations& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations.list()) fields.push_back(v.field);
  return fields;
}

Programme NationalProgramme() {
  return {.id = "prg-1",
          .name = "Innovationspraktik",
          .description = "",
          .requires_manager_approval = false,
          .retention_days = 365};
}

Round Week37() {
  return {.id = "rnd-1",
          .programme_id = "prg-1",
          .name = "Innovationspraktik 2026, uge 37",
          .window_start = D("2026-09-07"),
          .window_end = D("2026-09-11"),
          .signup_deadline = D("2026-08-15"),
          .max_wishes = 3,
          .allowed_host_sectors = {Sector::kMunicipal, Sector::kRegional, Sector::kState},
          .state = RoundState::kOpen};
}

Workplace Dragoer() {
  return {.id = "wp-dragoer",
          .name = "Dragør Kommune",
          .sector = Sector::kMunicipal,
          .region = "Hovedstaden",
          .municipality = "Dragør"};
}

HostOffer Offer(std::string id, std::string workplace,
                std::vector<std::string> fields = {"ledelse"},
                HostOfferState state = HostOfferState::kPublished) {
  return {.id = std::move(id),
          .round_id = "rnd-1",
          .workplace_id = std::move(workplace),
          .title = "Kommunaldirektørens kontor",
          .description = "Følg kommunaldirektøren en uge og se ledelse i praksis.",
          .capacity = 2,
          .days = {D("2026-09-07"), D("2026-09-08")},
          .address = "Kirkevej 7, 2791 Dragør",
          .municipality = "Dragør",
          .region = "Hovedstaden",
          .fields = std::move(fields),
          .contact_participant_id = "par-kenneth",
          .state = state};
}

Application SimonsApplication() {
  return {.id = "",
          .round_id = "rnd-1",
          .participant_id = "par-simon",
          .purpose = "Se hvordan de kommunale rammer virker i praksis hos en kommune.",
          .available_days = {D("2026-09-07"), D("2026-09-08")},
          .wishes = {{.host_offer_id = "off-dragoer", .criteria = {}}},
          .swap_request = std::nullopt,
          .manager = std::nullopt,
          .approval_state = ApprovalState::kNotRequired,
          .approval_comment = ""};
}

TEST(TextTest, FoldsDanishLettersAndTrims) {
  EXPECT_EQ(FoldCase("ÆRØ Å Ærø"), "ærø å ærø");
  EXPECT_EQ(FoldCase("Hovedstaden"), "hovedstaden");
  EXPECT_EQ(FoldCase("×"), "×");  // the multiplication sign has no small letter
  EXPECT_EQ(Trim("  Lene \t\n"), "Lene");
  EXPECT_EQ(CharacterCount("Dragør"), 6u);
}

TEST(TextTest, CountsInTheRightNumber) {
  EXPECT_EQ(text::Counted(1, "place", "places"), "1 place");
  EXPECT_EQ(text::Counted(0, "place", "places"), "0 places");
  EXPECT_EQ(text::Counted(3, "place", "places"), "3 places");
}

TEST(TextTest, RecognizesEmailPhoneAndRegions) {
  EXPECT_TRUE(IsEmailAddress("lotte.lind@holstebro.dk"));
  EXPECT_FALSE(IsEmailAddress("lotte.lind@holstebro"));
  EXPECT_FALSE(IsEmailAddress("lotte lind@holstebro.dk"));
  EXPECT_FALSE(IsEmailAddress("@holstebro.dk"));
  EXPECT_FALSE(IsEmailAddress("a@@b.dk"));
  EXPECT_TRUE(IsPhoneNumber("96117113"));
  EXPECT_TRUE(IsPhoneNumber("+45 96 11 71 13"));
  EXPECT_FALSE(IsPhoneNumber("9611-7113"));
  EXPECT_EQ(CanonicalRegion("region sjælland"), "Sjælland");
  EXPECT_EQ(CanonicalRegion("SJÆLLAND"), "Sjælland");
  EXPECT_EQ(CanonicalRegion("Jylland"), std::nullopt);
  EXPECT_FALSE(IsCleanText("a\nb"));
  EXPECT_TRUE(IsCleanText("a\nb", /*multiline=*/true));
  EXPECT_FALSE(IsCleanText("\xC3"));
}

// A name that displays as something else than it is never gets in (issue #13): right-to-left
// overrides, isolates and marks anywhere; zero-width characters in one-line text.
TEST(TextTest, BidirectionalAndZeroWidthCharactersAreRefused) {
  EXPECT_TRUE(IsCleanText("S\u00f8ren \u00c6r\u00f8"));
  for (const char* name : {"Anna \u202Egnirts", "Anna \u2066x\u2069", "Anna\u200F", "A\u061Cb"}) {
    EXPECT_FALSE(IsCleanText(name)) << name;
    EXPECT_FALSE(IsCleanText(name, /*multiline=*/true)) << name;
  }
  for (const char* name : {"An\u200Bna", "An\u200Dna", "An\u2060na", "\uFEFFAnna", "A\u2028B"}) {
    EXPECT_FALSE(IsCleanText(name)) << name;
  }
  EXPECT_TRUE(IsCleanText("\U0001F469\u200D\U0001F4BB comment", /*multiline=*/true));
  EXPECT_FALSE(IsCleanText("a\u0085b", /*multiline=*/true));  // a C1 control
}

TEST(ProgrammeTest, NamesEveryWrongField) {
  Programme programme{.id = "", .name = "", .description = "ok", .retention_days = 7};
  Violations out;
  CheckProgramme(programme, FieldPath("programme"), out);
  EXPECT_THAT(Fields(out), ElementsAre("programme.name", "programme.retention_days"));

  Programme defaults{.id = "", .name = "  Lynpraktik ", .retention_days = 0};
  Normalize(defaults);
  EXPECT_EQ(defaults.name, "Lynpraktik");
  EXPECT_EQ(defaults.retention_days, kDefaultRetentionDays);
}

TEST(RoundTest, AcceptsAWeekInSeptember) {
  Round round = Week37();
  Programme programme = NationalProgramme();
  Violations out;
  CheckRound(round, &programme, FieldPath("round"), out);
  EXPECT_THAT(Fields(out), IsEmpty());
}

TEST(RoundTest, NamesEveryWrongField) {
  Round round = Week37();
  round.name = "";
  round.window_end = D("2026-09-01");
  round.signup_deadline = D("2026-09-10");
  round.max_wishes = 0;
  round.allowed_host_sectors = {Sector::kState, Sector::kUnspecified, Sector::kState};
  Violations out;
  CheckRound(round, nullptr, FieldPath("round"), out);
  auto map = ViolationMap(out);
  EXPECT_THAT(map["round.programme_id"], HasSubstr("names no programme"));
  EXPECT_EQ(map["round.name"], "is required");
  EXPECT_EQ(map["round.window_end"], "is before window_start");
  EXPECT_EQ(map["round.signup_deadline"], "is after window_start");
  EXPECT_THAT(map["round.max_wishes"], HasSubstr("between 1 and 20"));
  EXPECT_EQ(map["round.allowed_host_sectors[1]"], "is not a sector");
  EXPECT_EQ(map["round.allowed_host_sectors[2]"], "repeats state");
}

TEST(RoundTest, RefusesUnsetInvalidAndLongWindows) {
  Round round = Week37();
  round.window_start = Date{};
  round.window_end = Date{std::chrono::year(2026), std::chrono::month(2), std::chrono::day(30)};
  Violations out;
  Programme programme = NationalProgramme();
  CheckRound(round, &programme, FieldPath("round"), out);
  auto map = ViolationMap(out);
  EXPECT_EQ(map["round.window_start"], "is required");
  EXPECT_EQ(map["round.window_end"], "is not a valid calendar date");

  round = Week37();
  round.window_end = D("2026-12-31");
  Violations long_window;
  CheckRound(round, &programme, FieldPath("round"), long_window);
  EXPECT_THAT(ViolationMap(long_window)["round.window_end"], HasSubstr("longer than 92 days"));
}

TEST(RoundStateTest, MovesOnlyAlongTheAllowedTransitions) {
  using enum RoundState;
  EXPECT_TRUE(IsAllowedTransition(kDraft, kOpen));
  EXPECT_TRUE(IsAllowedTransition(kOpen, kClosed));
  EXPECT_TRUE(IsAllowedTransition(kClosed, kMatched));
  EXPECT_TRUE(IsAllowedTransition(kClosed, kOpen));
  EXPECT_TRUE(IsAllowedTransition(kMatched, kPublished));
  EXPECT_TRUE(IsAllowedTransition(kMatched, kClosed));
  EXPECT_TRUE(IsAllowedTransition(kPublished, kCompleted));
  EXPECT_TRUE(IsAllowedTransition(kPublished, kOpen));  // late sign-ups
  EXPECT_FALSE(IsAllowedTransition(kDraft, kClosed));
  EXPECT_FALSE(IsAllowedTransition(kOpen, kMatched));
  EXPECT_FALSE(IsAllowedTransition(kPublished, kClosed));
  EXPECT_FALSE(IsAllowedTransition(kCompleted, kOpen));
  EXPECT_FALSE(IsAllowedTransition(kCompleted, kDraft));
  EXPECT_FALSE(IsAllowedTransition(kOpen, kOpen));

  Round round = Week37();
  absl::Status status = CheckTransition(round, kMatched);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  auto violations = errors::PreconditionViolationsOf(status);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].type, "ROUND_TRANSITION");
  EXPECT_EQ(violations[0].subject, "round/rnd-1");
  EXPECT_EQ(violations[0].description, "a round cannot go from open to matched");
}

TEST(RoundStateTest, AClosedRoundTakesNoSignUpsAndFreezesItsRules) {
  Round round = Week37();
  EXPECT_TRUE(AllowsSignUp(round, D("2026-08-15")).ok());
  absl::Status late = AllowsSignUp(round, D("2026-08-16"));
  EXPECT_EQ(errors::PreconditionViolationsOf(late).at(0).type, "SIGNUP_DEADLINE_PASSED");

  round.state = RoundState::kClosed;
  absl::Status closed = AllowsSignUp(round, D("2026-08-01"));
  EXPECT_EQ(closed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(errors::PreconditionViolationsOf(closed).at(0).type, "ROUND_NOT_OPEN");
  EXPECT_FALSE(AllowsApproval(round).ok());
  EXPECT_FALSE(AllowsHostOfferChange(round).ok());

  Round renamed = round;
  renamed.name = "Uge 37";
  EXPECT_TRUE(AllowsRoundChange(round, renamed).ok());
  Round moved = round;
  moved.window_end = D("2026-09-10");
  EXPECT_EQ(errors::PreconditionViolationsOf(AllowsRoundChange(round, moved)).at(0).type,
            "ROUND_FROZEN");
}

TEST(WorkplaceTest, NormalizesRegionAndNamesWrongFields) {
  Workplace workplace{.id = "",
                      .name = " Holstebro Kommune ",
                      .sector = Sector::kMunicipal,
                      .region = "region midtjylland",
                      .municipality = "Holstebro"};
  Normalize(workplace);
  EXPECT_EQ(workplace.name, "Holstebro Kommune");
  EXPECT_EQ(workplace.region, "Midtjylland");
  Violations ok;
  CheckWorkplace(workplace, FieldPath("workplace"), ok);
  EXPECT_THAT(Fields(ok), IsEmpty());

  Workplace bad{.id = "",
                .name = "",
                .sector = Sector::kUnspecified,
                .region = "Jylland",
                .municipality = ""};
  Violations out;
  CheckWorkplace(bad, FieldPath("workplace"), out);
  EXPECT_THAT(Fields(out), ElementsAre("workplace.name", "workplace.sector", "workplace.region",
                                       "workplace.municipality"));
}

TEST(ParticipantTest, NormalizesAndRequiresConsent) {
  Participant participant{.id = "",
                          .name = "Henrik Skov Nielsen",
                          .email = " Henrik.Skov@Politi.DK ",
                          .phone = "",
                          .job_title = "Kriminalassistent",
                          .workplace_id = "wp-nkc",
                          .consent = false};
  Normalize(participant);
  EXPECT_EQ(participant.email, "henrik.skov@politi.dk");
  Workplace workplace = Dragoer();
  Violations out;
  CheckParticipant(participant, &workplace, FieldPath("participant"), out);
  EXPECT_THAT(Fields(out), ElementsAre("participant.consent"));

  Participant bad{.id = "",
                  .name = "",
                  .email = "henrik",
                  .phone = "12",
                  .job_title = "",
                  .workplace_id = "wp-gone",
                  .language = Language::kDanish,
                  .consent = true};
  Violations all;
  CheckParticipant(bad, nullptr, FieldPath("participant"), all);
  auto map = ViolationMap(all);
  EXPECT_EQ(map["participant.name"], "is required");
  EXPECT_EQ(map["participant.email"], "is not an e-mail address");
  EXPECT_THAT(map["participant.phone"], HasSubstr("8-20 digits"));
  EXPECT_EQ(map["participant.job_title"], "is required");
  EXPECT_EQ(map["participant.workplace_id"], "names no workplace: wp-gone");
}

TEST(HostOfferTest, AcceptsAPublishedOfferAndFillsThePlaceFromTheWorkplace) {
  Round round = Week37();
  Workplace workplace = Dragoer();
  Participant contact{.id = "par-kenneth"};
  HostOffer offer = Offer("off-1", workplace.id, {" Ledelse ", "Økonomi"});
  offer.municipality = "";
  offer.region = "";
  Normalize(offer, &workplace);
  EXPECT_EQ(offer.municipality, "Dragør");
  EXPECT_EQ(offer.region, "Hovedstaden");
  EXPECT_THAT(offer.fields, ElementsAre("ledelse", "økonomi"));
  Violations out;
  CheckHostOffer(offer, &round, &workplace, &contact, FieldPath("host_offer"), out);
  EXPECT_THAT(Fields(out), IsEmpty());
}

TEST(HostOfferTest, NamesEveryWrongField) {
  Round round = Week37();
  Workplace meebook{.id = "wp-meebook",
                    .name = "Meebook",
                    .sector = Sector::kPrivate,
                    .region = "Midtjylland",
                    .municipality = "Aarhus"};
  HostOffer offer = Offer("off-1", meebook.id, {"it", "it", ""});
  offer.title = "";
  offer.description = "Kort";
  offer.capacity = 0;
  offer.days = {D("2026-09-07"), D("2026-09-07"), D("2026-10-01")};
  offer.address = "";
  offer.region = "Jylland";
  Violations out;
  CheckHostOffer(offer, &round, &meebook, nullptr, FieldPath("host_offer"), out);
  auto map = ViolationMap(out);
  EXPECT_THAT(map["host_offer.workplace_id"], HasSubstr("sector (private) may not host"));
  EXPECT_EQ(map["host_offer.title"], "is required");
  EXPECT_THAT(map["host_offer.description"], HasSubstr("too short: at least 20"));
  EXPECT_THAT(map["host_offer.capacity"], HasSubstr("between 1 and 100"));
  EXPECT_EQ(map["host_offer.days[1]"], "repeats host_offer.days[0]");
  EXPECT_THAT(map["host_offer.days[2]"], HasSubstr("outside the round's window"));
  EXPECT_EQ(map["host_offer.address"], "is required");
  EXPECT_THAT(map["host_offer.region"], HasSubstr("must be one of"));
  EXPECT_EQ(map["host_offer.fields[1]"], "repeats fields[0]");
  EXPECT_EQ(map["host_offer.fields[2]"], "is required");
  EXPECT_EQ(map["host_offer.contact_participant_id"], "names no participant: par-kenneth");
}

class ApplicationTest : public ::testing::Test {
 protected:
  ApplicationTest() {
    offers_.emplace("off-dragoer", Offer("off-dragoer", "wp-dragoer"));
    offers_.emplace("off-own", Offer("off-own", "wp-fm"));
    offers_.emplace("off-draft", Offer("off-draft", "wp-x", {"it"}, HostOfferState::kDraft));
    HostOffer other_round = Offer("off-other", "wp-x");
    other_round.round_id = "rnd-2";
    offers_.emplace("off-other", other_round);
    HostOffer late = Offer("off-late", "wp-y");
    late.days = {D("2026-09-11")};
    offers_.emplace("off-late", late);
  }

  Violations Check(const Application& application) {
    ApplicationContext context{.programme = programme_,
                               .round = round_,
                               .intern_email = "simon@fm.dk",
                               .intern_workplace_id = "wp-fm",
                               .find_offer = [this](const std::string& id) -> const HostOffer* {
                                 auto it = offers_.find(id);
                                 return it == offers_.end() ? nullptr : &it->second;
                               },
                               .published_offers = published_ ? &*published_ : nullptr};
    Violations out;
    CheckApplication(application, context, FieldPath("application"), out);
    return out;
  }

  Programme programme_ = NationalProgramme();
  Round round_ = Week37();
  std::map<std::string, HostOffer> offers_;
  std::optional<std::vector<OfferFacts>> published_;
};

TEST_F(ApplicationTest, AcceptsAClearPurposeAndValidWishes) {
  Application application = SimonsApplication();
  application.wishes.push_back({.host_offer_id = "",
                                .criteria = CriteriaWish{.field = "ledelse",
                                                         .sector = Sector::kMunicipal,
                                                         .region = "Hovedstaden",
                                                         .municipality = ""}});
  EXPECT_THAT(Fields(Check(application)), IsEmpty());
}

TEST_F(ApplicationTest, RefusesAWishForTheOwnWorkplaceWithAClearReason) {
  Application application = SimonsApplication();
  application.wishes = {{.host_offer_id = "off-own", .criteria = {}}};
  auto map = ViolationMap(Check(application));
  EXPECT_THAT(map["application.wishes[0].host_offer_id"],
              HasSubstr("is at your own workplace: an innovation internship is spent at another "
                        "workplace"));
}

TEST_F(ApplicationTest, WishesMustBeUniqueExistInTheRoundAndFitTheMaximum) {
  Application application = SimonsApplication();
  application.wishes = {{.host_offer_id = "off-dragoer", .criteria = {}},
                        {.host_offer_id = "off-dragoer", .criteria = {}},
                        {.host_offer_id = "off-other", .criteria = {}},
                        {.host_offer_id = "off-nope", .criteria = {}}};
  auto map = ViolationMap(Check(application));
  EXPECT_EQ(map["application.wishes"], "has 4 wishes; this round allows at most 3");
  EXPECT_THAT(map["application.wishes[1]"], HasSubstr("repeats wishes[0]"));
  EXPECT_EQ(map["application.wishes[2].host_offer_id"],
            "names no host offer in this round: off-other");
  EXPECT_EQ(map["application.wishes[3].host_offer_id"],
            "names no host offer in this round: off-nope");
}

TEST_F(ApplicationTest, NamesEveryOtherWrongField) {
  programme_.requires_manager_approval = true;
  Application application = SimonsApplication();
  application.purpose = "Lære";
  application.available_days = {D("2026-09-20")};
  application.wishes = {{.host_offer_id = "off-draft", .criteria = {}},
                        {.host_offer_id = "", .criteria = CriteriaWish{}},
                        {.host_offer_id = "off-late", .criteria = {}}};
  application.swap_request = SwapRequest{.email = "simon@fm.dk", .name = ""};
  auto map = ViolationMap(Check(application));
  EXPECT_THAT(map["application.purpose"], HasSubstr("too short"));
  EXPECT_THAT(map["application.available_days[0]"], HasSubstr("outside the round's window"));
  EXPECT_EQ(map["application.wishes[0].host_offer_id"],
            "host offer off-draft is not published (it is draft)");
  EXPECT_THAT(map["application.wishes[1].criteria"], HasSubstr("names no criteria"));
  EXPECT_THAT(map["application.wishes[2].host_offer_id"], HasSubstr("none of your available days"));
  EXPECT_THAT(map["application.swap_request.email"], HasSubstr("your own address"));
  EXPECT_THAT(map["application.manager"], HasSubstr("needs your manager's approval"));
}

TEST_F(ApplicationTest, ChecksCriteriaAgainstTheRound) {
  Application application = SimonsApplication();
  application.wishes = {
      {.host_offer_id = "",
       .criteria = CriteriaWish{
           .field = "", .sector = Sector::kPrivate, .region = "Fyn", .municipality = ""}}};
  auto map = ViolationMap(Check(application));
  EXPECT_THAT(map["application.wishes[0].criteria.sector"], HasSubstr("take no part"));
  EXPECT_THAT(map["application.wishes[0].criteria.region"], HasSubstr("must be one of"));
}

// A criteria wish is held to what a named wish is: some published offer fits it, not only at the
// intern's own workplace, and on one of their days.
TEST_F(ApplicationTest, RefusesACriteriaWishNoPublishedOfferCanFulfil) {
  published_ = std::vector<OfferFacts>{{.id = "off-dragoer",
                                        .workplace_id = "wp-dragoer",
                                        .sector = Sector::kMunicipal,
                                        .region = "Hovedstaden",
                                        .municipality = "Dragør",
                                        .fields = {"ledelse"},
                                        .days = {D("2026-09-07"), D("2026-09-08")}},
                                       {.id = "off-own",
                                        .workplace_id = "wp-fm",
                                        .sector = Sector::kState,
                                        .region = "Hovedstaden",
                                        .municipality = "København",
                                        .fields = {"ledelse"},
                                        .days = {D("2026-09-07")}}};
  auto wish = [](CriteriaWish criteria) {
    return Wish{.host_offer_id = "", .criteria = std::move(criteria)};
  };
  Application application = SimonsApplication();
  application.wishes = {
      wish({.field = "ledelse",
            .sector = Sector::kUnspecified,
            .region = "Nordjylland",
            .municipality = ""}),
      wish({.field = "", .sector = Sector::kState, .region = "", .municipality = ""}),
      wish({.field = "it", .sector = Sector::kUnspecified, .region = "", .municipality = ""})};
  auto map = ViolationMap(Check(application));
  EXPECT_EQ(map["application.wishes[0].criteria"],
            "no published offer of this round fits criteria field=ledelse region=Nordjylland: "
            "change the criteria or name an offer");
  EXPECT_THAT(map["application.wishes[1].criteria"], HasSubstr("is at your own workplace"));
  EXPECT_THAT(map["application.wishes[2].criteria"], HasSubstr("no published offer"));

  application.available_days = {D("2026-09-09")};
  application.wishes = {
      wish({.field = "LEDELSE", .sector = Sector::kUnspecified, .region = "", .municipality = ""})};
  EXPECT_EQ(ViolationMap(Check(application))["application.wishes[0].criteria"],
            "the one offer that fits criteria field=LEDELSE takes interns on none of your "
            "available days");
  application.available_days = {D("2026-09-08")};
  EXPECT_THAT(Fields(Check(application)), IsEmpty());
}

// A round's window moves only where its offers' days stay inside; withdrawn offers do not count.
TEST(RoundTest, AWindowThatLeavesOffersOutsideNamesThem) {
  Round round = Week37();
  std::vector<HostOffer> offers = {Offer("off-a", "wp-a"), Offer("off-b", "wp-b")};
  offers[1].days = {D("2026-09-11")};
  EXPECT_TRUE(CheckOffersInWindow(round, offers).ok());
  round.window_start = D("2026-09-09");
  absl::Status status = CheckOffersInWindow(round, offers);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(),
              HasSubstr("the window 2026-09-09 to 2026-09-11 leaves 1 offer with days outside "
                        "it"));
  EXPECT_THAT(status.message(),
              HasSubstr("off-a \"Kommunaldirektørens kontor\" (2026-09-07, 2026-09-08)"));
  offers[0].state = HostOfferState::kWithdrawn;
  EXPECT_TRUE(CheckOffersInWindow(round, offers).ok());
}

TEST(ApprovalTest, PendingUntilTheSameManagerApproved) {
  Programme programme = NationalProgramme();
  Application first = SimonsApplication();
  first.manager = Manager{.name = "Chef", .email = "chef@fm.dk"};
  EXPECT_EQ(ApprovalOnSubmit(programme, nullptr, first).state, ApprovalState::kNotRequired);

  programme.requires_manager_approval = true;
  auto decision = ApprovalOnSubmit(programme, nullptr, first);
  EXPECT_EQ(decision.state, ApprovalState::kPending);
  EXPECT_TRUE(decision.needs_new_link);

  first.approval_state = ApprovalState::kApproved;
  Application again = first;
  again.purpose = "Et andet formål med praktikken i år.";
  decision = ApprovalOnSubmit(programme, &first, again);
  EXPECT_EQ(decision.state, ApprovalState::kApproved);
  EXPECT_FALSE(decision.needs_new_link);

  again.manager->email = "ny.chef@fm.dk";
  decision = ApprovalOnSubmit(programme, &first, again);
  EXPECT_EQ(decision.state, ApprovalState::kPending);
  EXPECT_TRUE(decision.needs_new_link);

  first.approval_state = ApprovalState::kRejected;
  EXPECT_EQ(ApprovalOnSubmit(programme, &first, first).state, ApprovalState::kPending);
}

TEST(RetentionTest, ExpiresCompletedRoundsAfterTheRetentionPeriod) {
  Programme programme = NationalProgramme();
  programme.retention_days = 30;
  Round round = Week37();
  EXPECT_FALSE(RetentionExpired(round, programme, D("2027-09-01")));  // not completed
  round.state = RoundState::kCompleted;
  EXPECT_FALSE(RetentionExpired(round, programme, D("2026-10-11")));
  EXPECT_TRUE(RetentionExpired(round, programme, D("2026-10-12")));
}

OfferFacts Facts(std::string id, std::string workplace, Sector sector, std::string region,
                 std::vector<std::string> fields) {
  return {.id = std::move(id),
          .workplace_id = std::move(workplace),
          .sector = sector,
          .region = std::move(region),
          .municipality = "",
          .fields = std::move(fields)};
}

TEST(WishExpanderTest, ExpandsCriteriaIntoEqualRankGroups) {
  WishExpander expander({Facts("o1", "w1", Sector::kMunicipal, "Hovedstaden", {"ledelse"}),
                         Facts("o2", "w2", Sector::kState, "Hovedstaden", {"ledelse", "it"}),
                         Facts("o3", "own", Sector::kMunicipal, "Hovedstaden", {"ledelse"}),
                         Facts("o4", "w4", Sector::kMunicipal, "Nordjylland", {"it"})});
  std::vector<Wish> wishes = {
      {.host_offer_id = "o2", .criteria = {}},
      {.host_offer_id = "",
       .criteria =
           CriteriaWish{.field = "LEDELSE", .sector = {}, .region = "", .municipality = ""}},
      {.host_offer_id = "gone", .criteria = {}},
      {.host_offer_id = "",
       .criteria = CriteriaWish{
           .field = "", .sector = Sector::kMunicipal, .region = "", .municipality = ""}}};
  auto groups = expander.Expand(wishes, "own");
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].rank, 1);
  EXPECT_THAT(groups[0].host_offer_ids, ElementsAre("o2"));
  EXPECT_FALSE(groups[0].criteria.has_value());
  // o2 was wished at rank 1 already, o3 is the intern's own workplace.
  EXPECT_EQ(groups[1].rank, 2);
  EXPECT_THAT(groups[1].host_offer_ids, ElementsAre("o1"));
  ASSERT_TRUE(groups[1].criteria.has_value());
  // Rank 3 named an offer that is not published: dropped, rank 4 keeps its number.
  EXPECT_EQ(groups[2].rank, 4);
  EXPECT_THAT(groups[2].host_offer_ids, UnorderedElementsAre("o4"));
}

TEST(WishExpanderTest, FitsEveryCriterionGiven) {
  OfferFacts offer = Facts("o1", "w1", Sector::kRegional, "Sjælland", {"sundhed"});
  offer.municipality = "Roskilde";
  EXPECT_TRUE(Fits(offer, {.field = "Sundhed", .sector = {}, .region = "", .municipality = ""}));
  EXPECT_TRUE(Fits(offer, {.field = "",
                           .sector = Sector::kRegional,
                           .region = "SJÆLLAND",
                           .municipality = "roskilde"}));
  EXPECT_FALSE(Fits(
      offer, {.field = "sundhed", .sector = Sector::kState, .region = "", .municipality = ""}));
  EXPECT_FALSE(Fits(offer, {.field = "", .sector = {}, .region = "", .municipality = "Køge"}));
}

}  // namespace
}  // namespace ipraktik::registration
