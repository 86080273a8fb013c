#pragma once

// The participant pages as people reach them, for the HTTP and browser tests: the real service
// programs (registration, matching, matching-worker, evaluation, notification, participant-web)
// on the test program's private Redis, RabbitMQ and SMTP sink, each link base pointing at the
// pages, and what the tests need around them: a manager's approval link from the real e-mail, an
// evaluation link from the real invitation, the "My placement" links of a published matching's
// e-mails, the state behind them over gRPC, plain HTTP calls and the pages' metrics.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api_keys.h"
#include "ipraktik/bus/publisher.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/evaluation.grpc.pb.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "ipraktik/v1/notification.grpc.pb.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "local_servers.h"
#include "nlohmann/json.hpp"
#include "registration_harness.h"
#include "service_programs.h"

namespace ipraktik::participant_web::testing {

namespace v1 = ::ipraktik::v1;

struct HttpAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // by lower-case name
  std::string body;
};

// One HTTP request with libcurl (no redirects followed); status 0 when it could not be made.
HttpAnswer HttpCall(const std::string& method, const std::string& url, const std::string& body = "",
                    const std::vector<std::string>& headers = {});

// The value of the hidden CSRF field in a page ("" when there is none).
std::string CsrfFieldOf(const std::string& html);
// application/x-www-form-urlencoded escaping of one value.
std::string FormEscape(const std::string& value);

class WebSystem {
 public:
  // Starts the programs; a failure fails the test (check ok()). environment: more settings of
  // the participant pages (e.g. a rate limit).
  explicit WebSystem(const ipraktik::testing::ProgramServers& servers,
                     std::map<std::string, std::string> web_environment = {});
  ~WebSystem();

  bool ok() const { return ok_; }
  // http://127.0.0.1:PORT
  const std::string& web_url() const { return web_url_; }

  struct Approval {
    std::string tenant;
    std::string link;  // from the manager's e-mail
    std::string token;
    std::string application_id;
  };
  // A round of a new tenant whose programme asks managers, an intern (intern_name) signed up
  // with a manager; waits for the manager's e-mail and returns its link.
  Approval RequestApproval(const std::string& tenant, const std::string& intern_name);
  v1::Application Application(const std::string& tenant, const std::string& application_id);

  struct Evaluation {
    std::string tenant;
    std::string link;  // from the invitation e-mail
    std::string token;
  };
  // An intern of tenant placed by a published matching (their two days ended yesterday); waits
  // for their invitation e-mail and returns its link.
  Evaluation InviteToEvaluate(const std::string& tenant, const std::string& intern_id);
  // How many answers the tenant's evaluation report counts (the round of InviteToEvaluate).
  std::int64_t EvaluationAnswers(const std::string& tenant);

  struct Placement {
    std::string tenant;
    std::string round_id;
    std::string host_link;  // from the e-mail to the host contact of "Aarhus Kommune"
    std::string host_token;
    std::string intern_link;  // from Ida Holm's e-mail
    std::string intern_token;
    std::string intern_email;  // Ida Holm's
    std::string intern_id;     // Ida Holm's participant id
    std::string other_link;    // from Erik Evans's e-mail (placed with the same host)
    std::string other_token;
  };
  // A published matching of a new tenant's round (no manager approval): "Aarhus Kommune" takes
  // two interns on one day, Ida Holm (who wished "Herning Kommune" second, where one place stays
  // free) and Erik Evans; waits for the host contact's and both interns' e-mails and returns the
  // "My placement" links in them.
  Placement PlaceInterns(const std::string& tenant);
  // The coordinator's re-match of the round (RequestMatching), once it is published.
  void Rematch(const std::string& tenant, const std::string& round_id);
  // The published placements of the round by intern name (ListPlacements).
  std::map<std::string, v1::Placement> Placements(const std::string& tenant,
                                                  const std::string& round_id);
  // What a placement link shows (NotificationService.LookupPlacement, as the pages call it).
  grpc::Status LookupPlacement(const std::string& tenant, const std::string& token,
                               v1::LookupPlacementResponse& response);
  // The e-mails to address (the decoded messages of the SMTP sink, oldest first).
  std::vector<nlohmann::json> MailTo(const std::string& address) const;

  // As if a client at address had kept sending for an hour: its rate-limit bucket (the Redis key
  // docs/participant-web.md names) holds no request until an hour from now, so a request from it
  // is refused whatever the time the test takes.
  void ExhaustRateLimit(const std::string& address);

  // ipraktik_participant_web_requests_total{page,status} from the pages' /metrics.
  double Requests(const std::string& page, int status) const;
  // Everything the participant-web program logged so far.
  std::string WebLog() const;

 private:
  const ipraktik::testing::ProgramServers& servers_;
  bool ok_ = false;
  std::string web_url_;
  std::unique_ptr<store::Pool> keys_redis_;
  std::unique_ptr<ipraktik::testing::KeyRing> keys_;
  std::unique_ptr<registration::testing::KeysForContexts> contexts_;
  registration::testing::RegistrationBinary registration_;
  ipraktik::testing::ServiceProcess evaluation_;
  ipraktik::testing::ServiceProcess notification_;
  ipraktik::testing::ServiceProcess matching_;
  ipraktik::testing::ServiceProcess matching_worker_;
  ipraktik::testing::ServiceProcess web_;
  std::unique_ptr<v1::EvaluationService::Stub> evaluation_stub_;
  std::unique_ptr<v1::MatchingService::Stub> matching_stub_;
  std::unique_ptr<v1::NotificationService::Stub> notification_stub_;
  std::unique_ptr<bus::Publisher> publisher_;
};

// A test suite over one WebSystem, started before its first test on the program's private
// servers (registered with gtest by web_system.cc) and stopped after its last. The pages sit
// behind a proxy as in production (IPRAKTIK_PARTICIPANT_WEB_FORWARDED_FOR): a test that sends its
// own X-Forwarded-For address has a rate-limit bucket of its own.
class WebSystemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_TRUE(system_ != nullptr && system_->ok()); }

  static WebSystem* system_;
};

}  // namespace ipraktik::participant_web::testing
