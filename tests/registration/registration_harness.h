#pragma once

// The registration service served in-process for tests: the same Registrar, repository, outbox
// relay, gRPC handlers and consumer of published matchings the binary wires up, on a real gRPC
// server (libs/server) in front of real Redis and RabbitMQ, called through a real gRPC client. The
// clock is the test's.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "api_keys.h"
#include "audit_service.h"
#include "child_process.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "ipraktik/access/key_administration.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/server/call_guard.h"
#include "ipraktik/server/event_consumer.h"
#include "ipraktik/server/event_router.h"
#include "ipraktik/server/grpc_server.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/audit.grpc.pb.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "key_service.h"
#include "local_servers.h"
#include "matching_published.h"
#include "prometheus/registry.h"
#include "registrar.h"
#include "registration_repository.h"
#include "registration_service.h"

namespace ipraktik::registration::testing {

namespace v1 = ::ipraktik::v1;

// The build's bin/ipraktik-registration as a child process, with environment plus gRPC and
// metrics on any free loopback port, its output appended to log; once it serves: the process and
// a plaintext stub for its gRPC port (IPRAKTIK_TLS=off unless environment says otherwise). A
// start that fails fails the test, and the stub is null then.
struct RegistrationBinary {
  std::unique_ptr<ipraktik::testing::ChildProcess> process;
  std::unique_ptr<v1::RegistrationService::Stub> stub;
};
RegistrationBinary StartRegistrationBinary(std::map<std::string, std::string> environment,
                                           const std::filesystem::path& log);

// A clock tests can set and move.
class TestClock {
 public:
  explicit TestClock(absl::Time now) : now_(now) {}
  absl::Time Now() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard lock(mutex_);
    now_ = now;
  }

 private:
  mutable std::mutex mutex_;
  absl::Time now_;
};

// While one lives, ContextFor sends keys from keys (InProcessRegistration makes one for its own
// Redis; a test of a registration in another process makes one for that process's Redis).
class KeysForContexts {
 public:
  explicit KeysForContexts(ipraktik::testing::KeyRing& keys);
  ~KeysForContexts();
  KeysForContexts(const KeysForContexts&) = delete;
  KeysForContexts& operator=(const KeysForContexts&) = delete;

 private:
  ipraktik::testing::KeyRing* previous_;
};

class InProcessRegistration {
 public:
  struct Options {
    // The executor the calls run on (e.g. one thread, to prove that a call freed it).
    server::ExecutorOptions handlers;
    absl::Duration redis_command_timeout = absl::Seconds(2);
    // Without the bus: no outbox relay and no consumer (amqp_url is not used).
    bool with_bus = true;
    // How long the handlers may work on calls (e.g. a tiny default to outlast it).
    server::DeadlinePolicy deadlines;
  };

  InProcessRegistration(const ipraktik::testing::RedisServer& redis, const std::string& amqp_url,
                        TestClock& clock)
      : InProcessRegistration(redis, amqp_url, clock, Options{}) {}
  InProcessRegistration(const ipraktik::testing::RedisServer& redis, const std::string& amqp_url,
                        TestClock& clock, Options options);
  ~InProcessRegistration();

  std::unique_ptr<v1::RegistrationService::Stub> NewStub() const;
  // Keys of any tenant and role in this registration's Redis (ContextFor sends them).
  ipraktik::testing::KeyRing& keys() { return *keys_; }
  std::unique_ptr<v1::AuditService::Stub> NewAuditStub() const;
  Registrar& registrar() { return *registrar_; }
  store::Pool& redis() { return *redis_; }
  prometheus::Registry& metrics() { return metrics_; }
  int port() const { return server_->port(); }
  // How many matching.result.published events of tenant the consumer has acked (the
  // marker that the round's state reflects them).
  int MatchingPublicationsHandled(const std::string& tenant) const;

