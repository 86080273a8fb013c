#include "web_system.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "evaluation_testing.h"
#include "eventually.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/tokens/tokens.h"
#include "notification_testing.h"
#include "whole_round.h"

namespace ipraktik::participant_web::testing {
namespace {

using ::ipraktik::testing::Eventually;
using ::ipraktik::testing::kTestTokenSecret;
using registration::testing::ContextFor;
using registration::testing::DaysFromToday;
using registration::testing::MustCall;
using RegistrationStub = v1::RegistrationService::Stub;
using namespace std::chrono_literals;

std::size_t Collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::size_t CollectHeader(char* data, std::size_t size, std::size_t count, void* out) {
  absl::string_view line(data, size * count);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    (*static_cast<std::map<std::string, std::string>*>(
        out))[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * count;
}

// The first link in an e-mail's text that starts with prefix.
std::string LinkIn(const std::string& text, const std::string& prefix) {
  const std::size_t start = text.find(prefix);
  if (start == std::string::npos) return "";
  const std::size_t end = text.find_first_of(" \r\n<>\")", start);
  return text.substr(start, end - start);
}

std::string LastSegment(const std::string& link) { return link.substr(link.rfind('/') + 1); }

// The text of the first e-mail to address whose text holds a link starting with prefix: the link.
std::string AwaitLink(const ipraktik::testing::SmtpServer& smtp, const std::string& address,
                      const std::string& prefix) {
  std::string link;
  EXPECT_TRUE(Eventually(
      [&] {
        for (const auto& message : notification::testing::ReceivedMail(smtp)) {
          // The address itself, not one that ends with it (the host's contact of intern x is
          // host-...x@...).
          const std::string to = message["to"].get<std::string>();
          const std::size_t at = to.find(address);
          if (at == std::string::npos || (at > 0 && to[at - 1] != '<' && to[at - 1] != ' ')) {
            continue;
          }
          link = LinkIn(message["text"].get<std::string>(), prefix);
          if (!link.empty()) return true;
        }
        return false;
      },
      60s))
      << "no e-mail to " << address << " with a link " << prefix;
  return link;
}

// One Redis, RabbitMQ and SMTP sink for the test program.
ipraktik::testing::ProgramServers* const servers = ipraktik::testing::AddProgramServers();

}  // namespace

WebSystem* WebSystemTest::system_ = nullptr;

void WebSystemTest::SetUpTestSuite() {
  system_ = new WebSystem(*servers, {{"IPRAKTIK_PARTICIPANT_WEB_FORWARDED_FOR", "true"}});
}

void WebSystemTest::TearDownTestSuite() {
  delete system_;
  system_ = nullptr;
}

HttpAnswer HttpCall(const std::string& method, const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers) {
  HttpAnswer answer;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return answer;
  curl_slist* list = nullptr;
  for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &answer.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return answer;
}

std::string CsrfFieldOf(const std::string& html) {
  std::smatch match;
  if (!std::regex_search(html, match, std::regex("name=\"csrf\" value=\"([^\"]*)\""))) return "";
  return match[1].str();
}

std::string FormEscape(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

WebSystem::WebSystem(const ipraktik::testing::ProgramServers& servers,
                     std::map<std::string, std::string> web_environment)
    : servers_(servers) {
  keys_redis_ = std::make_unique<store::Pool>(
      store::Options{.host = "127.0.0.1", .port = servers.redis->port()});
  keys_ = std::make_unique<ipraktik::testing::KeyRing>(*keys_redis_);
  contexts_ = std::make_unique<registration::testing::KeysForContexts>(*keys_);
  // Held until the programs started below listen on them.
  const ipraktik::testing::ReservedPorts web_port;
  web_url_ = absl::StrCat("http://127.0.0.1:", web_port.first());
  const std::map<std::string, std::string> common = {
      {"IPRAKTIK_REDIS_ADDRESS", servers.redis->address()},
      {"IPRAKTIK_AMQP_URL", servers.rabbit->url()},
      {"IPRAKTIK_TOKEN_SECRET", kTestTokenSecret}};
  auto with = [&](std::map<std::string, std::string> extra) {
    extra.insert(common.begin(), common.end());
    return extra;
  };
  const auto logs = servers.redis->dir();
  // The matching service and the notification service call each other (publication; a decline
  // through a placement link): the matching service's port is chosen first.
  const ipraktik::testing::ReservedPorts matching_port;
  const std::string matching_address = absl::StrCat("127.0.0.1:", matching_port.first());
  const std::string service_key = keys_->Key("ipraktik", v1::ACCESS_ROLE_SERVICE);
  // Notification and evaluation first: their queues are bound before anything is published.
  notification_ = ipraktik::testing::StartServiceProgram(
      "ipraktik-notification",
      with({{"IPRAKTIK_SMTP_URL", servers.smtp->url()},
            {"IPRAKTIK_NOTIFICATION_SENDER_ADDRESS", "ipraktik@coi.example"},
            {"IPRAKTIK_NOTIFICATION_RETRY_DELAY", "200ms"},
            {"IPRAKTIK_PARTICIPANT_WEB_URL", web_url_},
            {"IPRAKTIK_MATCHING_ADDRESS", matching_address},
            {"IPRAKTIK_MATCHING_API_KEY", service_key}}),
      logs / "notification.log");
  evaluation_ = ipraktik::testing::StartServiceProgram(
      "ipraktik-evaluation",
      with({{"IPRAKTIK_EVALUATION_FORM_URL", web_url_ + "/evaluation/"},
            {"IPRAKTIK_TIME_ZONE", "UTC"},
            {"IPRAKTIK_EVALUATION_POLL_INTERVAL", "100ms"}}),
      logs / "evaluation.log");
  for (auto [service, queue] : {std::pair{&notification_, "notification.events"},
                                std::pair{&evaluation_, "evaluation.events"}}) {
    if (service->process == nullptr ||
        !service->process->WaitForOutput(
            absl::StrCat("\"msg\":\"consuming\",\"queue\":\"", queue, "\""), 30s)) {
      ADD_FAILURE() << queue << " is not consumed";
      return;
    }
  }
  registration_ = registration::testing::StartRegistrationBinary(
      with({{"IPRAKTIK_PARTICIPANT_WEB_URL", web_url_}}), logs / "registration.log");
  if (registration_.stub == nullptr) return;
  const std::string registration_address = absl::StrCat(
      "127.0.0.1:", ipraktik::testing::PortFromLog(registration_.process->Output(), "grpc_port"));
  matching_ = ipraktik::testing::StartServiceProgram(
      "ipraktik-matching",
      with({{"IPRAKTIK_GRPC_ADDRESS", matching_address},
            {"IPRAKTIK_REGISTRATION_ADDRESS", registration_address},
            {"IPRAKTIK_NOTIFICATION_ADDRESS", absl::StrCat("127.0.0.1:", notification_.grpc_port)},
            {"IPRAKTIK_REGISTRATION_API_KEY", service_key}}),
      logs / "matching.log");
  matching_worker_ = ipraktik::testing::StartServiceProgram("ipraktik-matching-worker", with({}),
                                                            logs / "matching-worker.log");
  for (auto [service, queue] : {std::pair{&matching_, "matching.job-finished"},
                                std::pair{&matching_worker_, "matching.jobs"}}) {
    if (service->process == nullptr ||
        !service->process->WaitForOutput(
            absl::StrCat("\"msg\":\"consuming\",\"queue\":\"", queue, "\""), 30s)) {
      ADD_FAILURE() << queue << " is not consumed";
      return;
    }
  }
  std::map<std::string, std::string> web = with(
      {{"IPRAKTIK_PARTICIPANT_WEB_ADDRESS", absl::StrCat("127.0.0.1:", web_port.first())},
       {"IPRAKTIK_REGISTRATION_ADDRESS", registration_address},
       {"IPRAKTIK_EVALUATION_ADDRESS", absl::StrCat("127.0.0.1:", evaluation_.grpc_port)},
       {"IPRAKTIK_NOTIFICATION_ADDRESS", absl::StrCat("127.0.0.1:", notification_.grpc_port)}});
  web.erase("IPRAKTIK_AMQP_URL");  // the pages use no RabbitMQ
  for (auto& [name, value] : web_environment) web[name] = value;
  web_ = ipraktik::testing::StartServiceProgram("ipraktik-participant-web", web,
                                                logs / "participant-web.log");
  if (web_.grpc_port == 0) return;
  evaluation_stub_ = v1::EvaluationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", evaluation_.grpc_port), grpc::InsecureChannelCredentials()));
  matching_stub_ = v1::MatchingService::NewStub(
      grpc::CreateChannel(matching_address, grpc::InsecureChannelCredentials()));
  notification_stub_ = v1::NotificationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", notification_.grpc_port), grpc::InsecureChannelCredentials()));
  bus::PublisherOptions publisher;
  publisher.connection.url = servers.rabbit->url();
  publisher.connection.connection_name = "participant-web-test";
  auto created = bus::Publisher::Create(std::move(publisher));
  if (!created.ok()) {
    ADD_FAILURE() << created.status();
    return;
  }
  publisher_ = std::make_unique<bus::Publisher>(*std::move(created));
  ok_ = true;
}

WebSystem::~WebSystem() {
  if (publisher_) publisher_->Close();
}

WebSystem::Approval WebSystem::RequestApproval(const std::string& tenant,
                                               const std::string& intern_name) {
  RegistrationStub& stub = *registration_.stub;
  auto local = registration::testing::MakeLocalRound(stub, tenant, DaysFromToday(10),
                                                     DaysFromToday(20), DaysFromToday(22));
  v1::UpdateProgrammeRequest update;
  update.mutable_programme()->set_programme_id(local.round.programme_id());
  update.mutable_programme()->set_requires_manager_approval(true);
  update.mutable_update_mask()->add_paths("requires_manager_approval");
  MustCall(stub, &RegistrationStub::UpdateProgramme, update, tenant);

  const std::string manager = absl::StrCat("chef.", tenant, "@holstebro.example");
  v1::SignUpRequest signup;
  signup.set_round_id(local.round.round_id());
  v1::Participant* person = signup.mutable_participant();
  person->set_name(intern_name);
  person->set_email(absl::StrCat("intern.", tenant, "@holstebro.example"));
  person->set_job_title("Økonomisk konsulent");
  person->set_workplace_id(local.intern_workplace.workplace_id());
  person->set_consent(true);
  v1::Application* application = signup.mutable_application();
  application->set_purpose("Se hvordan et rådhuskøkken planlægger og deler gode løsninger.");
  *application->add_available_days() = local.round.window_start();
  application->add_wishes()->set_host_offer_id(local.offer.host_offer_id());
  application->mutable_manager()->set_name("Karen Chef");
  application->mutable_manager()->set_email(manager);
  Approval approval;
  approval.tenant = tenant;
  approval.application_id =
      MustCall(stub, &RegistrationStub::SignUp, signup, tenant).application().application_id();
  approval.link =
      AwaitLink(*servers_.smtp, manager, absl::StrCat(web_url_, "/approval/", tenant, "/"));
  approval.token = LastSegment(approval.link);
  return approval;
}

v1::Application WebSystem::Application(const std::string& tenant,
                                       const std::string& application_id) {
  v1::GetApplicationRequest get;
  get.set_application_id(application_id);
  return MustCall(*registration_.stub, &RegistrationStub::GetApplication, get, tenant)
      .application();
}

WebSystem::Evaluation WebSystem::InviteToEvaluate(const std::string& tenant,
                                                  const std::string& intern_id) {
  using namespace ::ipraktik::evaluation::testing;
  const absl::CivilDay yesterday = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 1;
  auto placed = Placed(intern_id, v1::SECTOR_STATE, Offer("h-" + intern_id));
  *placed.mutable_days(0) = ProtoDay(yesterday - 1);
  *placed.mutable_days(1) = ProtoDay(yesterday);
  notification::testing::Publish(
      *publisher_, notification::testing::Envelope(contract::kInternPlaced, tenant, placed));
  notification::testing::Publish(
      *publisher_, notification::testing::Envelope(contract::kHostInternsAssigned, tenant,
                                                   Assigned(placed.host_offer(), {placed})));
  Evaluation evaluation;
  evaluation.tenant = tenant;
  evaluation.link = AwaitLink(*servers_.smtp, intern_id + "@people.example",
                              absl::StrCat(web_url_, "/evaluation/", tenant, "/"));
  evaluation.token = LastSegment(evaluation.link);
  return evaluation;
}

std::int64_t WebSystem::EvaluationAnswers(const std::string& tenant) {
  v1::GetEvaluationReportRequest request;
  request.set_round_id(::ipraktik::evaluation::testing::Round().round_id());
  v1::GetEvaluationReportResponse response;
  auto context = ContextFor(tenant);
  grpc::Status status = evaluation_stub_->GetEvaluationReport(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.total().answers();
}

WebSystem::Placement WebSystem::PlaceInterns(const std::string& tenant) {
  using ::ipraktik::testing::RoundBuilder;
  RoundBuilder round(*registration_.stub, tenant);
  Placement placement;
  placement.tenant = tenant;
  const std::string programme = round.Programme("Innovationspraktik Midtjylland", false);
  placement.round_id = round.OpenRound(programme, "Uge 40", 30, 34);
  const std::string aarhus =
      round.Workplace("Aarhus Kommune", v1::SECTOR_MUNICIPAL, "Midtjylland", "Aarhus");
  const std::string herning =
      round.Workplace("Herning Kommune", v1::SECTOR_MUNICIPAL, "Midtjylland", "Herning");
  const std::string ministry =
      round.Workplace("Finansministeriet", v1::SECTOR_STATE, "Hovedstaden", "København");
  const std::string host_email = absl::StrCat("hanne.", tenant, "@aarhus.example");
  const std::string aarhus_offer =
      round.Offer(placement.round_id, aarhus, "Borgerservice", 2, {30}, "Hanne Holm", host_email);
  const std::string herning_offer =
      round.Offer(placement.round_id, herning, "Jobcentret", 1, {30}, "Helle Hansen",
                  absl::StrCat("helle.", tenant, "@herning.example"));
  placement.intern_email = absl::StrCat("ida.", tenant, "@fm.example");
  const std::string erik_email = absl::StrCat("erik.", tenant, "@fm.example");
  placement.intern_id =
      registration::testing::MustCall(
          *registration_.stub, &RegistrationStub::SignUp,
          round.SignUp(placement.round_id, ministry, "Ida Holm", placement.intern_email,
                       v1::LANGUAGE_DANISH, {aarhus_offer, herning_offer}, {30}),
          tenant)
          .participant()
          .participant_id();
  registration::testing::MustCall(
      *registration_.stub, &RegistrationStub::SignUp,
      round.SignUp(placement.round_id, ministry, "Erik Evans", erik_email, v1::LANGUAGE_ENGLISH,
                   {aarhus_offer}, {30}),
      tenant);
  round.Transition(placement.round_id, v1::ROUND_STATE_CLOSED);
  // Publishing needs the programme's reply-to address.
  v1::UpdateNotificationSettingsRequest settings;
  settings.mutable_settings()->set_sender_name("Innovationspraktik Midtjylland");
  settings.mutable_settings()->set_sender_address("midt@coi.example");
  settings.mutable_settings()->set_reply_to("sekretariat@coi.example");
  {
    v1::UpdateNotificationSettingsResponse response;
    auto context = ContextFor(tenant);
    grpc::Status status =
        notification_stub_->UpdateNotificationSettings(context.get(), settings, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  Rematch(tenant, placement.round_id);
  const std::string prefix = absl::StrCat(web_url_, "/placement/", tenant, "/");
  placement.host_link = AwaitLink(*servers_.smtp, host_email, prefix);
  placement.host_token = LastSegment(placement.host_link);
  placement.intern_link = AwaitLink(*servers_.smtp, placement.intern_email, prefix);
  placement.intern_token = LastSegment(placement.intern_link);
  placement.other_link = AwaitLink(*servers_.smtp, erik_email, prefix);
  placement.other_token = LastSegment(placement.other_link);
  return placement;
}

void WebSystem::Rematch(const std::string& tenant, const std::string& round_id) {
  v1::RequestMatchingRequest request;
  request.set_round_id(round_id);
  v1::RequestMatchingResponse response;
  auto context = ContextFor(tenant);
  grpc::Status status = matching_stub_->RequestMatching(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ::ipraktik::testing::AwaitJob(*matching_stub_, tenant, response.job().job_id(),
                                /*published=*/true);
}

std::map<std::string, v1::Placement> WebSystem::Placements(const std::string& tenant,
                                                           const std::string& round_id) {
  std::map<std::string, v1::Placement> placements;
  v1::ListPlacementsRequest request;
  request.set_round_id(round_id);
  request.set_page_size(500);
  v1::ListPlacementsResponse response;
  auto context = ContextFor(tenant);
  grpc::Status status = matching_stub_->ListPlacements(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const auto& placement : response.placements()) {
    placements[placement.intern().name()] = placement;
  }
  return placements;
}

grpc::Status WebSystem::LookupPlacement(const std::string& tenant, const std::string& token,
                                        v1::LookupPlacementResponse& response) {
  // As the pages call it: the token is the credential, no API key.
  grpc::ClientContext context;
  context.AddMetadata(server::kTenantHeader, tenant);
  v1::LookupPlacementRequest request;
  request.set_placement_token(token);
  return notification_stub_->LookupPlacement(&context, request, &response);
}

std::vector<nlohmann::json> WebSystem::MailTo(const std::string& address) const {
  return notification::testing::MailTo(notification::testing::ReceivedMail(*servers_.smtp),
                                       address);
}

void WebSystem::ExhaustRateLimit(const std::string& address) {
  const std::string key =
      absl::StrCat("ipraktik:{participant-web}:ratelimit:participant-web:client:",
                   tokens::Digest(kTestTokenSecret, address).substr(0, 32));
  // The bucket's "theoretical arrival time" in microseconds of Redis's clock (this machine's).
  const std::string full_until = std::to_string(absl::ToUnixMicros(absl::Now() + absl::Hours(1)));
  auto set = keys_redis_->Command({"SET", key, full_until, "PX", "3600000"});
  EXPECT_TRUE(set.ok()) << set.status();
}

double WebSystem::Requests(const std::string& page, int status) const {
  const std::string text = ipraktik::testing::RunCommand(
      absl::StrCat("curl -sf http://127.0.0.1:", web_.metrics_port, "/metrics"));
  std::smatch sample;
  const std::regex line(absl::StrCat("ipraktik_participant_web_requests_total\\{page=\"", page,
                                     "\",status=\"", status, "\"\\} ([0-9.e+]+)"));
  return std::regex_search(text, sample, line) ? std::stod(sample[1].str()) : 0;
}

std::string WebSystem::WebLog() const {
  return web_.process != nullptr ? web_.process->Output() : "";
}

}  // namespace ipraktik::participant_web::testing
