// The participant pages over HTTP against the real services (registration, evaluation,
// notification and participant-web as programs on private Redis, RabbitMQ and SMTP): links
// from real e-mails; bad and replayed tokens, a missing or wrong CSRF token, oversized and
// malformed posts, and requests over the rate limit each get a clear page with the right status
// and change nothing (the application's, the evaluation's and the placement's state read over
// gRPC afterwards); every page carries the security headers; no token reaches the log; requests
// are counted by page and status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "ipraktik/tokens/tokens.h"
#include "web_system.h"

namespace ipraktik::participant_web::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kForm[] = "Content-Type: application/x-www-form-urlencoded";

class HttpTest : public WebSystemTest {
 protected:
  static HttpAnswer Post(const std::string& url, const std::string& body,
                         const std::string& content_type = kForm) {
    return HttpCall("POST", url, body, {content_type});
  }

  // Every page answers with these, whatever its status.
  static void ExpectSecurityHeaders(HttpAnswer answer) {
    EXPECT_THAT(answer.headers["content-security-policy"], HasSubstr("default-src 'none'"));
    EXPECT_THAT(answer.headers["content-security-policy"], HasSubstr("frame-ancestors 'none'"));
    EXPECT_EQ(answer.headers["x-frame-options"], "DENY");
    EXPECT_EQ(answer.headers["referrer-policy"], "no-referrer");
    EXPECT_EQ(answer.headers["x-content-type-options"], "nosniff");
    EXPECT_EQ(answer.headers["cache-control"], "no-store");
    EXPECT_THAT(answer.headers["content-type"], HasSubstr("text/html"));
    EXPECT_THAT(answer.body, HasSubstr("<!doctype html>"));
  }
};

TEST_F(HttpTest, BadAndUnknownTokensGetTheUnknownLinkPage) {
  const double before = system_->Requests("approval", 404);
  const std::string base = system_->web_url();
  for (const std::string& path :
       {std::string("/approval/web-bad/ipa_not-a-token"),
        "/approval/web-bad/" + *tokens::NewToken("ipa"),  // well-formed, never issued
        "/approval/web-bad/" + *tokens::NewToken("ipe")}) {
    HttpAnswer answer = HttpCall("GET", base + path);
    EXPECT_EQ(answer.status, 404) << path;
    EXPECT_THAT(answer.body, HasSubstr("Linket virker ikke")) << path;
    ExpectSecurityHeaders(answer);
  }
  EXPECT_EQ(system_->Requests("approval", 404), before + 3);
  HttpAnswer evaluation = HttpCall("GET", base + "/evaluation/web-bad/" + *tokens::NewToken("ipe"));
  EXPECT_EQ(evaluation.status, 404);
  HttpAnswer english =
      HttpCall("GET", base + "/approval/web-bad/ipa_x", "", {"Accept-Language: en-GB,en;q=0.8"});
  EXPECT_THAT(english.body, HasSubstr("The link does not work"));
  HttpAnswer nowhere = HttpCall("GET", base + "/admin");
  EXPECT_EQ(nowhere.status, 404);
  ExpectSecurityHeaders(nowhere);
}

