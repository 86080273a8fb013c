// Manager approval from sign-up to e-mail and back (issue #15): the registration service
// in-process (real gRPC, Redis, outbox relay to a real RabbitMQ, a clock the test moves), the
// real notification service in-process consuming its queue and sending through the SMTP sink,
// and the e-mails decoded by Python's email package (parse_mail.py). The manager's e-mail holds
// the personal link whose token the API takes; the intern hears each decision; a link decides
// each way once; a change of mind is kept in the history; the reminder reaches only a manager
// who has not decided, once, however many passes and replicas run.
//
// "No further e-mail" is proven by a marker: a later sign-up whose manager's e-mail, sent after
// the passes that must add nothing, shows that everything before it was handled (one sender:
// the queue is handled in order).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "approval_reminders.h"
#include "ipraktik/access/authenticator.h"
#include "ipraktik/access/key_store.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/tokens/tokens.h"
#include "notification_app.h"
#include "notification_testing.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using notification::testing::Json;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using Stub = v1::RegistrationService::Stub;

class Servers : public ::testing::Environment {
 public:
  void SetUp() override {
    redis = std::make_unique<ipraktik::testing::RedisServer>();
    rabbit = std::make_unique<ipraktik::testing::RabbitMqServer>();
    smtp = std::make_unique<ipraktik::testing::SmtpServer>();
  }
  void TearDown() override {
    smtp.reset();
    rabbit.reset();
    redis.reset();
  }
  std::unique_ptr<ipraktik::testing::RedisServer> redis;
  std::unique_ptr<ipraktik::testing::RabbitMqServer> rabbit;
  std::unique_ptr<ipraktik::testing::SmtpServer> smtp;
};

Servers* const servers = dynamic_cast<Servers*>(::testing::AddGlobalTestEnvironment(new Servers));

class ApprovalMailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A tenant (and queue) of this run of this test: repeated runs share the servers.
    static int runs = 0;
    tenant_ = absl::StrCat("appr-", ::testing::UnitTest::GetInstance()->current_test_info()->line(),
                           "-", ++runs);
    // The notification service first, so its queue is bound before anything is published.
    auto settings = notification::testing::TestSettings(*servers->smtp, tenant_);
    settings.senders = 1;  // in order: the marker e-mail comes after everything before it
    logging::Logger logger("notification", logging::Level::kWarning);
    notification_redis_ = std::make_unique<store::Pool>([] {
      store::Options options;
      options.port = servers->redis->port();
      return options;
    }());
    keys_ = std::make_unique<access::KeyStore>(*notification_redis_, "unused");
    authenticator_ = std::make_unique<access::Authenticator>(*keys_);
    auto app = notification::NotificationApp::Start(
        settings, *notification_redis_, nullptr, logger,
        server::Calls(handlers_, {}, logger, *authenticator_), [] { return absl::Now(); });
    ASSERT_TRUE(app.ok()) << app.status();
    notification_ = *std::move(app);
    bus::ConsumerOptions consumer_options = notification_->consumer_options();
    consumer_options.connection.url = servers->rabbit->url();
    consumer_options.connection.connection_name = "approval-mail-test-notification";
    consumer_options.connection.logger = logger;
    auto consumer =
        server::EventConsumer::Start(std::move(consumer_options), notification_->router(), nullptr);
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = *std::move(consumer);
    ASSERT_TRUE(ipraktik::testing::Eventually([&] { return consumer_->Running(); }));

    registration_ =
        std::make_unique<InProcessRegistration>(*servers->redis, servers->rabbit->url(), clock_);
    stub_ = registration_->NewStub();
    local_ =
        MakeLocalRound(*stub_, tenant_, DaysFromToday(10), DaysFromToday(20), DaysFromToday(22));
    // The programme asks the interns' managers.
    v1::UpdateProgrammeRequest update;
    update.mutable_programme()->set_programme_id(local_.round.programme_id());
    update.mutable_programme()->set_requires_manager_approval(true);
    update.mutable_update_mask()->add_paths("requires_manager_approval");
    MustCall(*stub_, &Stub::UpdateProgramme, update, tenant_);
  }

  void TearDown() override {
    registration_.reset();
    if (consumer_) consumer_->Stop();
    if (notification_) notification_->Stop();
  }

  v1::SignUpRequest SignUp(const std::string& intern, const std::string& manager,
                           v1::Language language = v1::LANGUAGE_DANISH) {
    v1::SignUpRequest request;
    request.set_round_id(local_.round.round_id());
    v1::Participant* participant = request.mutable_participant();
    participant->set_name(absl::StrCat("Praktikant ", intern));
    participant->set_email(Address(intern));
    participant->set_job_title("Økonomisk konsulent");
    participant->set_workplace_id(local_.intern_workplace.workplace_id());
    participant->set_consent(true);
    participant->set_language(language);
    v1::Application* application = request.mutable_application();
    application->set_purpose("Prøve kræfter med helt andre opgaver og dele gode løsninger.");
    *application->add_available_days() = local_.round.window_start();
    application->add_wishes()->set_host_offer_id(local_.offer.host_offer_id());
    application->mutable_manager()->set_name(absl::StrCat("Chef ", manager));
    application->mutable_manager()->set_email(Address(manager));
    return request;
  }

  std::string Address(const std::string& who) const {
    return absl::StrCat(who, ".", tenant_, "@holstebro.example");
  }

  // The decoded e-mails to who's address, of kind.
  std::vector<Json> MailTo(const std::string& who, const std::string& kind) const {
    std::vector<Json> selected;
    for (const auto& message : notification::testing::ReceivedMail(*servers->smtp)) {
      if (message["kind"] == kind &&
          message["to"].get<std::string>().find(Address(who)) != std::string::npos) {
        selected.push_back(message);
      }
    }
    return selected;
  }

  std::vector<Json> AwaitMail(const std::string& who, const std::string& kind,
                              std::size_t count) const {
    std::vector<Json> mail;
    EXPECT_TRUE(ipraktik::testing::Eventually([&] {
      mail = MailTo(who, kind);
      return mail.size() >= count;
    })) << "only "
        << mail.size() << " of " << count << " " << kind << " e-mails to " << who;
    return mail;
  }

  // The token of the personal link in an e-mail's text.
  static std::string TokenIn(const Json& message) {
    const std::string text = message["text"].get<std::string>();
    const std::size_t start = text.find("/ipa_");
    EXPECT_NE(start, std::string::npos) << text;
    if (start == std::string::npos) return "";
    const std::size_t end = text.find_first_of(" \r\n", start);
    return text.substr(start + 1, end - start - 1);
  }

  grpc::Status Decide(const std::string& token, v1::ApprovalState decision,
                      const std::string& comment, v1::DecideApprovalResponse* response) {
    v1::DecideApprovalRequest request;
    request.set_approval_token(token);
    request.set_decision(decision);
    request.set_comment(comment);
    auto context = ContextFor(tenant_);
    return stub_->DecideApproval(context.get(), request, response);
  }

  v1::Application Application(const std::string& application_id) {
    v1::GetApplicationRequest get;
    get.set_application_id(application_id);
    return MustCall(*stub_, &Stub::GetApplication, get, tenant_).application();
  }

  std::string tenant_;
  TestClock clock_{absl::Now()};
  server::Executor handlers_;
  std::unique_ptr<store::Pool> notification_redis_;
  std::unique_ptr<access::KeyStore> keys_;
  std::unique_ptr<access::Authenticator> authenticator_;
  std::unique_ptr<notification::NotificationApp> notification_;
  std::unique_ptr<server::EventConsumer> consumer_;
  std::unique_ptr<InProcessRegistration> registration_;
  std::unique_ptr<Stub> stub_;
  LocalRound local_;
};

