#include "ipraktik/server/call_guard.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "ipraktik/audit/declaration.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/server/calls.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/registry.h"

namespace ipraktik::server {

ratelimit::Limit ReadRateLimit(config::Reader& reader) {
  ratelimit::Limit limit;
  limit.per_second = static_cast<int>(
      reader.Int("IPRAKTIK_RATE_LIMIT_PER_SECOND", 100, 0, 1'000'000,
                 "Calls per second each caller (API key; the tenant before keys) may make to "
                 "this service, shared by all its replicas; 0 turns the limit off."));
  limit.burst = static_cast<int>(
      reader.Int("IPRAKTIK_RATE_LIMIT_BURST", 200, 1, 1'000'000,
                 "Calls a caller may make at once before the per-second rate applies."));
  return limit;
}

CallGuard::CallGuard(store::Pool& redis, Options options, logging::Logger logger)
    : service_(std::move(options.service)),
      limiter_(redis, options.limit),
      log_(redis),
      clock_(std::move(options.clock)),
      logger_(std::move(logger)) {
  if (options.metrics == nullptr) return;
  limited_ = &prometheus::BuildCounter()
                  .Name("ipraktik_rate_limited_total")
                  .Help(
                      "Calls refused RESOURCE_EXHAUSTED because the caller's rate limit was "
                      "reached, by tenant")
                  .Register(*options.metrics);
  limit_errors_ = &prometheus::BuildCounter()
                       .Name("ipraktik_rate_limit_errors_total")
                       .Help("Calls let through because Redis could not decide their rate limit")
                       .Register(*options.metrics)
                       .Add({});
  entries_ = &prometheus::BuildCounter()
                  .Name("ipraktik_audit_entries_total")
                  .Help("Audit log entries written, by kind")
                  .Register(*options.metrics);
  write_failures_ = &prometheus::BuildCounter()
                         .Name("ipraktik_audit_write_failures_total")
                         .Help("Audit log entries that could not be written")
                         .Register(*options.metrics)
                         .Add({});
}

absl::Status CallGuard::Admit(const CallContext& call) const {
  if (!limiter_.limit().enabled()) return absl::OkStatus();
  // Per service and key; participants' calls (no key) share their tenant's bucket.
  std::string bucket =
      service_ + (call.key_id.empty() ? std::string(":tenant") : ":key:" + call.key_id);
  std::optional<absl::Time> now;
  if (clock_) now = clock_();
  auto decision = limiter_.Take(call.tenant, bucket, now);
  if (!decision.ok()) {
    if (limit_errors_ != nullptr) limit_errors_->Increment();
    return absl::OkStatus();
  }
  if (decision->allowed) return absl::OkStatus();
  if (limited_ != nullptr) limited_->Add({{"tenant", call.tenant}}).Increment();
  const auto& limit = limiter_.limit();
  return errors::ResourceExhausted(
      absl::StrCat("rate limit reached: ", limit.per_second, " calls per second (bursts of ",
                   limit.burst, "); retry after the RetryInfo delay"),
      decision->retry_after);
}

absl::Status CallGuard::Record(const CallContext& call, const google::protobuf::Message& request,
                               const absl::Status& outcome,
                               const google::protobuf::Message* response,
                               std::vector<audit::Count> counts) const {
  audit::Declaration declared = audit::DeclarationOf(*request.GetDescriptor());
  if (!declared.audited()) return absl::OkStatus();
  audit::Entry entry{.kind = audit::KindName(declared.kind),
                     .method = declared.method,
                     .key_id = call.key_id,
                     .role = v1::AccessRole_Name(call.role),
                     .object_ids = audit::ObjectIdsOf(request),
                     .peer = call.peer,
                     .correlation_id = call.correlation_id,
                     .outcome = outcome.ok() ? "OK" : absl::StatusCodeToString(outcome.code()),
                     .counts = std::move(counts)};
  if (response != nullptr && declared.kind == v1::AUDIT_KIND_PRIVILEGED) {
    for (audit::ObjectId& id : audit::ObjectIdsOf(*response)) {
      if (entry.object_ids.size() >= audit::kMaxObjectIds) break;
      // An id the request named already (under any field) is not repeated.
      if (std::none_of(entry.object_ids.begin(), entry.object_ids.end(),
                       [&](const audit::ObjectId& named) { return named.second == id.second; })) {
        entry.object_ids.push_back(std::move(id));
      }
    }
  }
  auto written = log_.Append(call.tenant, entry);
  if (written.ok()) {
    if (entries_ != nullptr) entries_->Add({{"kind", entry.kind}}).Increment();
    return absl::OkStatus();
  }
  if (write_failures_ != nullptr) write_failures_->Increment();
  logger_.WithTenant(call.tenant)
      .WithCorrelationId(call.correlation_id)
      .Error("audit entry not written", {{"method", MethodName(request.GetDescriptor()->name())},
                                         {"error", std::string(written.status().message())}});
  if (outcome.ok() && declared.kind == v1::AUDIT_KIND_PERSONAL_READ) {
    return absl::UnavailableError(
        "the read could not be recorded in the audit log, so its data is not sent; retry later");
  }
  return absl::OkStatus();
}

absl::Status Calls::Admit(const CallContext& call) const {
  return guard_ == nullptr ? absl::OkStatus() : guard_->Admit(call);
}

bool Calls::Limits() const { return guard_ != nullptr && guard_->limits(); }

absl::Status Calls::Record(const CallContext& call, const google::protobuf::Message& request,
                           const absl::Status& outcome, const google::protobuf::Message* response,
                           std::vector<audit::Count> counts) const {
  return guard_ == nullptr ? absl::OkStatus()
                           : guard_->Record(call, request, outcome, response, std::move(counts));
}

}  // namespace ipraktik::server
