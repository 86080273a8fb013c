// The participant pages in a real browser (issue #17's acceptance): headless Chromium driven by
// chromium-driver through Selenium (browser/flows.py, one function per flow), against the real
// services. Each test takes a link from a real e-mail in the SMTP sink, runs a flow in the
// browser (which fails on a console message or an axe-core accessibility violation on any page,
// and writes a screenshot of each page to <build>/screenshots/), and then checks over gRPC that
// the flow did what the person meant (a host's decline: the coordinator's re-match e-mails the
// intern their new place, whose page and calendar file the intern then opens). A new flow: a
// flow_<name> function in flows.py and a test here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "eventually.h"
#include "ipraktik/tokens/tokens.h"
#include "nlohmann/json.hpp"
#include "web_system.h"

namespace ipraktik::participant_web::testing {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

class BrowserTest : public WebSystemTest {
 protected:
  // Runs flows.py's flow in the browser; its JSON outcome (the test fails with the flow's
  // error, console messages and accessibility violations when it did not succeed).
  // extra: more arguments of the flow, already quoted for the shell.
  static Json RunFlow(const std::string& flow, const std::string& url,
                      const std::string& extra = "") {
    const auto script = ipraktik::testing::SourceDir() / "tests/participant-web/browser/flows.py";
    const auto out = ipraktik::testing::BinaryDir() / "screenshots";
    const std::string output = ipraktik::testing::RunCommand(
        absl::StrCat("/usr/bin/python3 ", script.string(), " ", flow, " --url '", url, "' --out '",
                     out.string(), "' ", extra, " 2>&1; echo \"exit=$?\""));
    const std::size_t json_start = output.rfind("\n{", output.rfind("exit="));
    Json outcome;
    try {
      outcome = Json::parse(output.substr(json_start == std::string::npos ? 0 : json_start + 1,
                                          output.rfind("exit=") - (json_start + 1)));
    } catch (const std::exception& error) {
      ADD_FAILURE() << "flows.py " << flow << " printed no outcome:\n" << output;
      return Json::object();
    }
    EXPECT_TRUE(outcome.value("ok", false)) << "flows.py " << flow << ":\n" << outcome.dump(2);
    EXPECT_THAT(output, HasSubstr(outcome.value("ok", false) ? "exit=0" : "exit=1"));
    return outcome;
  }
};

TEST_F(BrowserTest, AManagerApprovesFromTheLinkInTheirEmail) {
  auto approval = system_->RequestApproval("web-browser", "Ida Holm");
  ASSERT_FALSE(approval.link.empty());
  Json outcome = RunFlow("approve", approval.link);
  EXPECT_THAT(outcome.value("confirmation", ""), HasSubstr("Ida Holm"));
  EXPECT_EQ(outcome["pages"].size(), 2u);
  v1::Application application = system_->Application(approval.tenant, approval.application_id);
  EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(application.approval_comment(), "God idé, god fornøjelse.");
}

TEST_F(BrowserTest, AParticipantAnswersTheSurveyFromTheirInvitationAndTheReportCountsIt) {
  auto evaluation = system_->InviteToEvaluate("web-browser-eval", "browser-intern-1");
  ASSERT_FALSE(evaluation.link.empty());
  const std::int64_t before = system_->EvaluationAnswers(evaluation.tenant);
  Json outcome = RunFlow("evaluate", evaluation.link);
  EXPECT_EQ(outcome["pages"].size(), 3u);
  EXPECT_EQ(system_->EvaluationAnswers(evaluation.tenant), before + 1);
}

TEST_F(BrowserTest, AHostDeclinesAnInternFromTheirEmailAndTheReMatchEmailsTheIntern) {
  auto placed = system_->PlaceInterns("web-browser-place");
  ASSERT_FALSE(placed.host_link.empty());
  ASSERT_EQ(system_->MailTo(placed.intern_email).size(), 1u);
  Json outcome = RunFlow("decline", placed.host_link,
                         "--intern 'Ida Holm' --comment 'Vi har sygdom i afdelingen.'");
  EXPECT_THAT(outcome.value("confirmation", ""), HasSubstr("Ida Holm"));
  EXPECT_EQ(outcome["pages"].size(), 3u);
  // The decline is recorded on the link (and with the matching service, which the re-match shows).
  v1::LookupPlacementResponse host;
  ASSERT_TRUE(system_->LookupPlacement(placed.tenant, placed.host_token, host).ok());
  EXPECT_THAT(host.declined_participant_ids(), ::testing::ElementsAre(placed.intern_id));

  // The coordinator re-matches: Ida moves to her second wish and is told by e-mail.
  system_->Rematch(placed.tenant, placed.round_id);
  EXPECT_EQ(system_->Placements(placed.tenant, placed.round_id)["Ida Holm"].host().workplace_name(),
            "Herning Kommune");
  std::vector<Json> to_ida;
  ASSERT_TRUE(ipraktik::testing::Eventually([&] {
    to_ida = system_->MailTo(placed.intern_email);
    return to_ida.size() == 2;
  })) << to_ida.size()
      << " e-mails to Ida";
  const Json& moved = to_ida[1];
  EXPECT_EQ(moved["subject"], "Ændring: din innovationspraktik er nu hos Herning Kommune");
  const std::string text = moved["text"].get<std::string>();
  EXPECT_THAT(text, HasSubstr("Herning Kommune"));
  EXPECT_THAT(text, HasSubstr("Jobcentret"));
  EXPECT_THAT(text, HasSubstr("Helle Hansen"));
  ASSERT_EQ(moved["calendars"].size(), 1u);
  EXPECT_EQ(moved["calendars"][0]["method"], "REQUEST");
  // The host's link follows the host's latest e-mail: Ida is no longer listed, Erik still is.
  HttpAnswer host_page;
  EXPECT_TRUE(ipraktik::testing::Eventually([&] {
    host_page = HttpCall("GET", placed.host_link);
    return host_page.status == 200 && host_page.body.find("Ida Holm") == std::string::npos;
  })) << host_page.status
      << host_page.body;
  EXPECT_THAT(host_page.body, HasSubstr("Erik Evans"));
  // Its own "My placement" link, which shows the new host.
  const std::string prefix =
      absl::StrCat(system_->web_url(), "/placement/", placed.tenant, "/ipp_");
  const std::size_t start = text.find(prefix);
  ASSERT_NE(start, std::string::npos) << text;
  const std::string link = text.substr(start, text.find_first_of(" \r\n>)", start) - start);

  // Ida opens it and downloads the calendar file.
  Json calendar = RunFlow("calendar", link);
  EXPECT_THAT(calendar.value("page", ""), HasSubstr("Herning Kommune"));
  const std::string ics = calendar.value("calendar", "");
  EXPECT_THAT(ics, HasSubstr("BEGIN:VCALENDAR"));
  EXPECT_THAT(ics, HasSubstr("METHOD:REQUEST"));
  const v1::Placement ida = system_->Placements(placed.tenant, placed.round_id)["Ida Holm"];
  // Long lines of a calendar file are folded (CRLF and a space).
  EXPECT_THAT(absl::StrReplaceAll(ics, {{"\r\n ", ""}}),
              HasSubstr(absl::StrCat("UID:placement-", ida.placement_id())));
  EXPECT_EQ(calendar.value("file_name", ""), "innovationspraktik.ics");
}

TEST_F(BrowserTest, AnUnknownLinkShowsAClearAccessiblePage) {
  RunFlow("unknown-link",
          absl::StrCat(system_->web_url(), "/approval/web-browser/", *tokens::NewToken("ipa")));
}

}  // namespace
}  // namespace ipraktik::participant_web::testing