TEST_F(HttpTest, TheApprovalLinkDecidesOnceAndEveryRefusedPostChangesNothing) {
  auto approval = system_->RequestApproval("web-http", "Ida Holm");
  ASSERT_FALSE(approval.link.empty());
  HttpAnswer page = HttpCall("GET", approval.link);
  ASSERT_EQ(page.status, 200) << page.body;
  ExpectSecurityHeaders(page);
  EXPECT_THAT(page.body, HasSubstr("Ida Holm"));
  EXPECT_THAT(page.body, Not(HasSubstr("<script")));
  const std::string csrf = CsrfFieldOf(page.body);
  ASSERT_FALSE(csrf.empty());

  auto unchanged = [&](const char* what) {
    v1::Application application = system_->Application(approval.tenant, approval.application_id);
    EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_PENDING) << what;
    EXPECT_EQ(application.approval_history_size(), 0) << what;
  };
  // No CSRF token, and one made for another page.
  HttpAnswer missing = Post(approval.link, "decision=approve&comment=ok");
  EXPECT_EQ(missing.status, 403);
  EXPECT_THAT(missing.body, HasSubstr("Formularen kunne ikke godkendes"));
  ExpectSecurityHeaders(missing);
  unchanged("missing CSRF token");
  HttpAnswer forged = Post(approval.link, "csrf=1999999999.abc&decision=approve");
  EXPECT_EQ(forged.status, 403);
  unchanged("forged CSRF token");
  // Malformed: a bad escape, a field twice, an unknown decision, not a form.
  for (const std::string& body :
       {absl::StrCat("csrf=", FormEscape(csrf), "&decision=approve&comment=%zz"),
        absl::StrCat("csrf=", FormEscape(csrf), "&decision=approve&decision=reject"),
        absl::StrCat("csrf=", FormEscape(csrf), "&decision=perhaps")}) {
    HttpAnswer malformed = Post(approval.link, body);
    EXPECT_EQ(malformed.status, 400) << body;
    EXPECT_THAT(malformed.body, HasSubstr("Forespørgslen kunne ikke læses"));
  }
  EXPECT_EQ(
      Post(approval.link, "{\"decision\":\"approve\"}", "Content-Type: application/json").status,
      400);
  unchanged("malformed posts");
  // Oversized: refused before it is read.
  HttpAnswer oversized =
      Post(approval.link, absl::StrCat("csrf=", FormEscape(csrf),
                                       "&decision=approve&comment=", std::string(70 * 1024, 'a')));
  EXPECT_EQ(oversized.status, 413);
  EXPECT_THAT(oversized.body, HasSubstr("For meget tekst"));
  unchanged("oversized post");

  // The decision, confirmed on the page.
  const double decided_before = system_->Requests("approval", 200);
  HttpAnswer done = Post(approval.link, absl::StrCat("csrf=", FormEscape(csrf),
                                                     "&decision=approve&comment=God+id%C3%A9"));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_THAT(done.body, HasSubstr("Tak, ansøgningen er godkendt"));
  v1::Application application = system_->Application(approval.tenant, approval.application_id);
  EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(application.approval_comment(), "God idé");
  ASSERT_EQ(application.approval_history_size(), 1);
  EXPECT_EQ(system_->Requests("approval", 200), decided_before + 1);

  // The same post again (a replayed click): 409, nothing more recorded.
  HttpAnswer replayed = Post(
      approval.link, absl::StrCat("csrf=", FormEscape(csrf), "&decision=approve&comment=igen"));
  EXPECT_EQ(replayed.status, 409);
  EXPECT_THAT(replayed.body, HasSubstr("Beslutningen er allerede truffet"));
  application = system_->Application(approval.tenant, approval.application_id);
  EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(application.approval_history_size(), 1);
  // The page now says what holds, and offers the other decision only.
  HttpAnswer after = HttpCall("GET", approval.link);
  EXPECT_THAT(after.body, HasSubstr("Du har godkendt ansøgningen."));
  EXPECT_THAT(after.body, Not(HasSubstr("value=\"approve\"")));

  // The token is in no log line of the pages.
  EXPECT_THAT(system_->WebLog(), Not(HasSubstr(approval.token)));
}

