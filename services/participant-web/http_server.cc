#include "http_server.h"

#include <civetweb.h>

#include <cctype>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace ipraktik::participant_web {
namespace {

void Write(mg_connection* connection, const Response& response, bool head) {
  std::string text = absl::StrCat("HTTP/1.1 ", response.status, " ",
                                  std::string(ReasonPhrase(response.status)), "\r\n");
  absl::StrAppend(&text, "Content-Type: ", response.content_type, "\r\n");
  absl::StrAppend(&text, "Content-Length: ", response.body.size(), "\r\n");
  for (const auto& [name, value] : SecurityHeaders(response.cacheable)) {
    absl::StrAppend(&text, name, ": ", value, "\r\n");
  }
  for (const auto& [name, value] : response.headers)
    absl::StrAppend(&text, name, ": ", value, "\r\n");
  absl::StrAppend(&text, "Connection: close\r\n\r\n");
  mg_write(connection, text.data(), text.size());
  if (!head && !response.body.empty()) {
    mg_write(connection, response.body.data(), response.body.size());
  }
}

std::string ClientAddress(const mg_request_info& info, bool forwarded_for) {
  if (forwarded_for) {
    for (int i = 0; i < info.num_headers; ++i) {
      if (absl::EqualsIgnoreCase(info.http_headers[i].name, "X-Forwarded-For")) {
        std::vector<absl::string_view> hops = absl::StrSplit(info.http_headers[i].value, ',');
        std::string last(absl::StripAsciiWhitespace(hops.back()));
        if (!last.empty()) return last;
      }
    }
  }
  return info.remote_addr;
}

// civetweb's own messages (a client that went away, a bad request line) may quote the request:
// they are dropped, never logged.
int QuietLog(const mg_connection* /*connection*/, const char* /*message*/) { return 1; }

}  // namespace

HttpServer::HttpServer(const HttpOptions& options, const Site& site, Admit admit,
                       prometheus::Registry* metrics, const logging::Logger& logger)
    : options_(options), site_(site), admit_(std::move(admit)), logger_(logger) {
  if (metrics != nullptr) {
    requests_ = &prometheus::BuildCounter()
                     .Name("ipraktik_participant_web_requests_total")
                     .Help("Requests to the participant pages, by page (route) and HTTP status")
                     .Register(*metrics);
    durations_ = &prometheus::BuildHistogram()
                      .Name("ipraktik_participant_web_request_seconds")
                      .Help("Time from a request's arrival to its answer, by page (route)")
                      .Register(*metrics);
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options,
                                                              const Site& site, Admit admit,
                                                              prometheus::Registry* metrics,
                                                              const logging::Logger& logger) {
  std::unique_ptr<HttpServer> server(
      new HttpServer(options, site, std::move(admit), metrics, logger));
  mg_init_library(0);
  const std::string ports = options.address.ToString();
  const std::string threads = std::to_string(options.threads);
  const std::string timeout = std::to_string(options.request_timeout.count());
  const char* settings[] = {
      "listening_ports", ports.c_str(),       "num_threads", threads.c_str(), "request_timeout_ms",
      timeout.c_str(),   "enable_keep_alive", "no",          nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = QuietLog;
  server->context_ = mg_start(&callbacks, server.get(), settings);
  if (server->context_ == nullptr) {
    mg_exit_library();
    return absl::UnavailableError(absl::StrCat("the participant pages cannot listen on ", ports,
                                               " (taken, or not an address)"));
  }
  mg_set_request_handler(server->context_, "/", &HttpServer::HandleRequest, server.get());
  mg_server_port bound[4]{};
  int count = mg_get_server_ports(server->context_, 4, bound);
  if (count > 0) server->port_ = bound[0].port;
  return server;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (context_ == nullptr) return;
  mg_stop(context_);
  context_ = nullptr;
  mg_exit_library();
}

int HttpServer::HandleRequest(mg_connection* connection, void* self) {
  return static_cast<HttpServer*>(self)->Handle(connection);
}

void HttpServer::Count(const std::string& page, int status,
                       std::chrono::steady_clock::duration took) {
  if (requests_ != nullptr) {
    requests_->Add({{"page", page}, {"status", std::to_string(status)}}).Increment();
  }
  if (durations_ != nullptr) {
    durations_
        ->Add({{"page", page}}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05,
                                                                        0.1, 0.25, 0.5, 1, 2.5, 5})
        .Observe(std::chrono::duration<double>(took).count());
  }
}

int HttpServer::Handle(mg_connection* connection) {
  const auto started = std::chrono::steady_clock::now();
  const mg_request_info* info = mg_get_request_info(connection);
  Request request;
  request.method = info->request_method != nullptr ? info->request_method : "";
  request.path = info->local_uri != nullptr ? info->local_uri : "";
  for (int i = 0; i < info->num_headers; ++i) {
    request.headers[absl::AsciiStrToLower(info->http_headers[i].name)] =
        info->http_headers[i].value != nullptr ? info->http_headers[i].value : "";
  }
  const bool head = request.method == "HEAD";
  const model::Language language = BrowserLanguage(request.Header("accept-language"));
  auto answer = [&](const Response& response, const std::string& page) {
    Write(connection, response, head);
    Count(page, response.status, std::chrono::steady_clock::now() - started);
    if (response.status >= 500) {
      logger_.Warning("page failed", {{"page", page}, {"status", response.status}});
    }
    return response.status;
  };

  if (admit_ && !admit_(ClientAddress(*info, options_.forwarded_for))) {
    return answer(ProblemPage(site_.views(), Problem::kRateLimited, language), "limited");
  }
  if (info->content_length > static_cast<long long>(options_.max_body_bytes)) {
    return answer(ProblemPage(site_.views(), Problem::kTooLarge, language), "too_large");
  }
  // The body, up to one byte over the limit (a body sent without a length is read until then).
  std::string body;
  char buffer[8192];
  while (body.size() <= options_.max_body_bytes) {
    int read = mg_read(connection, buffer, sizeof buffer);
    if (read <= 0) break;
    body.append(buffer, static_cast<std::size_t>(read));
  }
  if (body.size() > options_.max_body_bytes) {
    return answer(ProblemPage(site_.views(), Problem::kTooLarge, language), "too_large");
  }
  request.body = std::move(body);
  Handled handled = site_.Handle(request, absl::Now());
  return answer(handled.response, handled.page);
}

}  // namespace ipraktik::participant_web