 private:
  prometheus::Registry metrics_;
  std::unique_ptr<store::Pool> redis_;
  std::unique_ptr<ipraktik::testing::KeyRing> keys_;
  std::unique_ptr<KeysForContexts> keys_for_contexts_;
  std::unique_ptr<access::KeyStore> key_store_;
  std::unique_ptr<access::Authenticator> authenticator_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<RegistrationRepository> repository_;
  std::unique_ptr<Registrar> registrar_;
  std::unique_ptr<server::Executor> handlers_;
  std::unique_ptr<server::CallGuard> guard_;  // the audit log; no rate limit
  std::unique_ptr<RegistrationServiceImpl> service_;
  std::unique_ptr<AuditServiceImpl> audit_;
  std::unique_ptr<access::KeyAdministration> key_administration_;
  std::unique_ptr<KeyServiceImpl> key_service_;  // KeyService, as the registration service hosts it
  std::unique_ptr<server::GrpcServer> server_;
  std::unique_ptr<bus::Publisher> publisher_;
  std::unique_ptr<outbox::Relay> relay_;
  std::unique_ptr<server::EventRouter> published_;
  std::unique_ptr<server::EventConsumer> consumer_;  // of published matchings
};

// A client context with a deadline and a coordinator key of tenant (none when empty) from the
// KeysForContexts that lives, naming tenant in x-ipraktik-tenant too (for the participants'
// calls): the one place these tests authenticate.
std::unique_ptr<grpc::ClientContext> ContextFor(const std::string& tenant,
                                                const std::string& correlation_id = "");

// Calls method for tenant; a failed call fails the test (and returns an empty response).
template <typename Request, typename Response>
Response MustCall(v1::RegistrationService::Stub& stub,
                  grpc::Status (v1::RegistrationService::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                  const Request& request, const std::string& tenant) {
  Response response;
  auto context = ContextFor(tenant);
  grpc::Status status = (stub.*method)(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << Request::descriptor()->name() << ": " << status.error_message();
  return response;
}

v1::Date Day(int year, int month, int day);
// The day `days` days after today (UTC), for rounds against the real clock.
v1::Date DaysFromToday(int days);

// A round of the kind Holstebro ran inside the municipality: a programme, its round (open, one
// to three wishes, municipal hosts), the town hall's canteen with one published offer (contact
// Lotte Lind) and "Det Gode Køkken", where the interns come from. Made through stub; a failed
// call fails the test.
struct LocalRound {
  v1::Round round;
  v1::Workplace intern_workplace;
  v1::HostOffer offer;
};
LocalRound MakeLocalRound(v1::RegistrationService::Stub& stub, const std::string& tenant,
                          const v1::Date& signup_deadline, const v1::Date& window_start,
                          const v1::Date& window_end);

// The BadRequest field violations of a failed call: field path -> description.
std::map<std::string, std::string> FieldErrors(const grpc::Status& status);
// The ErrorInfo reason and the PreconditionFailure types of a failed call.
std::string ErrorReason(const grpc::Status& status);
std::vector<std::string> PreconditionTypes(const grpc::Status& status);

// Reads the events that arrive on RabbitMQ through a queue bound to bindings (declared by the
// constructor, so declare it before the events are produced). A batch's events are read each on
// its own, as the consumers route them.
class EventTap {
 public:
  EventTap(const std::string& amqp_url, std::string queue,
           std::vector<std::string> bindings = {"registration.#"});
  // Waits until count events of type that pass match have arrived (checking every event that
  // arrived so far, also for earlier calls) and returns them; fewer after the timeout.
  std::vector<events::Envelope> WaitFor(
      const std::string& type, std::size_t count,
      const std::function<bool(const events::Envelope&)>& match = {},
      std::chrono::milliseconds timeout = std::chrono::seconds(20));

 private:
  void Drain();
  std::optional<bus::Admin> admin_;
  std::string queue_;
  std::vector<events::Envelope> received_;
};

}  // namespace ipraktik::registration::testing
