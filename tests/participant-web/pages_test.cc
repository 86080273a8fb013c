// The participant pages without an HTTP server or gRPC: form parsing, CSRF tokens, the site's
// pipeline (link shapes, content type, malformed posts, CSRF) and each page over fake backends,
// rendered with the real templates.
#include "pages/pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "domain/csrf.h"
#include "domain/field_messages.h"
#include "domain/form.h"
#include "domain/site.h"
#include "domain/survey_form.h"
#include "domain/views.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tokens/tokens.h"
#include "pages/approval_page.h"
#include "pages/evaluation_page.h"
#include "pages/placement_page.h"

namespace ipraktik::participant_web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::filesystem::path kFiles = IPRAKTIK_WEB_FILES;
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

// ---- Forms ----

TEST(FormTest, ParsesPairsWithEscapesAndPlus) {
  auto form = ParseForm("comment=God+id%C3%A9%0D%0Aok&decision=approve&empty=");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ(form->Value("comment"), "God idé\r\nok");
  EXPECT_EQ(form->Value("decision"), "approve");
  EXPECT_EQ(form->Get("empty"), std::optional<std::string>(""));
  EXPECT_EQ(form->Get("missing"), std::nullopt);
}

TEST(FormTest, RefusesWhatNoBrowserSendsFromTheseForms) {
  for (const char* body :
       {"a=%", "a=%4", "a=%zz", "a=1&a=2", "=x", "a=%00", "a=%C3%28", "a=%1B[31m"}) {
    EXPECT_FALSE(ParseForm(body).ok()) << body;
  }
  std::string many;
  for (int i = 0; i < 65; ++i) absl::StrAppend(&many, "f", i, "=1&");
  EXPECT_FALSE(ParseForm(many).ok());
}

