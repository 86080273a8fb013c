#pragma once

// The one shell every gRPC handler of every service runs in. It decides who the call acts for
// (Open: the API key of its "authorization: Bearer" metadata against the roles the RPC declares
// in its .proto, libs/access; the one door every call passes) and its deadline, hands the domain
// call to the service's bounded Executor so that gRPC's callback threads never block on Redis,
// RabbitMQ or another service, runs it under the call's deadline (so the store and the bus do not
// wait past it, libs/deadline), finishes the call with the result and logs the faults that are the
// server's, with one list of codes (IsServerFault).
//
//   Reactor* GetRound(Context* context, const v1::GetRoundRequest* request,
//                     v1::GetRoundResponse* response) override {
//     return calls_.Unary(context, request, response,
//                         [this](const server::CallContext& call, const v1::GetRoundRequest& q) {
//                           return registrar_.GetRound(CallerOf(call), q);   // on a worker
//                         });
//   }
//
// Streaming handlers Open the call with CallShape::kStream, then do each blocking step (one
// received message's work, producing one message to send) through Run, which gives each step its
// own deadline (see registration_service.cc's import and export).

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "ipraktik/access/authenticator.h"
#include "ipraktik/audit/audit.h"
#include "ipraktik/logging/logger.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/call_context.h"
#include "ipraktik/server/executor.h"

namespace ipraktik::server {

class CallGuard;

// INTERNAL, UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN and DATA_LOSS: the server's fault, worth an
// error log line; the caller's mistakes (INVALID_ARGUMENT, NOT_FOUND, ...) are not, and neither is
// RESOURCE_EXHAUSTED from a full queue (counted by ipraktik_handler_rejected_total instead: a log
// line per refused call would add load exactly when there is too much).
bool IsServerFault(const absl::Status& status);

// The method's name for logs: "GetRound" for GetRoundRequest.
std::string MethodName(std::string_view request_type);

class Calls {
 public:
  // Work for Run: called exactly once, with OK on a worker thread under the call's deadline, or
  // with why it will not run (RESOURCE_EXHAUSTED: the queue is full; DEADLINE_EXCEEDED: the
  // deadline passed before a worker was free) on whichever thread found out.
  using Step = absl::AnyInvocable<void(absl::Status ready) &&>;

  // executor and authenticator (and guard, when given: rate limits and the audit log,
  // call_guard.h) must outlive this and every call started through it.
  Calls(Executor& executor, DeadlinePolicy deadlines, logging::Logger logger,
        const access::Authenticator& authenticator, const CallGuard* guard = nullptr);

  // The start of every call of the RPC that takes request_type: who calls (UNAUTHENTICATED
  // without a valid key, PERMISSION_DENIED for a role the RPC does not declare; see
  // access::Authenticator), its tenant (the key's), correlation id and deadline
  // (INVALID_ARGUMENT for bad metadata; DEADLINE_EXCEEDED when the deadline passed before the
  // call arrived). Streams open with CallShape::kStream: their deadline applies per step
  // (DeadlinePolicy).
  absl::StatusOr<CallContext> Open(grpc::ServerContextBase& context,
                                   const google::protobuf::Descriptor& request_type,
                                   CallShape shape = CallShape::kUnary) const;
  template <typename Request>
  absl::StatusOr<CallContext> Open(grpc::ServerContextBase& context,
                                   CallShape shape = CallShape::kUnary) const {
    return Open(context, *Request::descriptor(), shape);
  }

  // Open for a call with a request, which must also keep to the limits every request keeps
  // (CheckRequestLimits, request_limits.h): an oversized one is refused before any lookup.
  absl::StatusOr<CallContext> Open(grpc::ServerContextBase& context,
                                   const google::protobuf::Message& request,
                                   CallShape shape = CallShape::kUnary) const;

  // Runs step on the executor under the deadline of a step of call starting now
  // (CallContext::StepDeadline; the whole deadline for a unary call), see Step.
  void Run(const CallContext& call, Step step) const;

  // Run for a stream's next step: step() on a worker, or failed(why) when it will not run.
  void RunOr(const CallContext& call, absl::AnyInvocable<void() &&> step,
             absl::AnyInvocable<void(absl::Status) &&> failed) const {
    Run(call, [step = std::move(step), failed = std::move(failed)](absl::Status ready) mutable {
      if (ready.ok()) {
        std::move(step)();
      } else {
        std::move(failed)(std::move(ready));
      }
    });
  }

