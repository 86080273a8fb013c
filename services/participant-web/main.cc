// ipraktik-participant-web: the pages the links in participants' e-mails open (a manager's
// approval, an evaluation survey, "My placement"), server-rendered HTML over the other services'
// token RPCs. On the shared process skeleton of libs/server: settings, logs, /metrics, the gRPC
// health check (its readiness follows Redis, where the per-address rate limits live) and the
// graceful shutdown; the pages themselves are served by civetweb on their own port.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "domain/csrf.h"
#include "domain/site.h"
#include "domain/views.h"
#include "grpc_backends.h"
#include "grpcpp/create_channel.h"
#include "http_server.h"
#include "ipraktik/config/data_folder.h"
#include "ipraktik/metrics/counters.h"
#include "ipraktik/ratelimit/ratelimit.h"
#include "ipraktik/server/application.h"
#include "ipraktik/tokens/tokens.h"
#include "pages/pages.h"

namespace {

using namespace ipraktik;
using namespace ipraktik::participant_web;

// The rate-limit buckets of client addresses: ipraktik:{participant-web}:ratelimit:..., one
// Redis Cluster slot of their own (no tenant's: the tenant in a link is the visitor's choice).
constexpr char kBucketSpace[] = "participant-web";

class ParticipantWeb : public server::Service {
 public:
  void ReadSettings(config::Reader& reader) override {
    http_.address = reader.Address("IPRAKTIK_PARTICIPANT_WEB_ADDRESS", "127.0.0.1:7180",
                                   "Where the participant pages listen (HTTP)");
    http_.threads = static_cast<int>(reader.Int("IPRAKTIK_PARTICIPANT_WEB_THREADS", 8, 1, 256,
                                                "Requests the pages serve at once"));
    http_.max_body_bytes = static_cast<std::size_t>(
        reader.Int("IPRAKTIK_PARTICIPANT_WEB_MAX_BODY_BYTES", 64 * 1024, 1024, 1024 * 1024,
                   "The largest form post taken; a larger one is answered 413"));
    http_.forwarded_for = reader.Bool(
        "IPRAKTIK_PARTICIPANT_WEB_FORWARDED_FOR", false,
        "Rate-limit by the last X-Forwarded-For address (only behind a proxy that sets it)");
    limit_.per_second = static_cast<int>(
        reader.Int("IPRAKTIK_PARTICIPANT_WEB_RATE_LIMIT_PER_SECOND", 2, 0, 100'000,
                   "Requests a second per client address, after a burst; 0 turns the limit off"));
    limit_.burst = static_cast<int>(reader.Int("IPRAKTIK_PARTICIPANT_WEB_RATE_LIMIT_BURST", 60, 1,
                                               100'000, "Requests a client address may burst"));
    registration_ = reader.Address("IPRAKTIK_REGISTRATION_ADDRESS", "127.0.0.1:7101",
                                   "The registration service (approval links)");
    evaluation_ = reader.Address("IPRAKTIK_EVALUATION_ADDRESS", "127.0.0.1:7105",
                                 "The evaluation service (evaluation links)");
    notification_ = reader.Address("IPRAKTIK_NOTIFICATION_ADDRESS", "127.0.0.1:7104",
                                   "The notification service (placement links)");
    call_timeout_ =
        reader.Duration("IPRAKTIK_PARTICIPANT_WEB_CALL_TIMEOUT", std::chrono::seconds(5),
                        std::chrono::milliseconds(100), std::chrono::minutes(1),
                        "How long a page waits for the service behind it");
    files_ = reader.String(
        "IPRAKTIK_PARTICIPANT_WEB_FILES",
        config::ProgramDataFolder("share/ipraktik/participant-web").string(),
        "Folder of the pages' templates (templates/) and style sheet (static/style.css); read at "
        "start-up. Default: share/ipraktik/participant-web beside the program's bin/ folder");
  }

  absl::Status Start(server::Application& app) override {
    auto views = Views::Load(std::filesystem::path(files_) / "templates");
    if (!views.ok()) return views.status();
    views_ = std::make_unique<Views>(*std::move(views));
    std::ifstream css(std::filesystem::path(files_) / "static" / "style.css", std::ios::binary);
    if (!css) return absl::NotFoundError(absl::StrCat(files_, "/static/style.css cannot be read"));
    std::ostringstream style;
    style << css.rdbuf();
    const std::string& secret = app.settings().token_secret;
    csrf_ = std::make_unique<CsrfTokens>(secret);
    site_ = std::make_unique<Site>(*views_, *csrf_, style.str());
    approval_ = std::make_unique<GrpcApprovalBackend>(
        grpc::CreateChannel(registration_.ToString(), app.ChannelCredentials()), call_timeout_);
    evaluation_backend_ = std::make_unique<GrpcEvaluationBackend>(
        grpc::CreateChannel(evaluation_.ToString(), app.ChannelCredentials()), call_timeout_);
    placement_ = std::make_unique<GrpcPlacementBackend>(
        grpc::CreateChannel(notification_.ToString(), app.ChannelCredentials()), call_timeout_);
    AddPages(*site_, Backends{.approval = *approval_,
                              .evaluation = *evaluation_backend_,
                              .placement = *placement_});

    limiter_ = std::make_unique<ratelimit::Limiter>(app.redis(), limit_);
    prometheus::Counter* limit_errors = &metrics::SingleCounter(
        app.metrics(), "ipraktik_participant_web_rate_limit_errors_total",
        "Requests let through because Redis could not decide their rate limit");
    // The bucket is named by a keyed digest of the address: no address is stored.
    Admit admit = [this, secret, limit_errors](const std::string& address) {
      if (!limit_.enabled()) return true;
      const std::string bucket =
          absl::StrCat(kBucketSpace, ":client:", tokens::Digest(secret, address).substr(0, 32));
      auto decision = limiter_->Take(kBucketSpace, bucket);
      if (!decision.ok()) {
        limit_errors->Increment();
        return true;
      }
      return decision->allowed;
    };
    auto http = HttpServer::Start(http_, *site_, std::move(admit), &app.metrics(), app.logger());
    if (!http.ok()) return http.status();
    http_server_ = *std::move(http);
    app.logger().Info("participant pages listening",
                      {{"http_address", http_.address.host}, {"http_port", http_server_->port()}});
    app.OnShutdown("http", [this] { http_server_->Stop(); });
    return absl::OkStatus();
  }

 private:
  HttpOptions http_;
  ratelimit::Limit limit_;
  config::HostPort registration_;
  config::HostPort evaluation_;
  config::HostPort notification_;
  std::chrono::milliseconds call_timeout_{5000};
  std::string files_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<CsrfTokens> csrf_;
  std::unique_ptr<Site> site_;
  std::unique_ptr<GrpcApprovalBackend> approval_;
  std::unique_ptr<GrpcEvaluationBackend> evaluation_backend_;
  std::unique_ptr<GrpcPlacementBackend> placement_;
  std::unique_ptr<ratelimit::Limiter> limiter_;
  std::unique_ptr<HttpServer> http_server_;
};

}  // namespace

int main(int argc, char** argv) {
  ParticipantWeb service;
  return server::RunService(
      argc, argv,
      {.name = "participant-web",
       .description = "Participant pages: the approval, evaluation and placement links' web pages",
       .default_grpc_address = "127.0.0.1:7106",
       .default_metrics_address = "127.0.0.1:9106",
       .needs = {server::Resource::kRedis}},
      service);
}
