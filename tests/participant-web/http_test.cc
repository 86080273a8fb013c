// The participant pages over HTTP against the real services (registration, evaluation,
// notification and participant-web as programs on private Redis, RabbitMQ and SMTP): links
// from real e-mails; bad and replayed tokens, a missing or wrong CSRF token, oversized and
// malformed posts each get a clear page with the right status and change nothing (the
// application's and the evaluation's state read over gRPC afterwards); every page carries the
// security headers; no token reaches the log; requests are counted by page and status.
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

TEST_F(HttpTest, TheStyleSheetIsTheOneAssetAndCacheable) {
  HttpAnswer css = HttpCall("GET", system_->web_url() + "/style.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_THAT(css.headers["content-type"], HasSubstr("text/css"));
  EXPECT_THAT(css.headers["cache-control"], HasSubstr("max-age"));
  EXPECT_EQ(HttpCall("DELETE", system_->web_url() + "/style.css").status, 405);
}

}  // namespace
}  // namespace ipraktik::participant_web::testing