TEST(FormTest, KnowsTheUrlEncodedContentType) {
  EXPECT_TRUE(IsUrlEncodedForm("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsUrlEncodedForm("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
  EXPECT_FALSE(IsUrlEncodedForm("multipart/form-data; boundary=x"));
  EXPECT_FALSE(IsUrlEncodedForm(""));
}

// ---- CSRF ----

TEST(CsrfTest, ATokenWorksForItsOwnFormAndLinkUntilItExpires) {
  CsrfTokens csrf("secret", absl::Hours(1));
  const FormTarget target{"approval", "holstebro", "ipa_token"};
  const std::string token = csrf.Issue(target, kNow);
  EXPECT_TRUE(csrf.Verify(token, target, kNow));
  EXPECT_TRUE(csrf.Verify(token, target, kNow + absl::Minutes(59)));
  EXPECT_FALSE(csrf.Verify(token, target, kNow + absl::Minutes(61)));
  EXPECT_FALSE(csrf.Verify(token, {"evaluation", "holstebro", "ipa_token"}, kNow));
  EXPECT_FALSE(csrf.Verify(token, {"approval", "aarhus", "ipa_token"}, kNow));
  EXPECT_FALSE(csrf.Verify(token, {"approval", "holstebro", "ipa_other"}, kNow));
  EXPECT_FALSE(CsrfTokens("other secret", absl::Hours(1)).Verify(token, target, kNow));
}

TEST(CsrfTest, AlteredMissingOrStretchedTokensAreRefused) {
  CsrfTokens csrf("secret", absl::Hours(1));
  const FormTarget target{"approval", "holstebro", "ipa_token"};
  std::string token = csrf.Issue(target, kNow);
  EXPECT_FALSE(csrf.Verify("", target, kNow));
  EXPECT_FALSE(csrf.Verify(".", target, kNow));
  std::string flipped = token;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(csrf.Verify(flipped, target, kNow));
  // A later expiry with the old signature.
  const std::string signature = token.substr(token.find('.'));
  EXPECT_FALSE(csrf.Verify(absl::StrCat(absl::ToUnixSeconds(kNow + absl::Hours(100)), signature),
                           target, kNow));
}

// ---- Field messages ----

TEST(FieldMessageTest, TheApisRulesInThePersonsWords) {
  EXPECT_EQ(FieldMessage("is required", model::Language::kDanish), "Besvar venligst spørgsmålet.");
  EXPECT_EQ(FieldMessage("must be 1 to 5", model::Language::kDanish),
            "Angiv et helt tal fra 1 til 5.");
  EXPECT_EQ(FieldMessage("must be 0 to 100", model::Language::kEnglish),
            "Give a whole number from 0 to 100.");
  EXPECT_EQ(FieldMessage("is too long: at most 2000 characters", model::Language::kDanish),
            "Skriv højst 2000 tegn.");
  EXPECT_EQ(FieldMessage("is longer than 500 characters", model::Language::kEnglish),
            "Write at most 500 characters.");
  EXPECT_EQ(FieldMessage("names no round", model::Language::kDanish), "names no round.");
}

// ---- Survey form ----

std::vector<SurveyQuestion> Questions() {
  return {{"overall_value", QuestionKind::kRating, true, "Hvor meget fik du ud af det?"},
          {"length", QuestionKind::kLengthVerdict, true, "Var praktikken passende lang?"},
          {"would_recommend", QuestionKind::kYesNo, true, "Vil du anbefale det?"},
          {"new_contacts", QuestionKind::kCount, false, "Hvor mange nye kontakter?"},
          {"idea", QuestionKind::kLine, false, "En idé du tager med hjem"},
          {"comment", QuestionKind::kText, false, "Kommentar"}};
}

Form FormOf(std::map<std::string, std::string> fields) {
  Form form;
  for (auto& [name, value] : fields) form.Set(name, value);
  return form;
}

TEST(SurveyFormTest, AnswersInTheApisTypesAndBlanksLeftOut) {
  auto parsed = ParseSurvey(Questions(),
                            FormOf({{"overall_value", "4"},
                                    {"length", "right"},
                                    {"would_recommend", "no"},
                                    {"new_contacts", " 3 "},
                                    {"idea", ""},
                                    {"comment", "Godt\r\nforløb"},
                                    {"csrf", "x"}}),
                            "csrf");
  EXPECT_FALSE(parsed.malformed);
  EXPECT_TRUE(parsed.errors.empty());
  EXPECT_EQ(std::get<int>(parsed.answers.at("overall_value")), 4);
  EXPECT_EQ(std::get<LengthVerdict>(parsed.answers.at("length")), LengthVerdict::kRight);
  EXPECT_FALSE(std::get<bool>(parsed.answers.at("would_recommend")));
  EXPECT_EQ(std::get<int>(parsed.answers.at("new_contacts")), 3);
  EXPECT_FALSE(parsed.answers.contains("idea"));
  EXPECT_EQ(std::get<std::string>(parsed.answers.at("comment")), "Godt\r\nforløb");
  EXPECT_EQ(FormValue(parsed.answers.at("length")), "right");
}

TEST(SurveyFormTest, ANumberThatIsNoneGetsTheApisRuleAChoiceNeverOfferedIsMalformed) {
  auto parsed = ParseSurvey(Questions(), FormOf({{"new_contacts", "mange"}}), "csrf");
  EXPECT_FALSE(parsed.malformed);
  EXPECT_EQ(parsed.errors.at("new_contacts"), "must be 0 to 100");
  EXPECT_TRUE(ParseSurvey(Questions(), FormOf({{"length", "medium"}}), "csrf").malformed);
  EXPECT_TRUE(ParseSurvey(Questions(), FormOf({{"would_recommend", "maybe"}}), "csrf").malformed);
  EXPECT_TRUE(ParseSurvey(Questions(), FormOf({{"salary", "1"}}), "csrf").malformed);
}

// ---- The site and its pages over fake backends ----

class FakeApprovals : public ApprovalBackend {
 public:
  absl::StatusOr<ApprovalCase> Lookup(const std::string& tenant,
                                      const std::string& token) override {
    ++lookups;
    if (!lookup_error.ok()) return lookup_error;
    last_tenant = tenant;
    last_token = token;
    return approval;
  }
  absl::StatusOr<ApprovalState> Decide(const std::string&, const std::string&, bool approve,
                                       const std::string& comment) override {
    ++decisions;
    if (!decide_error.ok()) return decide_error;
    last_comment = comment;
    approval.state = approve ? ApprovalState::kApproved : ApprovalState::kRejected;
    return approval.state;
  }

  ApprovalCase approval = [] {
    ApprovalCase a;
    a.intern_name = "Ida Holm";
    a.intern_job_title = "Fuldmægtig";
    a.manager_name = "Chef Hansen";
    a.purpose = "Lære om <borgerinddragelse> & service";
    a.programme_name = "Holstebro Kommunes lynpraktik";
    a.round_name = "Uge 40";
    a.window_start =
        model::Date{std::chrono::year(2026), std::chrono::month(10), std::chrono::day(5)};
    a.window_end =
        model::Date{std::chrono::year(2026), std::chrono::month(10), std::chrono::day(9)};
    a.respond_by =
        model::Date{std::chrono::year(2026), std::chrono::month(9), std::chrono::day(20)};
    a.available_days = {*a.window_start};
    a.wishes = {{1, "Køkkenet på rådhuset"}, {2, ""}};
    return a;
  }();
  absl::Status lookup_error;
  absl::Status decide_error;
  int lookups = 0;
  int decisions = 0;
  std::string last_tenant, last_token, last_comment;
};

class FakeEvaluations : public EvaluationBackend {
 public:
  absl::StatusOr<EvaluationCase> Lookup(const std::string&, const std::string&) override {
    if (!lookup_error.ok()) return lookup_error;
    return evaluation;
  }
  absl::StatusOr<bool> Submit(const std::string&, const std::string&,
                              const SurveyAnswers& answers) override {
    ++submits;
    submitted = answers;
    if (!submit_error.ok()) return submit_error;
    evaluation.answered = true;
    return false;
  }

  EvaluationCase evaluation = [] {
    EvaluationCase e;
    e.round_name = "Uge 40";
    e.host_workplace_name = "Aarhus Kommune";
    e.first_day = model::Date{std::chrono::year(2026), std::chrono::month(10), std::chrono::day(5)};
    e.last_day = model::Date{std::chrono::year(2026), std::chrono::month(10), std::chrono::day(6)};
    e.questions = Questions();
    return e;
  }();
  absl::Status lookup_error;
  absl::Status submit_error;
  int submits = 0;
  SurveyAnswers submitted;
};

model::Date Day(int month, int day) {
  return model::Date{std::chrono::year(2026), std::chrono::month(month), std::chrono::day(day)};
}

constexpr char kIcsA[] =
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:placement-a\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";
constexpr char kIcsB[] =
    "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:placement-b\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n";

class FakePlacements : public PlacementBackend {
 public:
  absl::StatusOr<PlacementCase> Lookup(const std::string&, const std::string&) override {
    ++lookups;
    if (!lookup_error.ok()) return lookup_error;
    return host ? host_case : intern_case;
  }
  absl::StatusOr<bool> Decline(const std::string&, const std::string&,
                               const std::string& participant_id,
                               const std::string& reason) override {
    ++changes;
    if (!change_error.ok()) return change_error;
    declined_id = participant_id;
    last_reason = reason;
    for (PlacementIntern& intern : host_case.interns) {
      if (intern.person.participant_id == participant_id) {
        if (intern.declined) return true;
        intern.declined = true;
      }
    }
    return false;
  }
  absl::StatusOr<bool> Withdraw(const std::string&, const std::string&,
                                const std::string& reason) override {
    ++changes;
    if (!change_error.ok()) return change_error;
    last_reason = reason;
    const bool again = withdrawn;
    withdrawn = true;
    return again;
  }

  bool host = false;
  PlacementCase intern_case = [] {
    PlacementCase p;
    p.round_name = "Uge 40";
    p.window_start = Day(10, 5);
    p.window_end = Day(10, 9);
    p.host_title = "Borgerservice";
    p.host_workplace_name = "Aarhus Kommune";
    p.host_description = "Følg hverdagen <i>tæt</i> på.";
    p.address = "Rådhuspladsen 2, 8000 Aarhus C";
    p.municipality = "Aarhus";
    p.contact = {.participant_id = "c-1",
                 .name = "Hanne Holm",
                 .email = "hanne@aarhus.example",
                 .phone = "+45 11 22 33 44",
                 .job_title = "Leder"};
    p.participant = {.participant_id = "p-ida", .name = "Ida Holm"};
    p.days = {Day(10, 5), Day(10, 6)};
    p.purpose = "Lære om borgerinddragelse";
    p.guide = "Afstem forventninger.\nMød op kl. 9.";
    p.calendars = {{"innovationspraktik.ics", kIcsA}};
    p.valid_until = Day(11, 8);
    return p;
  }();
  PlacementCase host_case = [] {
    PlacementCase p;
    p.host = true;
    p.round_name = "Uge 40";
    p.host_title = "Borgerservice";
    p.host_workplace_name = "Aarhus Kommune";
    p.address = "Rådhuspladsen 2, 8000 Aarhus C";
    p.participant = {.participant_id = "c-1", .name = "Hanne Holm"};
    p.days = {Day(10, 5), Day(10, 6)};
    p.interns = {
        {.person = {.participant_id = "p-ida",
                    .name = "Ida Holm",
                    .email = "ida@fm.example",
                    .job_title = "Fuldmægtig",
                    .workplace_name = "Finansministeriet"},
         .purpose = "Lære om borgerinddragelse",
         .days = {Day(10, 5)}},
        {.person = {.participant_id = "p-erik", .name = "Erik Evans"}, .days = {Day(10, 6)}}};
    p.guide = "Brug hele arbejdspladsen.";
    p.calendars = {{"innovationspraktik-1.ics", kIcsA}, {"innovationspraktik-2.ics", kIcsB}};
    return p;
  }();
  absl::Status lookup_error;
  absl::Status change_error;
  bool withdrawn = false;
  int lookups = 0;
  int changes = 0;
  std::string declined_id, last_reason;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A refusal of a service behind a page, and the page's status and words for it.
struct ProblemCase {
  absl::Status status;
  int http;
  const char* says;
};

class SiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto views = Views::Load(kFiles / "templates");
    ASSERT_TRUE(views.ok()) << views.status();
    views_ = std::make_unique<Views>(*std::move(views));
    site_ = std::make_unique<Site>(*views_, csrf_, ReadFile(kFiles / "static/style.css"));
    AddPages(
        *site_,
        Backends{.approval = approvals_, .evaluation = evaluations_, .placement = placements_});
    approval_token_ = *tokens::NewToken("ipa");
    evaluation_token_ = *tokens::NewToken("ipe");
    placement_token_ = *tokens::NewToken("ipp");
  }

  Handled Get(const std::string& path) const {
    Request request;
    request.method = "GET";
    request.path = path;
    return site_->Handle(request, kNow);
  }

  Handled Post(const std::string& path, const std::string& body,
               const std::string& type = "application/x-www-form-urlencoded") const {
    Request request;
    request.method = "POST";
    request.path = path;
    request.headers["content-type"] = type;
    request.body = body;
    return site_->Handle(request, kNow);
  }

  std::string ApprovalPath() const { return "/approval/holstebro/" + approval_token_; }
  std::string EvaluationPath() const { return "/evaluation/holstebro/" + evaluation_token_; }
  std::string PlacementPath() const { return "/placement/holstebro/" + placement_token_; }
  std::string PlacementForm() const { return "csrf=" + Csrf("placement", placement_token_); }
  std::string Csrf(const std::string& form, const std::string& token) const {
    return csrf_.Issue({form, "holstebro", token}, kNow);
  }

  CsrfTokens csrf_{"test secret"};
  std::unique_ptr<Views> views_;
  std::unique_ptr<Site> site_;
  FakeApprovals approvals_;
  FakeEvaluations evaluations_;
  FakePlacements placements_;
  std::string approval_token_;
  std::string evaluation_token_;
  std::string placement_token_;
};

TEST_F(SiteTest, TheApprovalPageShowsWhoAsksForWhatWithAFormThatCarriesItsCsrfToken) {
  Handled page = Get(ApprovalPath());
  EXPECT_EQ(page.page, "approval");
  ASSERT_EQ(page.response.status, 200) << page.response.body;
  const std::string& html = page.response.body;
  EXPECT_THAT(html, HasSubstr("<html lang=\"da\">"));
  EXPECT_THAT(html, HasSubstr("Ida Holm"));
  EXPECT_THAT(html, HasSubstr("Kære Chef Hansen"));
  EXPECT_THAT(html, HasSubstr("Holstebro Kommunes lynpraktik"));
  EXPECT_THAT(html, HasSubstr("mandag den 5. oktober 2026 – fredag den 9. oktober 2026"));
  EXPECT_THAT(html, HasSubstr("<li>Køkkenet på rådhuset</li>"));
  EXPECT_THAT(html, HasSubstr("Et ønske ud fra kriterier"));
  // Values are escaped.
  EXPECT_THAT(html, HasSubstr("Lære om &lt;borgerinddragelse&gt; &amp; service"));
  EXPECT_THAT(html, HasSubstr("<label for=\"comment\">"));
  EXPECT_THAT(html, HasSubstr("value=\"approve\""));
  EXPECT_THAT(html, HasSubstr("value=\"reject\""));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("action=\"", ApprovalPath(), "\"")));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("name=\"csrf\" value=\"",
                                           Csrf("approval", approval_token_), "\"")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_EQ(approvals_.last_tenant, "holstebro");
  EXPECT_EQ(approvals_.last_token, approval_token_);
}

