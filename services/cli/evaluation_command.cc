// `ipraktik evaluation ...`: the coordinator's side of the EvaluationService: invite a round's
// participants to the evaluation now, read the report (with the anonymity rules the service
// applies), and close a round's evaluation.
#include <memory>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "google/protobuf/util/json_util.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/text/text.h"
#include "ipraktik/v1/evaluation.grpc.pb.h"
#include "table.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik evaluation <action> [options]

Actions:
  invite --round ROUND [--include-unfinished]
                      invite both sides of every placement of a published round to the
                      evaluation now, instead of the day after each internship's last day;
                      nobody is invited twice (by this, a second run, or the schedule later);
                      internships whose last day is still ahead only with
                      --include-unfinished
  report [--round ROUND | --programme PROGRAMME] [--csv|--json]
                      the answers by role and sector (the whole tenant without a scope); a
                      group with fewer answers than the threshold (5, ideas 8) shows its
                      counts only; --csv and --json give every figure
  close --round ROUND no more answers, invitations or reminders for the round

Options:
{credentials}  --server HOST:PORT    the evaluation service (default: $IPRAKTIK_EVALUATION_ADDRESS,
                        else 127.0.0.1:7105)
  --tls-ca, --tls-cert, --tls-key FILE
                        as for `ipraktik match`
  --help                this text

Exit codes: 0 done, 2 bad arguments, 3 the service refused (the reason is printed) or is
unreachable.
)";

using Stub = v1::EvaluationService::Stub;

struct Session {
  std::unique_ptr<Stub> stub;
  Credentials credentials;
  CommandIo& io;
  Target target;

  // Calls method with request; prints the refusal (kExitFailed) or returns kExitOk.
  template <typename Request, typename Response>
  int Call(std::string_view action,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
           const Request& request, Response& response) const {
    grpc::ClientContext context;
    Authorize(context, credentials);
    // Inviting a national round takes two store round trips per participant.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(300));
    auto status = (stub.get()->*method)(&context, request, &response);
    if (status.ok()) return kExitOk;
    PrintRefusal(io.err, absl::StrCat("ipraktik evaluation ", std::string(action)),
                 rpc_status::FromGrpcStatus(status), target);
    return kExitFailed;
  }
};

int Invite(Session& session, const Args& args) {
  v1::SendEvaluationInvitationsRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_include_unfinished(args.Flag("include-unfinished"));
  v1::SendEvaluationInvitationsResponse response;
  if (int refused = session.Call("invite", &Stub::SendEvaluationInvitations, request, response)) {
    return refused;
  }
  std::ostream& out = session.io.out;
  out << "round " << request.round_id() << ": "
      << text::Counted(response.invited(), "person", "people") << " invited now";
  if (response.already_invited() > 0) {
    out << ", " << response.already_invited() << " invited before (not again)";
  }
  if (response.not_evaluated() > 0) {
    out << ", " << response.not_evaluated() << " not evaluated (cancelled or erased)";
  }
  out << "\n";
  if (response.not_finished() > 0) {
    out << text::Counted(response.not_finished(), "person is", "people are")
        << " still before their internship's last day: the schedule invites them the day after "
           "it, or `--include-unfinished` now\n";
  }
  return kExitOk;
}

std::string Mean(const v1::RatingFigures& figures) {
  return absl::StrFormat("%.1f", figures.mean());
}

std::string Share(double share) { return absl::StrCat(static_cast<int>(share * 100 + 0.5), " %"); }

// The report's rows, the total first, as the text shows them.
Table ReportTable(const v1::GetEvaluationReportResponse& report) {
  Table table{.columns = {{"role", "Rolle"},
                          {"sector", "Sektor"},
                          {"participants", "Inviteret", true},
                          {"answers", "Svar", true},
                          {"response_rate", "Svarprocent"},
                          {"overall_value_mean", "Værdi"},
                          {"relevance_mean", "Relevans"},
                          {"other_side_mean", "Anden part"},
                          {"recommend_share", "Anbefaler"},
                          {"cross_sector", "På tværs", true}}};
  const auto add = [&](const v1::EvaluationReportRow& row, std::string role) {
    std::vector<std::string> values = {std::move(role), SectorWord(row.sector()),
                                       absl::StrCat(row.participants()),
                                       absl::StrCat(row.answers())};
    if (row.hidden()) {
      values.insert(values.end(), {"skjult", "", "", "", ""});
    } else {
      values.insert(values.end(),
                    {Share(row.response_rate()), Mean(row.overall_value()), Mean(row.relevance()),
                     Mean(row.other_side()), Share(row.recommend_share())});
    }
    values.push_back(absl::StrCat(row.cross_sector()));
    table.rows.push_back(std::move(values));
  };
  add(report.total(), "i alt");
  for (const auto& row : report.rows()) {
    add(row, row.role() == v1::EVALUATION_ROLE_HOST ? "vært" : "praktikant");
  }
  return table;
}

