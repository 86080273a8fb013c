#pragma once

// The participant pages' HTTP server: civetweb (Debian's libcivetweb-dev, which prometheus-cpp's
// /metrics endpoint already runs on) in front of the Site. What it does for every request before
// the site sees it, and after:
//   - the client's address (the socket's, or with forwarded_for the last address of
//     X-Forwarded-For, which the trusted proxy in front appends), for its rate limit: over it,
//     429 and nothing else happens;
//   - the body's size: over max_body_bytes, 413 without reading it;
//   - the site's response with the security headers (domain/http.h);
//   - counts: ipraktik_participant_web_requests_total{page,status} and the time taken
//     (ipraktik_participant_web_request_seconds{page}); pages are route names, never addresses.
// It logs no address and no token: at most the page, the status and the time taken.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "domain/site.h"
#include "ipraktik/config/config.h"
#include "ipraktik/logging/logger.h"

struct mg_connection;
struct mg_context;

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Histogram;
}  // namespace prometheus

namespace ipraktik::participant_web {

struct HttpOptions {
  config::HostPort address;
  int threads = 8;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds request_timeout{10'000};
  // Take the client's address from the last X-Forwarded-For entry (only behind a proxy that
  // sets it; otherwise a client could choose its own bucket).
  bool forwarded_for = false;
};

// Whether a client (by address) may make one more request now; true when it may.
using Admit = std::function<bool(const std::string& client_address)>;

class HttpServer {
 public:
  // Serves site at options.address; admit decides every request's rate limit. metrics may be
  // null. Everything given must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                           const Site& site, Admit admit,
                                                           prometheus::Registry* metrics,
                                                           const logging::Logger& logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port it listens on (the chosen one for port 0).
  int port() const { return port_; }
  // Stops accepting and waits for the requests in progress. Also done by the destructor.
  void Stop();

 private:
  HttpServer(const HttpOptions& options, const Site& site, Admit admit,
             prometheus::Registry* metrics, const logging::Logger& logger);
  static int HandleRequest(mg_connection* connection, void* self);
  int Handle(mg_connection* connection);
  void Count(const std::string& page, int status, std::chrono::steady_clock::duration took);

  HttpOptions options_;
  const Site& site_;
  Admit admit_;
  const logging::Logger& logger_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

}  // namespace ipraktik::participant_web
