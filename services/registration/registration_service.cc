#include "registration_service.h"

#include <atomic>
#include <memory>

#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/server/request_limits.h"
#include "snapshot_export.h"

namespace ipraktik::registration {
namespace {

Caller CallerOf(const server::CallContext& call) {
  return {.tenant = call.tenant, .correlation_id = call.correlation_id};
}

// Reads the import stream: the first message names the round (checked once), every message's
// rows are signed up as they arrive, on a handler thread; the next message is read once they are.
// The import is one audit entry, written when the stream ends (however it ends, once it was
// admitted): the round and the summary's counts, no row's data.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportSignUpsRequest> {
 public:
  ImportReactor(Registrar& registrar, const server::Calls& calls,
                absl::StatusOr<server::CallContext> call, v1::ImportSignUpsResponse* summary)
      : registrar_(registrar), calls_(calls), summary_(summary) {
    if (!call.ok()) {  // refused before any row is read
      Finish(rpc_status::ToGrpcStatus(call.status()));
      return;
    }
    call_ = *std::move(call);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished sending (or went away: then the entry says CANCELLED)
      calls_.Run(call_, [this](absl::Status ready) {
        calls_.LoggerFor(call_).Info("import finished",
                                     {{"round_id", round_id_},
                                      {"rows", summary_->rows_received()},
                                      {"created", summary_->applications_created()},
                                      {"updated", summary_->applications_updated()},
                                      {"failed", summary_->rows_failed()}});
        // Not ready (the executor is full): the rows are in; only the entry is not written.
        End(absl::OkStatus(), ready);
      });
      return;
    }
    calls_.Run(call_, [this](absl::Status ready) {
      const absl::Status on_worker = ready;
      if (ready.ok()) ready = Import();
      if (!ready.ok()) {
        calls_.LogServerFault(call_, v1::ImportSignUpsRequest::descriptor()->name(), ready);
        End(ready, on_worker);
        return;
      }
      request_.Clear();
      StartRead(&request_);
    });
  }

  void OnCancel() override { cancelled_ = true; }
  void OnDone() override { delete this; }

 private:
  // On a handler thread: the message's rows (after checking the round, for the first).
  absl::Status Import() {
    if (absl::Status limits = server::CheckRequestLimits(request_); !limits.ok()) return limits;
    Caller caller = CallerOf(call_);
    if (first_) {
      first_ = false;
      // The whole stream is one call of the caller's rate limit.
      if (absl::Status admitted = calls_.Admit(call_); !admitted.ok()) return admitted;
      admitted_ = true;
      round_id_ = request_.round_id();
      validate_only_ = request_.validate_only();
      if (absl::Status status = registrar_.StartImport(caller, round_id_); !status.ok()) {
        return status;
      }
    }
    registrar_.ImportRows(caller, round_id_, request_.rows(), validate_only_, *summary_);
    return absl::OkStatus();
  }

  // The audit entry of an admitted import, then the answer. on_worker: OK when this runs on a
  // handler thread (the entry needs Redis), else why no worker ran it: then the entry is not
  // written and the log says so (the import's rows are stored all the same).
  void End(absl::Status status, const absl::Status& on_worker) {
    if (admitted_ && !on_worker.ok()) {
      calls_.LoggerFor(call_).Error(
          "audit entry not written",
          {{"method", "ImportSignUps"}, {"error", std::string(on_worker.message())}});
    } else if (admitted_) {
      v1::ImportSignUpsRequest named;  // the object ids: the round only, never a row's
      named.set_round_id(round_id_);
      if (status.ok() && cancelled_) {
        status = absl::CancelledError("the client went away");
      }
      (void)calls_.Record(call_, named, status, nullptr,
                          {{"rows_received", summary_->rows_received()},
                           {"applications_created", summary_->applications_created()},
                           {"applications_updated", summary_->applications_updated()},
                           {"rows_failed", summary_->rows_failed()}});
    }
    Finish(rpc_status::ToGrpcStatus(status));
  }