TEST_F(HttpTest, TheSurveyValidatesOnTheServerThanksAndThenSaysItWasAnswered) {
  auto evaluation = system_->InviteToEvaluate("web-http-eval", "web-intern-1");
  ASSERT_FALSE(evaluation.link.empty());
  const std::int64_t answers_before = system_->EvaluationAnswers(evaluation.tenant);
  HttpAnswer page = HttpCall("GET", evaluation.link);
  ASSERT_EQ(page.status, 200) << page.body;
  ExpectSecurityHeaders(page);
  EXPECT_THAT(page.body, HasSubstr("name=\"overall_value\""));
  const std::string csrf = absl::StrCat("csrf=", FormEscape(CsrfFieldOf(page.body)));

  // Required answers missing: the service's messages next to the fields, nothing stored.
  HttpAnswer incomplete = Post(evaluation.link, csrf + "&would_recommend=yes&idea=Kaffe");
  EXPECT_EQ(incomplete.status, 422);
  EXPECT_THAT(incomplete.body, HasSubstr("id=\"q-overall_value-error\""));
  EXPECT_THAT(incomplete.body, HasSubstr("Besvar venligst spørgsmålet."));
  EXPECT_THAT(incomplete.body, HasSubstr("value=\"Kaffe\""));
  EXPECT_EQ(Post(evaluation.link, csrf + "&length=medium").status, 400);
  EXPECT_EQ(Post(evaluation.link, "overall_value=5").status, 403);
  EXPECT_EQ(system_->EvaluationAnswers(evaluation.tenant), answers_before);

  const std::string answers =
      "&overall_value=4&relevance=5&host_preparation=4&length=right&would_recommend=yes"
      "&new_contacts=3&idea=Kaffem%C3%B8der+p%C3%A5+tv%C3%A6rs&comment=Godt+forl%C3%B8b";
  HttpAnswer thanks = Post(evaluation.link, csrf + answers);
  ASSERT_EQ(thanks.status, 200) << thanks.body;
  EXPECT_THAT(thanks.body, HasSubstr("Tak for dine svar"));
  EXPECT_EQ(system_->EvaluationAnswers(evaluation.tenant), answers_before + 1);

  // Replayed: the "already answered" page, 409, still one answer.
  HttpAnswer replayed = Post(evaluation.link, csrf + answers);
  EXPECT_EQ(replayed.status, 409);
  EXPECT_THAT(replayed.body, HasSubstr("Du har allerede svaret"));
  EXPECT_EQ(system_->EvaluationAnswers(evaluation.tenant), answers_before + 1);
  HttpAnswer later = HttpCall("GET", evaluation.link);
  EXPECT_EQ(later.status, 200);
  EXPECT_THAT(later.body, HasSubstr("Du har allerede svaret"));
  EXPECT_THAT(system_->WebLog(), Not(HasSubstr(evaluation.token)));
}

