#include "registration_harness.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/server/outbox_relay.h"
#include "service_programs.h"

namespace ipraktik::registration::testing {

using namespace std::chrono_literals;

namespace {
// The keys ContextFor sends (KeysForContexts).
ipraktik::testing::KeyRing* running_keys = nullptr;
}  // namespace

KeysForContexts::KeysForContexts(ipraktik::testing::KeyRing& keys) : previous_(running_keys) {
  running_keys = &keys;
}

KeysForContexts::~KeysForContexts() { running_keys = previous_; }

InProcessRegistration::InProcessRegistration(const ipraktik::testing::RedisServer& redis,
                                             const std::string& amqp_url, TestClock& clock,
                                             Options harness) {
  store::Options options;
  options.port = redis.port();
  options.pool_size = 16;
  options.command_timeout = harness.redis_command_timeout;
  options.registry = &metrics_;
  redis_ = std::make_unique<store::Pool>(options);
  keys_ = std::make_unique<ipraktik::testing::KeyRing>(*redis_);
  keys_for_contexts_ = std::make_unique<KeysForContexts>(*keys_);
  key_store_ = std::make_unique<access::KeyStore>(*redis_, ipraktik::testing::kTestTokenSecret);
  authenticator_ = std::make_unique<access::Authenticator>(*key_store_);
  outbox_ = std::make_unique<outbox::Outbox>(*redis_, "registration");
  repository_ = std::make_unique<RegistrationRepository>(*redis_, *outbox_);
  registrar_ = std::make_unique<Registrar>(
      *repository_, RegistrarOptions{.participant_web_url = "https://ipraktik.test",
                                     .token_secret = ipraktik::testing::kTestTokenSecret,
                                     .time_zone = "Europe/Copenhagen",
                                     .clock = [&clock] { return clock.Now(); },
                                     .metrics = &metrics_});
  logging::Logger logger("registration-test", logging::Level::kWarning);
  harness.handlers.metrics = &metrics_;
  handlers_ = std::make_unique<server::Executor>(harness.handlers);
  guard_ = std::make_unique<server::CallGuard>(
      *redis_,
      server::CallGuard::Options{.service = "registration", .limit = {}, .metrics = &metrics_},
      logger);
  server::Calls calls(*handlers_, harness.deadlines, logger, *authenticator_, guard_.get());
  service_ = std::make_unique<RegistrationServiceImpl>(*registrar_, calls);
  audit_ = std::make_unique<AuditServiceImpl>(*redis_, calls);
  key_administration_ = std::make_unique<access::KeyAdministration>(*key_store_);
  key_service_ = std::make_unique<KeyServiceImpl>(*key_administration_, calls);
  auto server = server::GrpcServer::Start({.address = "127.0.0.1:0", .metrics = &metrics_},
                                          {{"ipraktik.v1.RegistrationService", service_.get()},
                                           {"ipraktik.v1.AuditService", audit_.get()},
                                           {"ipraktik.v1.KeyService", key_service_.get()}});
  if (!server.ok()) throw std::runtime_error(std::string(server.status().message()));
  server_ = *std::move(server);
  if (!harness.with_bus) return;

  bus::PublisherOptions publisher_options;
  publisher_options.connection.url = amqp_url;
  publisher_options.connection.connection_name = "registration-test-outbox";
  publisher_options.connection.logger = logger;
  auto publisher = bus::Publisher::Create(std::move(publisher_options));
  if (!publisher.ok()) throw std::runtime_error(std::string(publisher.status().message()));
  publisher_ = std::make_unique<bus::Publisher>(*std::move(publisher));
  relay_ = std::make_unique<outbox::Relay>(
      *redis_, outbox_->publisher(), server::PublishToBus(*publisher_), logger,
      outbox::RelayOptions{.poll_interval = absl::Milliseconds(10)});
  relay_->Start();

  bus::ConsumerOptions consumer_options;
  consumer_options.connection.url = amqp_url;
  consumer_options.connection.connection_name = "registration-test-consumer";
  consumer_options.connection.logger = logger;
  consumer_options.queue = MatchingPublishedQueue();
  published_ = MatchingPublishedRouter(*registrar_, *redis_, &metrics_);
  auto consumer = server::EventConsumer::Start(std::move(consumer_options), *published_, nullptr);
  if (!consumer.ok()) throw std::runtime_error(std::string(consumer.status().message()));
  consumer_ = *std::move(consumer);
}

InProcessRegistration::~InProcessRegistration() {
  server_->Shutdown(1s);
  handlers_->Stop();
  if (consumer_ != nullptr) consumer_->Stop();
  if (relay_ != nullptr) relay_->Stop();
}

int InProcessRegistration::MatchingPublicationsHandled(const std::string& tenant) const {
  // The router records each publication it handled by its envelope id (dedupe): count the
  // tenant's completed records.
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return 0;
  std::string pattern = keys->Key("processed", std::string(kMatchingPublishedQueue) + ":*");
  int handled = 0;
  std::string cursor = "0";
  do {
    auto page = redis_->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!page.ok() || page->elements().size() != 2) return handled;
    cursor = page->elements()[0].str();
    for (const auto& key : page->elements()[1].elements()) {
      auto value = redis_->Command({"GET", key.str()});
      if (value.ok() && value->str() == "1") ++handled;
    }
  } while (cursor != "0");
  return handled;
}

