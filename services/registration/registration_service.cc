#include "registration_service.h"

#include <memory>

#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/status.h"
#include "ipraktik/server/unary.h"
#include "snapshot_export.h"

namespace ipraktik::registration {
namespace {

Caller CallerOf(const server::CallContext& call) {
  return {.tenant = call.tenant, .correlation_id = call.correlation_id};
}

// Reads the import stream: the first message names the round (checked once), every message's
// rows are signed up as they arrive.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportSignUpsRequest> {
 public:
  ImportReactor(Registrar& registrar, server::CallContext call, v1::ImportSignUpsResponse* summary,
                logging::Logger logger)
      : registrar_(registrar),
        call_(std::move(call)),
        summary_(summary),
        logger_(std::move(logger)) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending
      logger_.Info("import finished", {{"round_id", round_id_},
                                       {"rows", summary_->rows_received()},
                                       {"created", summary_->applications_created()},
                                       {"updated", summary_->applications_updated()},
                                       {"failed", summary_->rows_failed()}});
      Finish(grpc::Status::OK);
      return;
    }
    Caller caller = CallerOf(call_);
    if (first_) {
      first_ = false;
      round_id_ = request_.round_id();
      if (absl::Status status = registrar_.StartImport(caller, round_id_); !status.ok()) {
        Finish(rpc_status::ToGrpcStatus(status));
        return;
      }
    }
    registrar_.ImportRows(caller, round_id_, request_.rows(), *summary_);
    request_.Clear();
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  Registrar& registrar_;
  server::CallContext call_;
  v1::ImportSignUpsResponse* summary_;
  logging::Logger logger_;
  v1::ImportSignUpsRequest request_;
  std::string round_id_;
  bool first_ = true;
};

// Writes the snapshot; the next message is produced when the previous one was sent.
class ExportReactor final : public grpc::ServerWriteReactor<v1::ExportRoundSnapshotResponse> {
 public:
  ExportReactor(Registrar& registrar, absl::StatusOr<std::unique_ptr<SnapshotExport>> exporter,
                logging::Logger logger)
      : registrar_(registrar), logger_(std::move(logger)) {
    if (!exporter.ok()) {
      End(exporter.status());
      return;
    }
    exporter_ = *std::move(exporter);
    WriteNext();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(absl::CancelledError("the client went away during the export"));
      return;
    }
    WriteNext();
  }

  void OnDone() override { delete this; }

 private:
  void WriteNext() {
    auto next = exporter_->Next();
    if (!next.ok()) {
      End(next.status());
    } else if (!next->has_value()) {
      End(absl::OkStatus());
    } else {
      message_ = **std::move(next);
      ++messages_;
      StartWrite(&message_);
    }
  }

  void End(const absl::Status& status) {
    registrar_.RecordExport(status.ok());
    if (!status.ok() && exporter_ != nullptr) {
      logger_.Warning("snapshot export failed",
                      {{"error", std::string(status.message())}, {"messages_sent", messages_}});
    }
    Finish(rpc_status::ToGrpcStatus(status));
  }

  Registrar& registrar_;
  logging::Logger logger_;
  std::unique_ptr<SnapshotExport> exporter_;
  v1::ExportRoundSnapshotResponse message_;
  int messages_ = 0;
};

}  // namespace

RegistrationServiceImpl::RegistrationServiceImpl(Registrar& registrar, logging::Logger logger,
                                                 server::DeadlinePolicy deadlines,
                                                 SignUpBatcherOptions sign_up_batches)
    : registrar_(registrar),
      logger_(std::move(logger)),
      deadlines_(deadlines),
      sign_ups_(registrar, sign_up_batches) {}

RegistrationServiceImpl::Reactor* RegistrationServiceImpl::SignUp(Context* context,
                                                                  const v1::SignUpRequest* request,
                                                                  v1::SignUpResponse* response) {
  auto call = server::ReadCallContext(*context, deadlines_);
  if (!call.ok()) return server::FinishUnary(context, call.status());
  // Finish may come from the batcher's thread before this returns: gRPC allows that.
  Reactor* reactor = context->DefaultReactor();
  Caller caller = CallerOf(*call);
  sign_ups_.Submit({.caller = std::move(caller),
                    .request = request,
                    .done = [this, reactor, response,
                             call = *std::move(call)](absl::StatusOr<v1::SignUpResponse> result) {
                      server::FinishWithResult(reactor, logger_, call,
                                               v1::SignUpRequest::descriptor()->name(), response,
                                               std::move(result));
                    }});
  return reactor;
}