  Registrar& registrar_;
  const server::Calls& calls_;
  server::CallContext call_;
  v1::ImportSignUpsResponse* summary_;
  v1::ImportSignUpsRequest request_;
  std::string round_id_;
  bool validate_only_ = false;
  bool first_ = true;
  bool admitted_ = false;  // the import took its call from the rate limit: it is recorded
  std::atomic<bool> cancelled_ = false;
};

// Writes the snapshot; the next message is produced (on a handler thread) when the previous one
// was sent.
class ExportReactor final : public grpc::ServerWriteReactor<v1::ExportRoundSnapshotResponse> {
 public:
  ExportReactor(Registrar& registrar, const server::Calls& calls,
                absl::StatusOr<server::CallContext> call,
                const v1::ExportRoundSnapshotRequest& request)
      : registrar_(registrar), calls_(calls), request_(request) {
    if (!call.ok()) {
      End(call.status());
      return;
    }
    call_ = *std::move(call);
    calls_.RunOr(
        call_,
        [this] {
          if (absl::Status admitted = calls_.Admit(call_); !admitted.ok()) return End(admitted);
          admitted_ = true;
          auto exporter = registrar_.StartExport(CallerOf(call_), request_);
          if (!exporter.ok()) return End(exporter.status());
          exporter_ = *std::move(exporter);
          WriteNext();
        },
        [this](absl::Status why) { End(why); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      End(absl::CancelledError("the client went away during the export"));
      return;
    }
    calls_.RunOr(
        call_, [this] { WriteNext(); }, [this](absl::Status why) { End(why); });
  }

  void OnDone() override { delete this; }

 private:
  // On a handler thread.
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

  // On a handler thread once the call was admitted (the audit entry goes to Redis).
  void End(absl::Status status) {
    if (admitted_) {
      // The audit entry its RPC declares, with how the export ended.
      if (absl::Status recorded = calls_.Record(call_, request_, status); !recorded.ok()) {
        status = recorded;
      }
    }
    registrar_.RecordExport(status.ok());
    if (!status.ok() && exporter_ != nullptr) {
      calls_.LoggerFor(call_).Warning(
          "snapshot export failed",
          {{"error", std::string(status.message())}, {"messages_sent", messages_}});
    }
    Finish(rpc_status::ToGrpcStatus(status));
  }

  Registrar& registrar_;
  const server::Calls& calls_;
  server::CallContext call_;
  const v1::ExportRoundSnapshotRequest& request_;  // gRPC keeps it until OnDone
  bool admitted_ = false;
  std::unique_ptr<SnapshotExport> exporter_;
  v1::ExportRoundSnapshotResponse message_;
  int messages_ = 0;
};

}  // namespace

RegistrationServiceImpl::RegistrationServiceImpl(Registrar& registrar, server::Calls calls,
                                                 SignUpBatcherOptions sign_up_batches)
    : registrar_(registrar), calls_(std::move(calls)), sign_ups_(registrar, sign_up_batches) {}

RegistrationServiceImpl::Reactor* RegistrationServiceImpl::SignUp(Context* context,
                                                                  const v1::SignUpRequest* request,
                                                                  v1::SignUpResponse* response) {
  return calls_.UnaryElsewhere(
      context, request, response,
      [this](const server::CallContext& call, const v1::SignUpRequest& q, auto done) {
        return sign_ups_.Submit({.caller = CallerOf(call), .request = &q, .done = std::move(done)},
                                call.deadline);
      });
}

#define IPRAKTIK_UNARY(Method)                                                \
  RegistrationServiceImpl::Reactor* RegistrationServiceImpl::Method(          \
      Context* c, const v1::Method##Request* q, v1::Method##Response* r) {    \
    return calls_.UnaryOn(c, q, r, registrar_, &Registrar::Method, CallerOf); \
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
  return new ImportReactor(
      registrar_, calls_,
      calls_.Open<v1::ImportSignUpsRequest>(*context, server::CallShape::kStream), response);
}

grpc::ServerWriteReactor<v1::ExportRoundSnapshotResponse>*
RegistrationServiceImpl::ExportRoundSnapshot(Context* context,
                                             const v1::ExportRoundSnapshotRequest* request) {
  return new ExportReactor(registrar_, calls_,
                           calls_.Open(*context, *request, server::CallShape::kStream), *request);
}

}  // namespace ipraktik::registration