TEST_F(HttpTest, ThePlacementLinkRefusesEveryBadRequestChangingNothingThenDeclinesOnce) {
  auto placed = system_->PlaceInterns("web-http-place");
  ASSERT_FALSE(placed.host_link.empty());
  const std::string base = system_->web_url();
  // The host's page: the interns coming, a decline form for each.
  HttpAnswer page = HttpCall("GET", placed.host_link);
  ASSERT_EQ(page.status, 200) << page.body;
  ExpectSecurityHeaders(page);
  EXPECT_THAT(page.body, HasSubstr("Jeres innovationspraktikanter"));
  EXPECT_THAT(page.body, HasSubstr("Ida Holm"));
  EXPECT_THAT(page.body, HasSubstr("Erik Evans"));
  EXPECT_THAT(page.body, Not(HasSubstr("<script")));
  const std::string csrf = absl::StrCat("csrf=", FormEscape(CsrfFieldOf(page.body)));
  ASSERT_NE(csrf, "csrf=");
  const std::string decline_ida = csrf + "&action=decline&participant=" + placed.intern_id;
  const auto before = system_->Placements(placed.tenant, placed.round_id);

  // Nothing recorded: the host's link declined nobody, the interns' links withdrew nothing, and
  // the published placements are those of the matching.
  auto unchanged = [&](const char* what) {
    v1::LookupPlacementResponse host;
    grpc::Status status = system_->LookupPlacement(placed.tenant, placed.host_token, host);
    ASSERT_TRUE(status.ok()) << what << ": " << status.error_message();
    EXPECT_EQ(host.declined_participant_ids_size(), 0) << what;
    EXPECT_EQ(host.interns_size(), 2) << what;
    for (const std::string& token : {placed.intern_token, placed.other_token}) {
      v1::LookupPlacementResponse intern;
      EXPECT_TRUE(system_->LookupPlacement(placed.tenant, token, intern).ok()) << what;
    }
    for (const auto& [name, placement] : system_->Placements(placed.tenant, placed.round_id)) {
      EXPECT_EQ(placement.host_offer_id(), before.at(name).host_offer_id()) << what;
      EXPECT_EQ(placement.revision(), before.at(name).revision()) << what;
    }
  };

  // Bad tokens: malformed, never issued, another kind of link.
  for (const std::string& path :
       {absl::StrCat("/placement/", placed.tenant, "/ipp_not-a-token"),
        absl::StrCat("/placement/", placed.tenant, "/", *tokens::NewToken("ipp")),
        absl::StrCat("/placement/", placed.tenant, "/", *tokens::NewToken("ipa")),
        absl::StrCat("/placement/other-tenant/", placed.host_token),
        absl::StrCat("/calendar/", placed.tenant, "/", *tokens::NewToken("ipp"))}) {
    HttpAnswer answer = HttpCall("GET", base + path);
    EXPECT_EQ(answer.status, 404) << path;
    EXPECT_THAT(answer.body, HasSubstr("Linket virker ikke")) << path;
    ExpectSecurityHeaders(answer);
    HttpAnswer posted = Post(base + path, decline_ida + "&reason=x");
    EXPECT_THAT(posted.status, ::testing::AnyOf(403, 404)) << path;
  }
  // No CSRF token; a forged one; one of another link (the intern's page's, posted to the host's).
  HttpAnswer missing =
      Post(placed.host_link, "action=decline&participant=" + placed.intern_id + "&reason=Sygdom");
  EXPECT_EQ(missing.status, 403);
  EXPECT_THAT(missing.body, HasSubstr("Formularen kunne ikke godkendes"));
  ExpectSecurityHeaders(missing);
  EXPECT_EQ(Post(placed.host_link, "csrf=1999999999.abc&action=decline&participant=" +
                                       placed.intern_id + "&reason=Sygdom")
                .status,
            403);
  const std::string intern_csrf = CsrfFieldOf(HttpCall("GET", placed.intern_link).body);
  ASSERT_FALSE(intern_csrf.empty());
  EXPECT_EQ(Post(placed.host_link,
                 absl::StrCat("csrf=", FormEscape(intern_csrf),
                              "&action=decline&participant=", placed.intern_id, "&reason=Sygdom"))
                .status,
            403);
  unchanged("missing or foreign CSRF tokens");
  // Malformed: a bad escape, a field twice, an unknown action, an intern the link does not list,
  // a withdrawal by the host's link, not a form.
  for (const std::string& body :
       {decline_ida + "&reason=%zz", decline_ida + "&reason=a&reason=b", csrf + "&action=perhaps",
        csrf + "&action=decline&participant=p-nobody&reason=Sygdom", csrf + "&action=withdraw"}) {
    HttpAnswer malformed = Post(placed.host_link, body);
    EXPECT_EQ(malformed.status, 400) << body;
    EXPECT_THAT(malformed.body, HasSubstr("Forespørgslen kunne ikke læses")) << body;
    ExpectSecurityHeaders(malformed);
  }
  EXPECT_EQ(
      Post(placed.host_link, "{\"action\":\"decline\"}", "Content-Type: application/json").status,
      400);
  // A decline without a reason: the form again with the message (422).
  HttpAnswer no_reason = Post(placed.host_link, decline_ida + "&reason=");
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_THAT(no_reason.body, HasSubstr("Skriv en kort begrundelse til koordinatorerne."));
  unchanged("malformed posts");
  // Oversized: refused before it is read.
  HttpAnswer oversized =
      Post(placed.host_link, decline_ida + "&reason=" + std::string(70 * 1024, 'a'));
  EXPECT_EQ(oversized.status, 413);
  EXPECT_THAT(oversized.body, HasSubstr("For meget tekst"));
  ExpectSecurityHeaders(oversized);
  unchanged("oversized post");

  // Over the rate limit (an address of its own, as the proxy in front names it): requests from
  // one address are refused with 429 once its burst is spent...
  const std::string client = "X-Forwarded-For: 198.51.100.17";
  HttpAnswer limited;
  int admitted = 0;
  for (int i = 0; i < 500 && limited.status != 429; ++i) {
    limited = HttpCall("GET", base + "/style.css", "", {client});
    if (limited.status == 200) ++admitted;
  }
  ASSERT_EQ(limited.status, 429);
  EXPECT_GE(admitted, 60);  // the burst
  EXPECT_THAT(limited.body, HasSubstr("For mange forespørgsler"));
  // ... and a post from an address over its limit (one that kept sending for an hour, so the
  // refusal does not hang on how fast this test runs) is refused before the page sees it.
  const std::string flood = "198.51.100.18";
  system_->ExhaustRateLimit(flood);
  const double limited_before = system_->Requests("limited", 429);
  HttpAnswer refused = HttpCall("POST", placed.host_link, decline_ida + "&reason=Sygdom",
                                {kForm, "X-Forwarded-For: " + flood});
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, HasSubstr("For mange forespørgsler"));
  EXPECT_EQ(refused.headers["retry-after"], "10");
  ExpectSecurityHeaders(refused);
  EXPECT_EQ(system_->Requests("limited", 429), limited_before + 1);
  unchanged("rate-limited post");

  // The calendar file of the intern's link.
  HttpAnswer calendar =
      HttpCall("GET", absl::StrCat(base, "/calendar/", placed.tenant, "/", placed.intern_token));
  ASSERT_EQ(calendar.status, 200) << calendar.body;
  EXPECT_THAT(calendar.headers["content-type"], HasSubstr("text/calendar"));
  EXPECT_EQ(calendar.headers["content-disposition"],
            "attachment; filename=\"innovationspraktik.ics\"");
  EXPECT_EQ(calendar.headers["cache-control"], "no-store");
  EXPECT_EQ(calendar.headers["referrer-policy"], "no-referrer");
  EXPECT_THAT(calendar.body, HasSubstr("BEGIN:VCALENDAR"));

  // The decline, confirmed; a replay is refused (409) and records nothing more.
  HttpAnswer declined = Post(placed.host_link, decline_ida + "&reason=Sygdom+i+afdelingen");
  ASSERT_EQ(declined.status, 200) << declined.body;
  EXPECT_THAT(declined.body, HasSubstr("I har meldt fra til praktikanten"));
  EXPECT_THAT(declined.body, HasSubstr("Ida Holm"));
  HttpAnswer replayed = Post(placed.host_link, decline_ida + "&reason=Igen");
  EXPECT_EQ(replayed.status, 409);
  EXPECT_THAT(replayed.body, HasSubstr("Beslutningen er allerede truffet"));
  v1::LookupPlacementResponse host;
  ASSERT_TRUE(system_->LookupPlacement(placed.tenant, placed.host_token, host).ok());
  EXPECT_THAT(host.declined_participant_ids(), ::testing::ElementsAre(placed.intern_id));
  EXPECT_THAT(HttpCall("GET", placed.host_link).body, HasSubstr("I har meldt fra til denne"));

  // Erik withdraws through his link (English); the used link then answers 410 and records
  // nothing more.
  HttpAnswer erik = HttpCall("GET", placed.other_link);
  ASSERT_EQ(erik.status, 200) << erik.body;
  EXPECT_THAT(erik.body, HasSubstr("Your innovation internship"));
  const std::string erik_csrf = absl::StrCat("csrf=", FormEscape(CsrfFieldOf(erik.body)));
  EXPECT_EQ(Post(placed.other_link, erik_csrf + "&action=decline&participant=x&reason=x").status,
            400);
  HttpAnswer withdrawn = Post(placed.other_link, erik_csrf + "&action=withdraw&reason=Syg");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_THAT(withdrawn.body, HasSubstr("You have withdrawn from the internship"));
  // (The link no longer says whose it is: the page is in the browser's language.)
  const std::string english = "Accept-Language: en-GB,en;q=0.9";
  for (const HttpAnswer& used :
       {HttpCall("POST", placed.other_link, erik_csrf + "&action=withdraw", {kForm, english}),
        HttpCall("GET", placed.other_link, "", {english})}) {
    EXPECT_EQ(used.status, 410);
    EXPECT_THAT(used.body, HasSubstr("You have already withdrawn"));
    ExpectSecurityHeaders(used);
  }
  v1::LookupPlacementResponse gone;
  grpc::Status status = system_->LookupPlacement(placed.tenant, placed.other_token, gone);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // The tokens are in no log line of the pages.
  for (const std::string& token : {placed.host_token, placed.intern_token, placed.other_token}) {
    EXPECT_THAT(system_->WebLog(), Not(HasSubstr(token)));
  }
}

TEST_F(HttpTest, TheStyleSheetIsTheOneAssetAndCacheable) {
  HttpAnswer css = HttpCall("GET", system_->web_url() + "/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_THAT(css.headers["content-type"], HasSubstr("text/css"));
  EXPECT_THAT(css.headers["cache-control"], HasSubstr("max-age"));
  EXPECT_EQ(HttpCall("DELETE", system_->web_url() + "/style.css").status, 405);
}

}  // namespace
}  // namespace ipraktik::participant_web::testing