template <typename Request, typename Response>
RegistrationServiceImpl::Reactor* RegistrationServiceImpl::Unary(
    Context* context, const Request* request, Response* response,
    absl::StatusOr<Response> (Registrar::*method)(const Caller&, const Request&)) {
  return server::ServeUnary(context, deadlines_, logger_, Request::descriptor()->name(), response,
                            [&](const server::CallContext& call) {
                              return (registrar_.*method)(CallerOf(call), *request);
                            });
}

#define IPRAKTIK_UNARY(Method)                                             \
  RegistrationServiceImpl::Reactor* RegistrationServiceImpl::Method(       \
      Context* c, const v1::Method##Request* q, v1::Method##Response* r) { \
    return Unary(c, q, r, &Registrar::Method);                             \
  }

IPRAKTIK_UNARY(CreateProgramme)
IPRAKTIK_UNARY(GetProgramme)
IPRAKTIK_UNARY(ListProgrammes)
IPRAKTIK_UNARY(UpdateProgramme)
IPRAKTIK_UNARY(CreateRound)
IPRAKTIK_UNARY(GetRound)
IPRAKTIK_UNARY(ListRounds)
IPRAKTIK_UNARY(UpdateRound)
IPRAKTIK_UNARY(TransitionRound)
IPRAKTIK_UNARY(CreateWorkplace)
IPRAKTIK_UNARY(GetWorkplace)
IPRAKTIK_UNARY(ListWorkplaces)
IPRAKTIK_UNARY(UpdateWorkplace)
IPRAKTIK_UNARY(RegisterParticipant)
IPRAKTIK_UNARY(GetParticipant)
IPRAKTIK_UNARY(ListParticipants)
IPRAKTIK_UNARY(UpdateParticipant)
IPRAKTIK_UNARY(EraseParticipant)
IPRAKTIK_UNARY(ApplyRetention)
IPRAKTIK_UNARY(CreateHostOffer)
IPRAKTIK_UNARY(GetHostOffer)
IPRAKTIK_UNARY(ListHostOffers)
IPRAKTIK_UNARY(UpdateHostOffer)
IPRAKTIK_UNARY(PublishHostOffer)
IPRAKTIK_UNARY(WithdrawHostOffer)
IPRAKTIK_UNARY(GetApplication)
IPRAKTIK_UNARY(ListApplications)
IPRAKTIK_UNARY(UpdateApplication)
IPRAKTIK_UNARY(LookupApproval)
IPRAKTIK_UNARY(DecideApproval)

#undef IPRAKTIK_UNARY

grpc::ServerReadReactor<v1::ImportSignUpsRequest>* RegistrationServiceImpl::ImportSignUps(
    Context* context, v1::ImportSignUpsResponse* response) {
  auto call = server::ReadCallContext(*context, deadlines_);
  if (!call.ok()) {
    // A reactor that fails at once: the stream is refused before any row is read.
    class Refused final : public grpc::ServerReadReactor<v1::ImportSignUpsRequest> {
     public:
      explicit Refused(const absl::Status& status) { Finish(rpc_status::ToGrpcStatus(status)); }
      void OnDone() override { delete this; }
    };
    return new Refused(call.status());
  }
  auto logger = logger_.WithTenant(call->tenant).WithCorrelationId(call->correlation_id);
  return new ImportReactor(registrar_, *std::move(call), response, std::move(logger));
}

grpc::ServerWriteReactor<v1::ExportRoundSnapshotResponse>*
RegistrationServiceImpl::ExportRoundSnapshot(Context* context,
                                             const v1::ExportRoundSnapshotRequest* request) {
  auto call = server::ReadCallContext(*context, deadlines_);
  if (!call.ok()) return new ExportReactor(registrar_, call.status(), logger_);
  auto logger = logger_.WithTenant(call->tenant).WithCorrelationId(call->correlation_id);
  return new ExportReactor(registrar_, registrar_.StartExport(CallerOf(*call), *request),
                           std::move(logger));
}

}  // namespace ipraktik::registration