  // A unary call whose domain call, domain(call, request) -> absl::StatusOr<Response>, runs on
  // the executor.
  template <typename Request, typename Response, typename Domain>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, const Request* request,
                                  Response* response, Domain domain) const {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    auto call = Open(*context, *request);
    if (!call.ok()) {
      reactor->Finish(rpc_status::ToGrpcStatus(call.status()));
      return reactor;
    }
    // The call may finish on a worker before this returns: gRPC allows that.
    Run(*call, [this, reactor, request, response, call = *call,
                domain = std::move(domain)](absl::Status ready) mutable {
      if (ready.ok()) ready = Admit(call);
      if (!ready.ok()) {
        Finish<Request>(reactor, call, response, std::move(ready));
        return;
      }
      absl::StatusOr<Response> result = domain(std::as_const(call), *request);
      Finish<Request>(reactor, call, response, Audited(call, *request, std::move(result)));
    });
    return reactor;
  }

  // A unary call served by a domain object's method, as every service's handlers are:
  // (object.*method)(to_caller(call), request) on the executor. object must outlive the call.
  template <typename Request, typename Response, typename Object, typename Caller,
            typename ToCaller>
  grpc::ServerUnaryReactor* UnaryOn(grpc::CallbackServerContext* context, const Request* request,
                                    Response* response, Object& object,
                                    absl::StatusOr<Response> (Object::*method)(const Caller&,
                                                                               const Request&),
                                    ToCaller to_caller) const {
    return Unary(context, request, response,
                 [&object, method, to_caller = std::move(to_caller)](const CallContext& call,
                                                                     const Request& q) {
                   return (object.*method)(to_caller(call), q);
                 });
  }

  // A unary call whose domain call finishes elsewhere, e.g. in a batch:
  // start(call, request, done) either takes it and returns OK (then done gets the result once,
  // on any thread) or returns why not (e.g. RESOURCE_EXHAUSTED from its own bounded queue).
  template <typename Request, typename Response, typename Start>
  grpc::ServerUnaryReactor* UnaryElsewhere(grpc::CallbackServerContext* context,
                                           const Request* request, Response* response,
                                           Start start) const {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    auto call = Open(*context, *request);
    if (!call.ok()) {
      reactor->Finish(rpc_status::ToGrpcStatus(call.status()));
      return reactor;
    }
    auto done = [this, reactor, request, response, call = *call](absl::StatusOr<Response> result) {
      Finish<Request>(reactor, call, response, Audited(call, *request, std::move(result)));
    };
    if (!Limits()) {
      if (absl::Status taken = start(*call, *request, done); !taken.ok()) done(taken);
      return reactor;
    }
    // The rate limit asks Redis: on a handler thread, not gRPC's (one hop through the executor
    // before the call goes where it goes). A refusal is no domain call's outcome, so it is not
    // audited.
    Run(*call, [this, reactor, request, response, call = *call, start = std::move(start),
                done = std::move(done)](absl::Status ready) mutable {
      if (ready.ok()) ready = Admit(call);
      if (!ready.ok()) {
        Finish<Request>(reactor, call, response, std::move(ready));
        return;
      }
      if (absl::Status taken = start(call, *request, done); !taken.ok()) done(taken);
    });
    return reactor;
  }

  // Finishes a unary call with its domain call's result: the response, or the error (logged when
  // it is the server's fault).
  template <typename Request, typename Response>
  void Finish(grpc::ServerUnaryReactor* reactor, const CallContext& call, Response* response,
              std::type_identity_t<absl::StatusOr<Response>> result) const {
    if (!result.ok()) {
      LogServerFault(call, Request::descriptor()->name(), result.status());
      reactor->Finish(rpc_status::ToGrpcStatus(result.status()));
      return;
    }
    *response = *std::move(result);
    reactor->Finish(grpc::Status::OK);
  }

  // The guard's rate limit (OK without a guard), see call_guard.h; streams call it in their first
  // step. Limits(): whether Admit may refuse (a guard with a limit).
  absl::Status Admit(const CallContext& call) const;
  bool Limits() const;
  // The domain call's result after the guard recorded it in the audit log when its RPC declares
  // that (call_guard.h): the result, or why a personal read is not answered. Streams call Record
  // when they end.
  template <typename Response>
  absl::StatusOr<Response> Audited(const CallContext& call,
                                   const google::protobuf::Message& request,
                                   absl::StatusOr<Response> result) const {
    if (absl::Status recorded =
            Record(call, request, result.status(), result.ok() ? &*result : nullptr);
        !recorded.ok()) {
      return recorded;
    }
    return result;
  }
  absl::Status Record(const CallContext& call, const google::protobuf::Message& request,
                      const absl::Status& outcome,
                      const google::protobuf::Message* response = nullptr,
                      std::vector<audit::Count> counts = {}) const;

  // Logs a failed call (method: its request type's name) when IsServerFault(status).
  void LogServerFault(const CallContext& call, std::string_view request_type,
                      const absl::Status& status) const;

  // The service's logger with the call's tenant and correlation id.
  logging::Logger LoggerFor(const CallContext& call) const;

 private:
  Executor& executor_;
  DeadlinePolicy deadlines_;
  logging::Logger logger_;
  const access::Authenticator* authenticator_;
  const CallGuard* guard_ = nullptr;
};

}  // namespace ipraktik::server
