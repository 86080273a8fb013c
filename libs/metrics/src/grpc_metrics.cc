#include "ipraktik/metrics/grpc_metrics.h"

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "grpcpp/support/interceptor.h"
#include "grpcpp/support/status.h"
#include "ipraktik/metrics/counters.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace ipraktik::metrics {
namespace {

using Clock = std::chrono::steady_clock;
using grpc::experimental::InterceptionHookPoints;

constexpr int kCodeCount = grpc::StatusCode::UNAUTHENTICATED + 1;

// From half a millisecond (a cache hit) to half a minute (a large import).
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

// The metric children of one method, looked up once per method rather than once per call.
class MethodMetrics {
 public:
  MethodMetrics(prometheus::Family<prometheus::Counter>& started,
                prometheus::Family<prometheus::Counter>& handled,
                prometheus::Family<prometheus::Counter>& errors,
                prometheus::Family<prometheus::Histogram>& latency, const std::string& method)
      : handled_(handled), errors_(errors) {
    // "/ipraktik.v1.RegistrationService/CreateRound"
    auto slash = method.rfind('/');
    labels_ = {{"grpc_service",
                method.substr(method.empty() ? 0 : 1, slash == std::string::npos ? 0 : slash - 1)},
               {"grpc_method", slash == std::string::npos ? method : method.substr(slash + 1)}};
    started_ = &started.Add(labels_);
    latency_ = &latency.Add(labels_, kLatencyBuckets);
  }

  void Start() { started_->Increment(); }

  void Finish(grpc::StatusCode code, double seconds) {
    latency_->Observe(seconds);
    int index = code >= 0 && code < kCodeCount ? code : grpc::StatusCode::UNKNOWN;
    std::lock_guard lock(mutex_);
    if (handled_by_code_[index] == nullptr) {
      auto labels = labels_;
      labels["grpc_code"] = absl::StatusCodeToString(static_cast<absl::StatusCode>(index));
      handled_by_code_[index] = &handled_.Add(labels);
      if (index != grpc::StatusCode::OK) errors_by_code_[index] = &errors_.Add(labels);
    }
    handled_by_code_[index]->Increment();
    if (errors_by_code_[index] != nullptr) errors_by_code_[index]->Increment();
  }

 private:
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Labels labels_;
  prometheus::Counter* started_ = nullptr;
  prometheus::Histogram* latency_ = nullptr;
  std::mutex mutex_;
  std::array<prometheus::Counter*, kCodeCount> handled_by_code_{};
  std::array<prometheus::Counter*, kCodeCount> errors_by_code_{};
};

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(MethodMetrics& method, prometheus::Gauge& in_flight)
      : method_(method), in_flight_(in_flight), start_(Clock::now()) {
    method_.Start();
    in_flight_.Increment();
  }

  ~MetricsInterceptor() override {
    // A call that ends without sending a status was cancelled (by the client or the shutdown).
    if (!finished_) Finish(grpc::StatusCode::CANCELLED);
    in_flight_.Decrement();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (!finished_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Finish(grpc::StatusCode code) {
    finished_ = true;
    method_.Finish(code, std::chrono::duration<double>(Clock::now() - start_).count());
  }

  MethodMetrics& method_;
  prometheus::Gauge& in_flight_;
  Clock::time_point start_;
  bool finished_ = false;
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(prometheus::Registry& registry)
      : started_(
            CounterFamily(registry, "grpc_server_started_total", "gRPC calls begun on the server")),
        handled_(CounterFamily(registry, "grpc_server_handled_total",
                               "gRPC calls finished on the server, by status code")),
        errors_(CounterFamily(registry, "grpc_server_errors_total",
                              "gRPC calls finished with a status other than OK")),
        latency_(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Time from the start of a gRPC call to its status being sent")
                     .Register(registry)),
        in_flight_(prometheus::BuildGauge()
                       .Name("grpc_server_in_flight")
                       .Help("gRPC calls under way on the server")
                       .Register(registry)
                       .Add({})) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // gRPC takes ownership of the interceptor and deletes it at the end of the call.
    return new MetricsInterceptor(MethodFor(info->method() ? info->method() : ""), in_flight_);
  }

 private:
  MethodMetrics& MethodFor(const std::string& method) {
    std::lock_guard lock(mutex_);
    auto found = methods_.find(method);
    if (found == methods_.end()) {
      found = methods_
                  .try_emplace(method, std::make_unique<MethodMetrics>(started_, handled_, errors_,
                                                                       latency_, method))
                  .first;
    }
    return *found->second;
  }

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& in_flight_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<MethodMetrics>> methods_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeServerMetricsInterceptorFactory(prometheus::Registry& registry) {
  return std::make_unique<MetricsInterceptorFactory>(registry);
}

}  // namespace ipraktik::metrics