std::unique_ptr<v1::RegistrationService::Stub> InProcessRegistration::NewStub() const {
  return v1::RegistrationService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<v1::AuditService::Stub> InProcessRegistration::NewAuditStub() const {
  return v1::AuditService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> ContextFor(const std::string& tenant,
                                                const std::string& correlation_id) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + 30s);
  if (!tenant.empty() && running_keys != nullptr) {
    ipraktik::testing::AddKey(*context, running_keys->Key(tenant));
    // Harmless from the tenant's own key, and what a participant's call (no key) needs.
    context->AddMetadata("x-ipraktik-tenant", tenant);
  }
  if (!correlation_id.empty()) context->AddMetadata("x-correlation-id", correlation_id);
  return context;
}

v1::Date Day(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

RegistrationBinary StartRegistrationBinary(std::map<std::string, std::string> environment,
                                           const std::filesystem::path& log) {
  auto service =
      ipraktik::testing::StartServiceProgram("ipraktik-registration", std::move(environment), log);
  RegistrationBinary started;
  started.process = std::move(service.process);
  if (service.grpc_port == 0) return started;
  started.stub = v1::RegistrationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", service.grpc_port), grpc::InsecureChannelCredentials()));
  return started;
}

v1::Date DaysFromToday(int days) {
  absl::CivilDay day = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + days;
  return Day(static_cast<int>(day.year()), day.month(), day.day());
}

LocalRound MakeLocalRound(v1::RegistrationService::Stub& stub, const std::string& tenant,
                          const v1::Date& signup_deadline, const v1::Date& window_start,
                          const v1::Date& window_end) {
  using Stub = v1::RegistrationService::Stub;
  LocalRound local;
  v1::CreateProgrammeRequest programme;
  programme.mutable_programme()->set_name("Holstebro Kommunes lynpraktik");
  auto programme_id =
      MustCall(stub, &Stub::CreateProgramme, programme, tenant).programme().programme_id();
  v1::CreateRoundRequest round;
  round.mutable_round()->set_programme_id(programme_id);
  round.mutable_round()->set_name("Lynpraktik");
  *round.mutable_round()->mutable_signup_deadline() = signup_deadline;
  *round.mutable_round()->mutable_window_start() = window_start;
  *round.mutable_round()->mutable_window_end() = window_end;
  round.mutable_round()->set_max_wishes(3);
  round.mutable_round()->add_allowed_host_sectors(v1::SECTOR_MUNICIPAL);
  local.round = MustCall(stub, &Stub::CreateRound, round, tenant).round();
  v1::CreateWorkplaceRequest kantine;
  kantine.mutable_workplace()->set_name("Rådhusets kantine");
  kantine.mutable_workplace()->set_sector(v1::SECTOR_MUNICIPAL);
  kantine.mutable_workplace()->set_region("Midtjylland");
  kantine.mutable_workplace()->set_municipality("Holstebro");
  auto host = MustCall(stub, &Stub::CreateWorkplace, kantine, tenant).workplace();
  v1::CreateWorkplaceRequest koekken = kantine;
  koekken.mutable_workplace()->set_name("Det Gode Køkken");
  local.intern_workplace = MustCall(stub, &Stub::CreateWorkplace, koekken, tenant).workplace();
  v1::RegisterParticipantRequest contact;
  contact.mutable_participant()->set_name("Lotte Lind");
  contact.mutable_participant()->set_email("lotte.lind@holstebro.dk");
  contact.mutable_participant()->set_job_title("Økonomisk konsulent");
  contact.mutable_participant()->set_workplace_id(host.workplace_id());
  contact.mutable_participant()->set_consent(true);
  auto lotte = MustCall(stub, &Stub::RegisterParticipant, contact, tenant).participant();
  v1::CreateHostOfferRequest offer;
  v1::HostOffer* o = offer.mutable_host_offer();
  o->set_round_id(local.round.round_id());
  o->set_workplace_id(host.workplace_id());
  o->set_title("Køkkenet på rådhuset");
  o->set_description("Lav mad til rådhusets ansatte på en anden måde end du er vant til.");
  o->set_capacity(20);
  *o->add_days() = window_start;
  o->set_address("Kirkestræde 11, 7500 Holstebro");
  o->add_fields("køkken");
  o->set_contact_participant_id(lotte.participant_id());
  auto created = MustCall(stub, &Stub::CreateHostOffer, offer, tenant).host_offer();
  v1::PublishHostOfferRequest publish;
  publish.set_host_offer_id(created.host_offer_id());
  local.offer = MustCall(stub, &Stub::PublishHostOffer, publish, tenant).host_offer();
  v1::TransitionRoundRequest open;
  open.set_round_id(local.round.round_id());
  open.set_state(v1::ROUND_STATE_OPEN);
  local.round = MustCall(stub, &Stub::TransitionRound, open, tenant).round();
  return local;
}

namespace {

google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  details.ParseFromString(status.error_details());
  return details;
}

}  // namespace