TEST_F(ApprovalMailTest, TheManagerGetsTheLinkTheInternHearsEachDecisionAndTheHistoryKeepsThem) {
  auto signed_up = MustCall(*stub_, &Stub::SignUp, SignUp("simon", "chef-simon"), tenant_);
  ASSERT_EQ(signed_up.application().approval_state(), v1::APPROVAL_STATE_PENDING);
  const std::string application_id = signed_up.application().application_id();

  // The manager's e-mail, in the intern's language (Danish), with the link to the approval page.
  auto request = AwaitMail("chef-simon", "approval_request", 1);
  ASSERT_THAT(request, SizeIs(1));
  EXPECT_EQ(request[0]["subject"], "Godkend Praktikant simons ansøgning om innovationspraktik");
  const std::string text = request[0]["text"].get<std::string>();
  EXPECT_THAT(text, HasSubstr("Kære Chef"));
  EXPECT_THAT(text, HasSubstr("Lynpraktik"));
  EXPECT_THAT(text, HasSubstr("Køkkenet på rådhuset"));
  EXPECT_THAT(text, HasSubstr("Prøve kræfter med helt andre opgaver"));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("https://ipraktik.test/approval/", tenant_, "/ipa_")));
  EXPECT_THAT(request[0]["html"].get<std::string>(), HasSubstr("Godkend eller afvis"));
  const std::string token = TokenIn(request[0]);

  // The page's one call: who asks, the round, until when, the wishes by name.
  v1::LookupApprovalRequest lookup;
  lookup.set_approval_token(token);
  auto found = MustCall(*stub_, &Stub::LookupApproval, lookup, tenant_);
  EXPECT_EQ(found.participant().name(), "Praktikant simon");
  EXPECT_EQ(found.round().name(), "Lynpraktik");
  EXPECT_EQ(found.programme_name(), "Holstebro Kommunes lynpraktik");
  EXPECT_EQ(found.respond_by().day(), local_.round.signup_deadline().day());
  ASSERT_THAT(found.wishes(), SizeIs(1));
  EXPECT_EQ(found.wishes(0).title(), "Køkkenet på rådhuset");

  // Approved: the intern hears it, with the comment.
  v1::DecideApprovalResponse decided;
  ASSERT_TRUE(Decide(token, v1::APPROVAL_STATE_APPROVED, "God idé, Simon.", &decided).ok());
  EXPECT_EQ(decided.application().approval_state(), v1::APPROVAL_STATE_APPROVED);
  auto told = AwaitMail("simon", "approval_decision", 1);
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_EQ(told[0]["subject"], "Din leder har godkendt din ansøgning om innovationspraktik");
  EXPECT_THAT(told[0]["text"].get<std::string>(), HasSubstr("God idé, Simon."));

  // The same decision through the same link again: refused, saying why.
  grpc::Status again = Decide(token, v1::APPROVAL_STATE_APPROVED, "", &decided);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(again), ::testing::ElementsAre("ALREADY_DECIDED"));
  EXPECT_THAT(again.error_message(), HasSubstr("already used"));

  // A change of mind: recorded next to the first decision, and the intern hears it.
  ASSERT_TRUE(
      Decide(token, v1::APPROVAL_STATE_REJECTED, "Vi har for travlt i uge 37.", &decided).ok());
  EXPECT_EQ(decided.application().approval_state(), v1::APPROVAL_STATE_REJECTED);
  told = AwaitMail("simon", "approval_decision", 2);
  ASSERT_THAT(told, SizeIs(2));
  bool saw_change = false;
  for (const auto& message : told) {
    if (message["subject"] == "Din leder har ikke godkendt din ansøgning om innovationspraktik") {
      saw_change = true;
      EXPECT_THAT(message["text"].get<std::string>(), HasSubstr("ændret sin beslutning"));
      EXPECT_THAT(message["text"].get<std::string>(), HasSubstr("Vi har for travlt i uge 37."));
    }
  }
  EXPECT_TRUE(saw_change);
  // ... and that link has now decided both ways.
  grpc::Status third = Decide(token, v1::APPROVAL_STATE_APPROVED, "", &decided);
  EXPECT_EQ(third.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // The coordinator reads the history; the manager's page does not get it.
  v1::Application application = Application(application_id);
  EXPECT_EQ(application.approval_state(), v1::APPROVAL_STATE_REJECTED);
  ASSERT_THAT(application.approval_history(), SizeIs(2));
  EXPECT_EQ(application.approval_history(0).decision(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_EQ(application.approval_history(0).comment(), "God idé, Simon.");
  EXPECT_EQ(application.approval_history(1).decision(), v1::APPROVAL_STATE_REJECTED);
  EXPECT_EQ(application.approval_history(1).comment(), "Vi har for travlt i uge 37.");
  EXPECT_GT(application.approval_history(0).decide_time().seconds(), 0);
  EXPECT_THAT(
      MustCall(*stub_, &Stub::LookupApproval, lookup, tenant_).application().approval_history(),
      SizeIs(0));
}

TEST_F(ApprovalMailTest, AnEnglishInternsManagerAndTheInternAreWrittenToInEnglish) {
  MustCall(*stub_, &Stub::SignUp, SignUp("emma", "chef-emma", v1::LANGUAGE_ENGLISH), tenant_);
  auto request = AwaitMail("chef-emma", "approval_request", 1);
  ASSERT_THAT(request, SizeIs(1));
  EXPECT_EQ(request[0]["subject"],
            "Please approve Praktikant emma's application for an innovation internship");
  EXPECT_THAT(request[0]["text"].get<std::string>(), HasSubstr("Approve or refuse"));
  v1::DecideApprovalResponse decided;
  ASSERT_TRUE(Decide(TokenIn(request[0]), v1::APPROVAL_STATE_REJECTED, "", &decided).ok());
  auto told = AwaitMail("emma", "approval_decision", 1);
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_EQ(told[0]["subject"],
            "Your manager did not approve your application for an innovation internship");
}

TEST_F(ApprovalMailTest, TheReminderReachesOnlyTheUndecidedManagerOnceWhateverRunsIt) {
  MustCall(*stub_, &Stub::SignUp, SignUp("anna", "chef-anna"), tenant_);
  MustCall(*stub_, &Stub::SignUp, SignUp("bo", "chef-bo"), tenant_);
  AwaitMail("chef-anna", "approval_request", 1);
  auto bo_request = AwaitMail("chef-bo", "approval_request", 1);
  ASSERT_THAT(bo_request, SizeIs(1));
  v1::DecideApprovalResponse decided;
  ASSERT_TRUE(Decide(TokenIn(bo_request[0]), v1::APPROVAL_STATE_APPROVED, "", &decided).ok());

  // The runner passes over every tenant (and so sees other tests' too); this tenant's own pass
  // (Registrar::RemindApprovals) counts exactly.
  Registrar& registrar = registration_->registrar();
  logging::Logger logger("approval-reminders", logging::Level::kWarning);
  ApprovalReminders reminders(registrar, {}, logger);
  ApprovalReminders replica(registrar, {}, logger);
  // Not yet due: the reminder goes three days before the deadline (ten days away).
  ASSERT_EQ(registrar.RemindApprovals(tenant_, 500).value(), 0);
  clock_.Set(absl::Now() + absl::Hours(24 * 8));
  ASSERT_EQ(registrar.RemindApprovals(tenant_, 500).value(), 1);
  // Again, by the runner and by a second replica's: nothing more.
  ASSERT_TRUE(reminders.RunOnce().ok());
  ASSERT_TRUE(replica.RunOnce().ok());
  EXPECT_EQ(registrar.RemindApprovals(tenant_, 500).value(), 0);

  // A marker: a sign-up after the passes; once its manager's e-mail is here, so is everything
  // the passes asked for.
  MustCall(*stub_, &Stub::SignUp, SignUp("marker", "chef-marker"), tenant_);
  AwaitMail("chef-marker", "approval_request", 1);
  auto anna = MailTo("chef-anna", "approval_request");
  ASSERT_THAT(anna, SizeIs(2));
  EXPECT_THAT(MailTo("chef-bo", "approval_request"), SizeIs(1));
  const Json& reminder =
      anna[0]["subject"].get<std::string>().starts_with("Påmindelse") ? anna[0] : anna[1];
  EXPECT_EQ(reminder["subject"],
            "Påmindelse: Godkend Praktikant annas ansøgning om innovationspraktik");
  EXPECT_THAT(reminder["text"].get<std::string>(), HasSubstr("Vi mangler stadig dit svar."));
  // The reminder's link works as well as the first.
  v1::LookupApprovalRequest lookup;
  lookup.set_approval_token(TokenIn(reminder));
  EXPECT_EQ(MustCall(*stub_, &Stub::LookupApproval, lookup, tenant_).participant().name(),
            "Praktikant anna");
}

TEST_F(ApprovalMailTest, ANewManagerGetsANewLinkTheOldOneStopsAndTheHistoryStays) {
  auto signed_up = MustCall(*stub_, &Stub::SignUp, SignUp("dora", "chef-a"), tenant_);
  const std::string application_id = signed_up.application().application_id();
  auto first = AwaitMail("chef-a", "approval_request", 1);
  ASSERT_THAT(first, SizeIs(1));
  const std::string old_token = TokenIn(first[0]);
  v1::DecideApprovalResponse decided;
  ASSERT_TRUE(Decide(old_token, v1::APPROVAL_STATE_APPROVED, "Ja.", &decided).ok());

  // The intern changes their application, same manager: the approval stands, no new request.
  auto same = SignUp("dora", "chef-a");
  same.mutable_application()->set_purpose("Lære hvordan et andet køkken planlægger indkøb.");
  auto resubmitted = MustCall(*stub_, &Stub::SignUp, same, tenant_);
  EXPECT_EQ(resubmitted.application().approval_state(), v1::APPROVAL_STATE_APPROVED);
  EXPECT_THAT(Application(application_id).approval_history(), SizeIs(1));

  // Another manager: asked anew; the first link no longer works; the history is kept.
  auto moved = MustCall(*stub_, &Stub::SignUp, SignUp("dora", "chef-b"), tenant_);
  EXPECT_EQ(moved.application().approval_state(), v1::APPROVAL_STATE_PENDING);
  auto second = AwaitMail("chef-b", "approval_request", 1);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_NE(TokenIn(second[0]), old_token);
  v1::LookupApprovalRequest lookup;
  lookup.set_approval_token(old_token);
  v1::LookupApprovalResponse found;
  auto context = ContextFor(tenant_);
  EXPECT_EQ(stub_->LookupApproval(context.get(), lookup, &found).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Application application = Application(application_id);
  ASSERT_THAT(application.approval_history(), SizeIs(1));
  EXPECT_EQ(application.approval_history(0).comment(), "Ja.");
  EXPECT_THAT(MailTo("chef-a", "approval_request"), SizeIs(1));
}

TEST_F(ApprovalMailTest, BadDecisionsAreRefusedNamingTheFieldAndTheLinkExpiresWithTheDeadline) {
  v1::DecideApprovalResponse decided;
  grpc::Status empty = Decide("", v1::APPROVAL_STATE_UNSPECIFIED, std::string(2001, 'x'), &decided);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto fields = FieldErrors(empty);
  EXPECT_TRUE(fields.contains("approval_token"));
  EXPECT_TRUE(fields.contains("decision"));
  EXPECT_TRUE(fields.contains("comment"));
  EXPECT_TRUE(FieldErrors(Decide("ipa_broken", v1::APPROVAL_STATE_APPROVED, "", &decided))
                  .contains("approval_token"));
  // Well-formed but no link of this tenant: NOT_FOUND.
  auto unknown = tokens::NewToken("ipa");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(Decide(*unknown, v1::APPROVAL_STATE_APPROVED, "", &decided).error_code(),
            grpc::StatusCode::NOT_FOUND);

  MustCall(*stub_, &Stub::SignUp, SignUp("carl", "chef-carl"), tenant_);
  auto request = AwaitMail("chef-carl", "approval_request", 1);
  ASSERT_THAT(request, SizeIs(1));
  // The day after the sign-up deadline the link no longer works.
  clock_.Set(absl::Now() + absl::Hours(24 * 12));
  grpc::Status expired = Decide(TokenIn(request[0]), v1::APPROVAL_STATE_APPROVED, "", &decided);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(PreconditionTypes(expired), ::testing::ElementsAre("LINK_EXPIRED"));
}

}  // namespace
}  // namespace ipraktik::registration::testing
