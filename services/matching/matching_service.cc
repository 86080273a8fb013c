#include "matching_service.h"

#include <utility>

#include "ipraktik/rpc_status/rpc_status.h"

namespace ipraktik::matching_service {
namespace {

Caller CallerOf(const server::CallContext& call) {
  return {.tenant = call.tenant, .correlation_id = call.correlation_id, .deadline = call.deadline};
}

// Writes a finished job's stored result parts, reading each (on a handler thread) only when the
// previous one was sent.
class ResultReactor final : public grpc::ServerWriteReactor<v1::GetMatchingResultResponse> {
 public:
  ResultReactor(Coordinator& coordinator, const server::Calls& calls,
                absl::StatusOr<server::CallContext> call,
                const v1::GetMatchingResultRequest& request)
      : coordinator_(coordinator), calls_(calls), request_(request) {
    if (!call.ok()) {
      Finish(rpc_status::ToGrpcStatus(call.status()));
      return;
    }
    call_ = *std::move(call);
    caller_ = CallerOf(call_);
    calls_.RunOr(
        call_,
        [this] {
          if (absl::Status admitted = calls_.Admit(call_); !admitted.ok()) return End(admitted);
          admitted_ = true;
          auto result = coordinator_.ResultOf(caller_, request_);
          if (!result.ok()) return End(result.status());
          result_ = *std::move(result);
          WriteNext();
        },
        [this](absl::Status why) { End(why); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(absl::CancelledError("the client went away"));
      return;
    }
    calls_.RunOr(
        call_, [this] { WriteNext(); }, [this](absl::Status why) { End(why); });
  }

  void OnDone() override { delete this; }

 private:
  // On a handler thread: reads the next part and starts writing it.
  void WriteNext() {
    if (next_ >= result_.job.result_parts) {
      End(absl::OkStatus());
      return;
    }
    auto part = coordinator_.ResultPart(caller_, result_, next_++);
    if (!part.ok()) {
      End(part.status());
      return;
    }
    message_ = *std::move(part);
    StartWrite(&message_);
  }

  // On a handler thread (the audit entry its RPC declares goes to Redis, with how it ended).
  void End(absl::Status status) {
    if (admitted_) {
      if (absl::Status recorded = calls_.Record(call_, request_, status); !recorded.ok()) {
        status = recorded;
      }
    }
    calls_.LogServerFault(call_, v1::GetMatchingResultRequest::descriptor()->name(), status);
    Finish(rpc_status::ToGrpcStatus(status));
  }

  Coordinator& coordinator_;
  const server::Calls& calls_;
  server::CallContext call_;
  const v1::GetMatchingResultRequest& request_;  // gRPC keeps it until OnDone
  bool admitted_ = false;
  Caller caller_;
  ResultStream result_;
  int next_ = 0;
  v1::GetMatchingResultResponse message_;
};

}  // namespace

MatchingServiceImpl::MatchingServiceImpl(Coordinator& coordinator, server::Calls calls)
    : coordinator_(coordinator), calls_(std::move(calls)) {}

#define IPRAKTIK_UNARY(Method)                                                    \
  MatchingServiceImpl::Reactor* MatchingServiceImpl::Method(                      \
      Context* c, const v1::Method##Request* q, v1::Method##Response* r) {        \
    return calls_.UnaryOn(c, q, r, coordinator_, &Coordinator::Method, CallerOf); \
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
IPRAKTIK_UNARY(GetRoundOverview)

#undef IPRAKTIK_UNARY

grpc::ServerWriteReactor<v1::GetMatchingResultResponse>* MatchingServiceImpl::GetMatchingResult(
    Context* context, const v1::GetMatchingResultRequest* request) {
  return new ResultReactor(coordinator_, calls_,
                           calls_.Open(*context, *request, server::CallShape::kStream), *request);
}

}  // namespace ipraktik::matching_service