int Report(Session& session, const Args& args) {
  if (args.Flag("csv") && args.Flag("json")) {
    session.io.err << "ipraktik evaluation report: --json or --csv, not both\n";
    return kExitUsage;
  }
  v1::GetEvaluationReportRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_programme_id(args.Value("programme").value_or(""));
  v1::GetEvaluationReportResponse response;
  if (int refused = session.Call("report", &Stub::GetEvaluationReport, request, response)) {
    return refused;
  }
  std::ostream& out = session.io.out;
  if (args.Flag("csv")) {
    out << response.csv();  // the service's own, with every figure
    return kExitOk;
  }
  if (args.Flag("json")) {
    // The service's answer with every figure (machine values, not the table's words).
    v1::GetEvaluationReportResponse figures = response;
    figures.clear_csv();
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    std::string json;
    if (auto printed = google::protobuf::util::MessageToJsonString(figures, &json, options);
        !printed.ok()) {
      session.io.err << "ipraktik evaluation report: " << printed.ToString() << "\n";
      return kExitFailed;
    }
    out << json;
    return kExitOk;
  }
  PrintTable(out, ReportTable(response));
  const auto& total = response.total();
  if (!total.hidden()) {
    out << "\nlængden: " << total.length_too_short() << " for kort, " << total.length_right()
        << " passende, " << total.length_too_long() << " for lang; nye kontakter i snit "
        << absl::StrFormat("%.1f", total.mean_new_contacts()) << "\n";
  }
  if (!total.ideas_hidden() && total.ideas_size() > 0) {
    out << "\nidéer at tage med hjem:\n";
    for (const auto& idea : total.ideas()) out << "  - " << idea << "\n";
  }
  out << "\nVærdi, Relevans, Anden part: gennemsnit 1-5. \"skjult\": for få svar til at vise "
         "tal uden at afsløre nogen (tærsklen er 5 svar, idéerne 8; docs/evaluation.md).\n";
  return kExitOk;
}

int Close(Session& session, const Args& args) {
  v1::CloseEvaluationRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  v1::CloseEvaluationResponse response;
  if (int refused = session.Call("close", &Stub::CloseEvaluation, request, response)) {
    return refused;
  }
  session.io.out << "round " << request.round_id()
                 << ": the evaluation is closed (no more answers, invitations or reminders)\n";
  return kExitOk;
}

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  std::string usage;
  int exit_code = kExitUsage;
  auto args = ParseServiceArgs(raw_args,
                               {{"server"},
                                {"round"},
                                {"programme"},
                                {"include-unfinished", false},
                                {"csv", false},
                                {"json", false},
                                {"help", false}},
                               kUsage, "evaluation", io, usage, exit_code);
  if (!args) return exit_code;
  if (args->positional().size() != 1) {
    io.err << usage;
    return kExitUsage;
  }
  const std::string action = args->positional()[0];
  if (action != "invite" && action != "report" && action != "close") {
    io.err << "ipraktik evaluation: unknown action: " << action << "\n\n" << usage;
    return kExitUsage;
  }
  auto credentials = ReadCredentials(*args, io.environment, "evaluation", io.err);
  if (!credentials) return kExitUsage;
  const std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_EVALUATION_ADDRESS").value_or("127.0.0.1:7105"));
  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik evaluation: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  Session session{v1::EvaluationService::NewStub(*channel), *std::move(credentials), io,
                  TargetOf(*args, io.environment, server)};
  if (action == "invite") return Invite(session, *args);
  if (action == "report") return Report(session, *args);
  return Close(session, *args);
}

}  // namespace

Command EvaluationCommand() {
  return {.name = "evaluation",
          .summary = "invite a round to the evaluation now, read the report, close it",
          .run = Run};
}

}  // namespace ipraktik::cli