TEST_F(SiteTest, TheApprovalPageIsInTheInternsLanguage) {
  approvals_.approval.language = model::Language::kEnglish;
  Handled page = Get(ApprovalPath());
  EXPECT_THAT(page.response.body, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(page.response.body, HasSubstr("Approve the application"));
  EXPECT_THAT(page.response.body, HasSubstr("Monday 5 October 2026"));
}

TEST_F(SiteTest, ADecisionIsConfirmedAndTheOtherDecisionStaysOnOffer) {
  Handled done = Post(ApprovalPath(), absl::StrCat("csrf=", Csrf("approval", approval_token_),
                                                   "&decision=approve&comment=God+id%C3%A9"));
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  EXPECT_THAT(done.response.body, HasSubstr("Tak, ansøgningen er godkendt"));
  EXPECT_THAT(done.response.body, HasSubstr("Ida Holm"));
  EXPECT_EQ(approvals_.last_comment, "God idé");
  Handled again = Get(ApprovalPath());
  EXPECT_THAT(again.response.body, HasSubstr("Du har godkendt ansøgningen."));
  EXPECT_THAT(again.response.body, Not(HasSubstr("value=\"approve\"")));
  EXPECT_THAT(again.response.body, HasSubstr("value=\"reject\""));
}

TEST_F(SiteTest, WithoutAValidCsrfTokenNothingIsDecided) {
  for (const std::string& body :
       {std::string("decision=approve"), std::string("csrf=&decision=approve"),
        absl::StrCat("csrf=", Csrf("evaluation", approval_token_), "&decision=approve"),
        absl::StrCat("csrf=", csrf_.Issue({"approval", "aarhus", approval_token_}, kNow),
                     "&decision=approve")}) {
    Handled refused = Post(ApprovalPath(), body);
    EXPECT_EQ(refused.response.status, 403) << body;
    EXPECT_THAT(refused.response.body, HasSubstr("Formularen kunne ikke godkendes"));
  }
  EXPECT_EQ(approvals_.decisions, 0);
  EXPECT_EQ(approvals_.lookups, 0);
}

TEST_F(SiteTest, MalformedPostsAreRefusedBeforeAnyCall) {
  const std::string csrf = Csrf("approval", approval_token_);
  EXPECT_EQ(Post(ApprovalPath(), "csrf=" + csrf + "&decision=maybe").response.status, 400);
  EXPECT_EQ(
      Post(ApprovalPath(), "csrf=" + csrf + "&decision=approve&decision=reject").response.status,
      400);
  EXPECT_EQ(Post(ApprovalPath(), "csrf=%zz").response.status, 400);
  EXPECT_EQ(Post(ApprovalPath(), "{\"decision\":\"approve\"}", "application/json").response.status,
            400);
  EXPECT_EQ(approvals_.decisions, 0);
}

TEST_F(SiteTest, LinksOfTheWrongShapeAreUnknownWithoutACall) {
  EXPECT_EQ(Get("/approval/holstebro/ipa_short").response.status, 404);
  EXPECT_EQ(Get("/approval/Holstebro/" + approval_token_).response.status, 404);
  EXPECT_EQ(Get("/approval/holstebro/" + evaluation_token_).response.status, 404);
  EXPECT_EQ(Get("/approval/holstebro").response.status, 404);
  EXPECT_EQ(Get("/nothing/holstebro/" + approval_token_).response.status, 404);
  EXPECT_EQ(approvals_.lookups, 0);
  Handled unknown = Get("/approval/holstebro/ipa_short");
  EXPECT_THAT(unknown.response.body, HasSubstr("Linket virker ikke"));
}

TEST_F(SiteTest, TheServicesRefusalsBecomeClearPagesWithTheirStatus) {
  for (const ProblemCase& c : std::vector<ProblemCase>{
           {errors::NotFound("approval", "approval_token"), 404, "Linket virker ikke"},
           {errors::FailedPrecondition("LINK_EXPIRED", "round/r-1", "expired"), 410,
            "Linket er udløbet"},
           {errors::FailedPrecondition("ALREADY_DECIDED", "application/a-1", "used"), 409,
            "Beslutningen er allerede truffet"},
           {errors::FailedPrecondition("ROUND_NOT_OPEN", "round/r-1", "closed"), 410,
            "Der tages ikke imod svar længere"},
           {absl::UnavailableError("down"), 503, "midlertidigt utilgængelig"},
           {absl::InternalError("boom"), 500, "Der opstod en fejl"}}) {
    approvals_.decide_error = c.status;
    Handled page = Post(ApprovalPath(), absl::StrCat("csrf=", Csrf("approval", approval_token_),
                                                     "&decision=approve"));
    EXPECT_EQ(page.response.status, c.http) << c.status;
    EXPECT_THAT(page.response.body, HasSubstr(c.says)) << c.status;
    EXPECT_THAT(page.response.body, Not(HasSubstr(std::string(c.status.message()))));
  }
  approvals_.lookup_error = errors::NotFound("approval", "approval_token");
  EXPECT_EQ(Get(ApprovalPath()).response.status, 404);
}

TEST_F(SiteTest, ACommentTheServiceRefusesComesBackWithTheMessageNextToIt) {
  approvals_.decide_error =
      errors::InvalidArgument({{"comment", "is too long: at most 2000 characters"}});
  Handled page = Post(ApprovalPath(), absl::StrCat("csrf=", Csrf("approval", approval_token_),
                                                   "&decision=reject&comment=lang"));
  EXPECT_EQ(page.response.status, 422);
  EXPECT_THAT(page.response.body, HasSubstr("id=\"comment-error\""));
  EXPECT_THAT(page.response.body, HasSubstr("Skriv højst 2000 tegn."));
  EXPECT_THAT(page.response.body, HasSubstr(">lang</textarea>"));
}

TEST_F(SiteTest, TheSurveyAsksItsQuestionsWithALabelForEveryField) {
  Handled page = Get(EvaluationPath());
  ASSERT_EQ(page.response.status, 200) << page.response.body;
  const std::string& html = page.response.body;
  EXPECT_THAT(html, HasSubstr("Aarhus Kommune"));
  EXPECT_THAT(html,
              HasSubstr("<legend><span class=\"number\">1.</span> Hvor meget fik du ud af det?"));
  EXPECT_THAT(html, HasSubstr("<label for=\"q-overall_value-5\">5 – I meget høj grad</label>"));
  EXPECT_THAT(html, HasSubstr("<label for=\"q-new_contacts\">"));
  EXPECT_THAT(html, HasSubstr("id=\"q-comment\" name=\"comment\""));
  EXPECT_THAT(html, HasSubstr(Csrf("evaluation", evaluation_token_)));
}

TEST_F(SiteTest, TheSurveyShowsTheServicesMessagesNextToTheFieldsAndKeepsTheAnswers) {
  evaluations_.submit_error = errors::InvalidArgument(
      {{"answers.overall_value", "is required"}, {"answers.length", "is required"}});
  Handled page = Post(EvaluationPath(), absl::StrCat("csrf=", Csrf("evaluation", evaluation_token_),
                                                     "&would_recommend=yes&idea=Kaffe"));
  ASSERT_EQ(page.response.status, 422);
  const std::string& html = page.response.body;
  EXPECT_THAT(html, HasSubstr("id=\"q-overall_value-error\""));
  EXPECT_THAT(html, HasSubstr("Besvar venligst spørgsmålet."));
  EXPECT_THAT(html, HasSubstr("href=\"#q-overall_value-1\""));
  EXPECT_THAT(
      html, HasSubstr("id=\"q-would_recommend-1\" name=\"would_recommend\" value=\"yes\" checked"));
  EXPECT_THAT(html, HasSubstr("value=\"Kaffe\""));
  EXPECT_EQ(std::get<bool>(evaluations_.submitted.at("would_recommend")), true);
}

TEST_F(SiteTest, AnAnsweredSurveySaysSoAndASecondPostChangesNothing) {
  Handled thanks =
      Post(EvaluationPath(), absl::StrCat("csrf=", Csrf("evaluation", evaluation_token_),
                                          "&overall_value=5&length=right&would_recommend=yes"));
  ASSERT_EQ(thanks.response.status, 200) << thanks.response.body;
  EXPECT_THAT(thanks.response.body, HasSubstr("Tak for dine svar"));
  Handled answered = Get(EvaluationPath());
  EXPECT_EQ(answered.response.status, 200);
  EXPECT_THAT(answered.response.body, HasSubstr("Du har allerede svaret"));
  Handled again =
      Post(EvaluationPath(),
           absl::StrCat("csrf=", Csrf("evaluation", evaluation_token_), "&overall_value=1"));
  EXPECT_EQ(again.response.status, 409);
  EXPECT_EQ(evaluations_.submits, 1);
}

TEST_F(SiteTest, TheInternsPlacementShowsHostAddressDaysContactGuideCalendarAndWithdrawal) {
  Handled page = Get(PlacementPath());
  EXPECT_EQ(page.page, "placement");
  ASSERT_EQ(page.response.status, 200) << page.response.body;
  const std::string& html = page.response.body;
  EXPECT_THAT(html, HasSubstr("<h1>Din innovationspraktik</h1>"));
  EXPECT_THAT(html, HasSubstr("Kære Ida Holm."));
  EXPECT_THAT(html, HasSubstr("Aarhus Kommune"));
  EXPECT_THAT(html, HasSubstr("Rådhuspladsen 2, 8000 Aarhus C"));
  EXPECT_THAT(html, HasSubstr("mandag den 5. oktober 2026"));
  EXPECT_THAT(html, HasSubstr("Hanne Holm, Leder"));
  EXPECT_THAT(html, HasSubstr("href=\"mailto:hanne@aarhus.example\""));
  EXPECT_THAT(html, HasSubstr("Følg hverdagen &lt;i&gt;tæt&lt;/i&gt; på."));
  EXPECT_THAT(html, HasSubstr("<p>Afstem forventninger. Mød op kl. 9.</p>"));
  EXPECT_THAT(html, HasSubstr("href=\"/calendar/holstebro/" + placement_token_ + "\""));
  EXPECT_THAT(html, HasSubstr("download=\"innovationspraktik.ics\""));
  EXPECT_THAT(html, HasSubstr("<label for=\"reason\">"));
  EXPECT_THAT(html, HasSubstr("value=\"withdraw\""));
  EXPECT_THAT(html, Not(HasSubstr("value=\"decline\"")));
  EXPECT_THAT(html, HasSubstr(absl::StrCat("name=\"csrf\" value=\"",
                                           Csrf("placement", placement_token_), "\"")));
  EXPECT_THAT(html, HasSubstr("Linket virker til og med søndag den 8. november 2026."));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
}

TEST_F(SiteTest, ThePlacementIsInThePersonsLanguage) {
  placements_.intern_case.language = model::Language::kEnglish;
  Handled page = Get(PlacementPath());
  EXPECT_THAT(page.response.body, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(page.response.body, HasSubstr("Your innovation internship"));
  EXPECT_THAT(page.response.body, HasSubstr("Withdraw from the internship"));
  EXPECT_THAT(page.response.body, HasSubstr("Monday 5 October 2026"));
}

TEST_F(SiteTest, TheHostSeesItsInternsEachWithAFormToDecline) {
  placements_.host = true;
  placements_.host_case.interns[1].declined = true;
  Handled page = Get(PlacementPath());
  ASSERT_EQ(page.response.status, 200) << page.response.body;
  const std::string& html = page.response.body;
  EXPECT_THAT(html, HasSubstr("<h1>Jeres innovationspraktikanter</h1>"));
  EXPECT_THAT(html, HasSubstr("<h3 id=\"intern-1-name\">Ida Holm</h3>"));
  EXPECT_THAT(html, HasSubstr("Fuldmægtig, Finansministeriet"));
  EXPECT_THAT(html, HasSubstr("<label for=\"intern-1-reason\">"));
  EXPECT_THAT(html, HasSubstr("name=\"participant\" value=\"p-ida\""));
  // Erik was declined already: a notice, no form.
  EXPECT_THAT(html, HasSubstr("<h3 id=\"intern-2-name\">Erik Evans</h3>"));
  EXPECT_THAT(html, Not(HasSubstr("value=\"p-erik\"")));
  EXPECT_THAT(html, HasSubstr("I har meldt fra til denne praktikant."));
  EXPECT_THAT(html, Not(HasSubstr("value=\"withdraw\"")));
  EXPECT_THAT(html, HasSubstr("download=\"innovationspraktikanter.ics\""));
}

TEST_F(SiteTest, AHostDeclinesAnInternWithAReasonOnce) {
  placements_.host = true;
  const std::string form = PlacementForm() + "&action=decline&participant=p-ida";
  // No reason: the form again with the message, nothing recorded.
  Handled empty = Post(PlacementPath(), form + "&reason=+");
  EXPECT_EQ(empty.response.status, 422);
  EXPECT_THAT(empty.response.body, HasSubstr("id=\"intern-1-error\""));
  EXPECT_THAT(empty.response.body, HasSubstr("Skriv en kort begrundelse til koordinatorerne."));
  EXPECT_EQ(placements_.changes, 0);
  // An intern the link does not list, or withdrawing by a host's link: malformed.
  EXPECT_EQ(Post(PlacementPath(), PlacementForm() + "&action=decline&participant=p-x&reason=x")
                .response.status,
            400);
  EXPECT_EQ(Post(PlacementPath(), PlacementForm() + "&action=withdraw").response.status, 400);
  EXPECT_EQ(Post(PlacementPath(), PlacementForm() + "&action=maybe").response.status, 400);
  EXPECT_EQ(placements_.changes, 0);

  Handled done = Post(PlacementPath(), form + "&reason=Sygdom+i+afdelingen");
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  EXPECT_THAT(done.response.body, HasSubstr("I har meldt fra til praktikanten"));
  EXPECT_THAT(done.response.body, HasSubstr("<strong>Ida Holm</strong>"));
  EXPECT_EQ(placements_.declined_id, "p-ida");
  EXPECT_EQ(placements_.last_reason, "Sygdom i afdelingen");
  // Again: the page knows it was declined (409), nothing more recorded.
  Handled again = Post(PlacementPath(), form + "&reason=igen");
  EXPECT_EQ(again.response.status, 409);
  EXPECT_THAT(again.response.body, HasSubstr("Beslutningen er allerede truffet"));
  EXPECT_EQ(placements_.changes, 1);
}

TEST_F(SiteTest, AReasonTheServiceRefusesComesBackNextToTheField) {
  placements_.host = true;
  placements_.change_error = errors::InvalidArgument({{"reason", "is longer than 500 bytes"}});
  Handled page =
      Post(PlacementPath(), PlacementForm() + "&action=decline&participant=p-erik&reason=lang");
  EXPECT_EQ(page.response.status, 422);
  EXPECT_THAT(page.response.body, HasSubstr("id=\"intern-2-error\""));
  EXPECT_THAT(page.response.body, HasSubstr("Skriv højst 500 tegn."));
  EXPECT_THAT(page.response.body, HasSubstr(">lang</textarea>"));
}

TEST_F(SiteTest, AnInternWithdrawsAndTheLinkThenSaysSo) {
  EXPECT_EQ(Post(PlacementPath(), PlacementForm() + "&action=decline&participant=p-ida&reason=x")
                .response.status,
            400);
  Handled done = Post(PlacementPath(), PlacementForm() + "&action=withdraw&reason=");
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  EXPECT_THAT(done.response.body, HasSubstr("Du har meldt fra til praktikken"));
  EXPECT_THAT(done.response.body, HasSubstr("<strong>Aarhus Kommune</strong>"));
  Handled again = Post(PlacementPath(), PlacementForm() + "&action=withdraw");
  EXPECT_EQ(again.response.status, 410);
  EXPECT_THAT(again.response.body, HasSubstr("Du har allerede meldt fra"));
  EXPECT_EQ(placements_.changes, 2);
}

TEST_F(SiteTest, APlacementLinkNoLongerInForceGetsAClearPage) {
  for (const ProblemCase& c : std::vector<ProblemCase>{
           {errors::FailedPrecondition("ALREADY_WITHDRAWN", "placement_link/intern", "w"), 410,
            "Du har meldt fra til praktikken"},
           {errors::FailedPrecondition("PLACEMENT_CANCELLED", "placement_link/intern", "c"), 410,
            "Praktikken er ændret"},
           {errors::FailedPrecondition("LINK_REPLACED", "placement_link/host", "r"), 410,
            "Praktikken er ændret"},
           {errors::FailedPrecondition("LINK_EXPIRED", "placement_link/host", "e"), 410,
            "Linket er udløbet"},
           {errors::NotFound("placement_link", ""), 404, "Linket virker ikke"}}) {
    placements_.lookup_error = c.status;
    for (const Handled& page :
         {Get(PlacementPath()), Post(PlacementPath(), PlacementForm() + "&action=withdraw"),
          Get("/calendar/holstebro/" + placement_token_)}) {
      EXPECT_EQ(page.response.status, c.http) << c.status;
      EXPECT_THAT(page.response.body, HasSubstr(c.says)) << c.status;
    }
  }
  EXPECT_EQ(placements_.changes, 0);
  EXPECT_EQ(Get("/placement/holstebro/" + approval_token_).response.status, 404);
}

TEST(GuideTest, TheEmailsWrappedTextBecomesParagraphsOfHeadingsItemsAndSentences) {
  const auto paragraphs = GuideParagraphs(
      "SÅDAN FÅR DU MEST UD AF FÅ DAGE\nErfaringen er, at korte praktikker giver\nmest.\n\n"
      "1. Afstem forventningerne inden. Ring\neller skriv.\n2. Hav et klart formål.\n"
      "- Hvad gør I?\n");
  ASSERT_EQ(paragraphs.size(), 2u);
  EXPECT_THAT(paragraphs[0],
              ::testing::ElementsAre("SÅDAN FÅR DU MEST UD AF FÅ DAGE",
                                     "Erfaringen er, at korte praktikker giver mest."));
  EXPECT_THAT(paragraphs[1],
              ::testing::ElementsAre("1. Afstem forventningerne inden. Ring eller skriv.",
                                     "2. Hav et klart formål.", "- Hvad gør I?"));
  EXPECT_TRUE(GuideParagraphs(" \n\n").empty());
}

TEST_F(SiteTest, TheCalendarFileIsTheEmailsOneFileAndAHostsInOne) {
  Handled file = Get("/calendar/holstebro/" + placement_token_);
  EXPECT_EQ(file.page, "calendar");
  ASSERT_EQ(file.response.status, 200) << file.response.body;
  EXPECT_EQ(file.response.content_type, "text/calendar; charset=utf-8");
  EXPECT_EQ(file.response.body, kIcsA);
  ASSERT_EQ(file.response.headers.size(), 1u);
  EXPECT_EQ(file.response.headers[0].second, "attachment; filename=\"innovationspraktik.ics\"");
  EXPECT_EQ(
      Post("/calendar/holstebro/" + placement_token_, "csrf=" + Csrf("calendar", placement_token_))
          .response.status,
      405);
  placements_.host = true;
  Handled both = Get("/calendar/holstebro/" + placement_token_);
  EXPECT_EQ(both.response.body,
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:placement-a\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:placement-b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
  placements_.host_case.calendars.clear();
  EXPECT_EQ(Get("/calendar/holstebro/" + placement_token_).response.status, 404);
}

TEST_F(SiteTest, TheStyleSheetIsServedAndCacheable) {
  Handled css = Get("/style.css");
  EXPECT_EQ(css.response.status, 200);
  EXPECT_EQ(css.response.content_type, "text/css; charset=utf-8");
  EXPECT_TRUE(css.response.cacheable);
  EXPECT_EQ(Post("/style.css", "").response.status, 405);
}

TEST(SecurityHeadersTest, StrictByDefault) {
  std::map<std::string, std::string> headers;
  for (auto& [name, value] : SecurityHeaders(false)) headers[name] = value;
  EXPECT_THAT(headers["Content-Security-Policy"], HasSubstr("default-src 'none'"));
  EXPECT_THAT(headers["Content-Security-Policy"], HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(headers["Content-Security-Policy"], Not(HasSubstr("script-src")));
  EXPECT_EQ(headers["X-Frame-Options"], "DENY");
  EXPECT_EQ(headers["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(headers["Cache-Control"], "no-store");
}

TEST(BrowserLanguageTest, DanishUnlessEnglishComesFirst) {
  EXPECT_EQ(BrowserLanguage(""), model::Language::kDanish);
  EXPECT_EQ(BrowserLanguage("en-GB,en;q=0.9,da;q=0.8"), model::Language::kEnglish);
  EXPECT_EQ(BrowserLanguage("da,en;q=0.5"), model::Language::kDanish);
  EXPECT_EQ(BrowserLanguage("de-DE,en;q=0.5"), model::Language::kEnglish);
}

TEST(ViewsTest, EveryWordATemplateAsksForIsThereInBothLanguages) {
  auto views = Views::Load(kFiles / "templates");
  ASSERT_TRUE(views.ok()) << views.status();
  const std::regex word("\\{\\{t\\.([a-z0-9_]+)\\}\\}");
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFiles / "templates")) {
    if (entry.path().extension() != ".html") continue;
    const std::string text = ReadFile(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), word);
         it != std::sregex_iterator(); ++it, ++checked) {
      for (auto language : {model::Language::kDanish, model::Language::kEnglish}) {
        EXPECT_FALSE(views->Word(language, (*it)[1].str()).empty())
            << entry.path().filename() << ": " << (*it)[1].str();
      }
    }
  }
  EXPECT_GT(checked, 50);
}

TEST(ViewsTest, BothLanguagesHaveEveryWordAndABrokenTemplateIsNamed) {
  auto dir = std::filesystem::temp_directory_path() / absl::StrCat("web-views-", ::getpid());
  std::filesystem::create_directories(dir / "text");
  std::ofstream(dir / "layout.html") << "{{{content}}}";
  std::ofstream(dir / "text/da.txt") << "a = en\nb = to\n";
  std::ofstream(dir / "text/en.txt") << "a = one\n";
  auto views = Views::Load(dir);
  EXPECT_FALSE(views.ok());
  EXPECT_THAT(std::string(views.status().message()), HasSubstr("text/en.txt lacks 'b'"));
  std::ofstream(dir / "text/en.txt") << "a = one\nb = two\n";
  std::ofstream(dir / "broken.html") << "{{#open}}";
  views = Views::Load(dir);
  EXPECT_FALSE(views.ok());
  EXPECT_THAT(std::string(views.status().message()), HasSubstr("broken.html"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ipraktik::participant_web