std::map<std::string, std::string> FieldErrors(const grpc::Status& status) {
  std::map<std::string, std::string> errors;
  google::rpc::Status details = Details(status);
  for (const auto& detail : details.details()) {
    google::rpc::BadRequest bad_request;
    if (detail.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        errors[violation.field()] = violation.description();
      }
    }
  }
  return errors;
}

std::string ErrorReason(const grpc::Status& status) {
  google::rpc::Status details = Details(status);
  for (const auto& detail : details.details()) {
    google::rpc::ErrorInfo info;
    if (detail.UnpackTo(&info)) return info.reason();
  }
  return "";
}

std::vector<std::string> PreconditionTypes(const grpc::Status& status) {
  std::vector<std::string> types;
  google::rpc::Status details = Details(status);
  for (const auto& detail : details.details()) {
    google::rpc::PreconditionFailure failure;
    if (detail.UnpackTo(&failure)) {
      for (const auto& violation : failure.violations()) types.push_back(violation.type());
    }
  }
  return types;
}

EventTap::EventTap(const std::string& amqp_url, std::string queue,
                   std::vector<std::string> bindings)
    : queue_(std::move(queue)) {
  bus::ConnectionOptions options;
  options.url = amqp_url;
  options.connection_name = "registration-test-tap";
  auto admin = bus::Admin::Create(options);
  if (!admin.ok()) throw std::runtime_error(std::string(admin.status().message()));
  admin_.emplace(*std::move(admin));
  bus::QueueSpec spec;
  spec.name = queue_;
  spec.bindings = std::move(bindings);
  std::vector<bus::QueueSpec> specs = {spec};
  if (absl::Status status = admin_->Declare(specs); !status.ok()) {
    throw std::runtime_error(std::string(status.message()));
  }
}

void EventTap::Drain() {
  while (true) {
    auto delivery = admin_->Take(queue_);
    if (!delivery.ok() || !delivery->has_value()) return;
    auto envelope = events::ParseEnvelope((*delivery)->body);
    EXPECT_TRUE(envelope.ok()) << envelope.status();
    if (!envelope.ok()) continue;
    EXPECT_EQ((*delivery)->routing_key, envelope->type());
    if (!events::IsBatch(*envelope)) {
      received_.push_back(*std::move(envelope));
      continue;
    }
    // A batch's events arrive as the consumers route them: each on its own.
    auto batched = events::UnpackBatch(*envelope);
    ASSERT_TRUE(batched.ok()) << batched.status();
    for (events::BatchedEvent& event : *batched) {
      EXPECT_TRUE(event.valid.ok()) << event.valid;
      received_.push_back(std::move(event.event));
    }
  }
}

std::vector<events::Envelope> EventTap::WaitFor(
    const std::string& type, std::size_t count,
    const std::function<bool(const events::Envelope&)>& match, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<events::Envelope> found;
  while (true) {
    Drain();
    found.clear();
    std::set<std::string> ids;  // at-least-once delivery: count each event once
    for (const auto& event : received_) {
      if (event.type() == type && (!match || match(event)) && ids.insert(event.id()).second) {
        found.push_back(event);
      }
    }
    if (found.size() >= count || std::chrono::steady_clock::now() > deadline) return found;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace ipraktik::registration::testing
