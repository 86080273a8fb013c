#include "matching_service.h"

#include <utility>

#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/unary.h"

namespace ipraktik::matching_service {
namespace {

Caller CallerOf(const server::CallContext& call) {
  return {.tenant = call.tenant, .correlation_id = call.correlation_id, .deadline = call.deadline};
}

// Writes a finished job's stored result parts, reading the next only when the previous was sent.
class ResultReactor final : public grpc::ServerWriteReactor<v1::GetMatchingResultResponse> {
 public:
  ResultReactor(Coordinator& coordinator, Caller caller, absl::StatusOr<jobs::JobRecord> job)
      : coordinator_(coordinator), caller_(std::move(caller)) {
    if (!job.ok()) {
      Finish(rpc_status::ToGrpcStatus(job.status()));
      return;
    }
    job_ = *std::move(job);
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    if (next_ >= job_.result_parts) {
      Finish(grpc::Status::OK);
      return;
    }
    auto part = coordinator_.ResultPart(caller_, job_, next_++);
    if (!part.ok()) {
      Finish(rpc_status::ToGrpcStatus(part.status()));
      return;
    }
    message_ = *std::move(part);
    StartWrite(&message_);
  }

  Coordinator& coordinator_;
  Caller caller_;
  jobs::JobRecord job_;
  int next_ = 0;
  v1::GetMatchingResultResponse message_;
};

}  // namespace

MatchingServiceImpl::MatchingServiceImpl(Coordinator& coordinator, logging::Logger logger,
                                         server::DeadlinePolicy deadlines)
    : coordinator_(coordinator), logger_(std::move(logger)), deadlines_(deadlines) {}

template <typename Request, typename Response>
MatchingServiceImpl::Reactor* MatchingServiceImpl::Unary(
    Context* context, const Request* request, Response* response,
    absl::StatusOr<Response> (Coordinator::*method)(const Caller&, const Request&)) {
  return server::ServeUnary(context, deadlines_, logger_, Request::descriptor()->name(), response,
                            [&](const server::CallContext& call) {
                              return (coordinator_.*method)(CallerOf(call), *request);
                            });
}

#define IPRAKTIK_UNARY(Method)                                             \
  MatchingServiceImpl::Reactor* MatchingServiceImpl::Method(               \
      Context* c, const v1::Method##Request* q, v1::Method##Response* r) { \
    return Unary(c, q, r, &Coordinator::Method);                           \
  }

IPRAKTIK_UNARY(RequestMatching)
IPRAKTIK_UNARY(GetMatchingJob)
IPRAKTIK_UNARY(ListMatchingJobs)
IPRAKTIK_UNARY(PublishMatching)
IPRAKTIK_UNARY(SetPairRule)
IPRAKTIK_UNARY(DeletePairRule)
IPRAKTIK_UNARY(ListPairRules)
IPRAKTIK_UNARY(RecordPlacementChange)
IPRAKTIK_UNARY(ListPlacements)

#undef IPRAKTIK_UNARY

grpc::ServerWriteReactor<v1::GetMatchingResultResponse>* MatchingServiceImpl::GetMatchingResult(
    Context* context, const v1::GetMatchingResultRequest* request) {
  auto call = server::ReadCallContext(*context, deadlines_);
  if (!call.ok()) {
    return new ResultReactor(coordinator_, {}, call.status());
  }
  Caller caller = CallerOf(*call);
  auto job = coordinator_.ResultOf(caller, *request);
  return new ResultReactor(coordinator_, std::move(caller), std::move(job));
}

}  // namespace ipraktik::matching_service
