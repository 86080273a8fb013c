// `ipraktik match ...`: the coordinator's side of the MatchingService: request a matching (a
// preview, or for real) and watch it, read its result, publish it, set pins and forbids, record
// a host's decline or an intern's withdrawal, and list what was published.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iterator>
#include <map>
#include <memory>
#include <ostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "google/protobuf/util/json_util.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/text/text.h"
#include "ipraktik/v1/matching.grpc.pb.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik match <action> [options]

Actions:
  request --round ROUND [--preview] [--wait]   match a closed round (a preview sends nothing;
                                               otherwise the result is published when done)
  status JOB                                   the job's state, progress and summary
  jobs --round ROUND                           the round's jobs, newest first
  result JOB [--json]                          summary, places by wish, unmatched interns with
                                               reasons, refused pins, where demand exceeds places
  publish JOB                                  make a job's result final and tell everyone
  pin|forbid --round ROUND --intern P --host H [--note TEXT]
  unpin --round ROUND --intern P --host H      remove a pin or forbid
  rules --round ROUND                          the round's pins and forbids
  decline --round ROUND --intern P [--note T]  the intern's host declines them (re-match next)
  withdraw --round ROUND --intern P            the intern withdraws (re-match next)
  placements --round ROUND                     what the last publication told each intern

Options:
{credentials}  --server HOST:PORT    the matching service (default: $IPRAKTIK_MATCHING_ADDRESS, else
                        127.0.0.1:7102)
  --tls-ca, --tls-cert, --tls-key FILE
                        TLS with this CA bundle (without one: plaintext), and the client
                        certificate and key where the service requires mutual TLS
                        (default: $IPRAKTIK_TLS_CA, $IPRAKTIK_TLS_CERT, $IPRAKTIK_TLS_KEY)
  --help                this text

Interns are named by participant id, hosts by host offer id. Exit codes: 0 done, 2 bad
arguments, 3 the service refused (the reason is printed) or is unreachable; `request --wait`
exits 1 when the job failed.
)";

using Stub = v1::MatchingService::Stub;

struct Session {
  std::unique_ptr<Stub> stub;
  Credentials credentials;
  CommandIo& io;
  Target target;

  std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::seconds timeout = std::chrono::seconds(60)) const {
    auto context = std::make_unique<grpc::ClientContext>();
    Authorize(*context, credentials);
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
  }

  // Prints the refusal with every field the service named; returns kExitFailed.
  int Refused(std::string_view action, const grpc::Status& status) const {
    PrintRefusal(io.err, absl::StrCat("ipraktik match ", std::string(action)),
                 rpc_status::FromGrpcStatus(status), target);
    return kExitFailed;
  }
};

std::string_view StateName(v1::MatchingJobState state) {
  switch (state) {
    case v1::MATCHING_JOB_STATE_QUEUED:
      return "queued";
    case v1::MATCHING_JOB_STATE_RUNNING:
      return "running";
    case v1::MATCHING_JOB_STATE_DONE:
      return "done";
    case v1::MATCHING_JOB_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
  }
}

std::string Percent(double share) {
  return absl::StrCat(static_cast<int>(share * 100 + 0.5), " %");
}

void PrintJob(std::ostream& out, const v1::MatchingJob& job) {
  out << "job " << job.job_id() << " (round " << job.round_id()
      << (job.preview() ? ", preview" : "") << (job.rematch() ? ", re-match" : "")
      << "): " << StateName(job.state());
  if (job.state() == v1::MATCHING_JOB_STATE_RUNNING && !job.phase().empty()) {
    out << ", " << job.phase() << " " << Percent(job.progress());
  }
  if (job.has_published_at()) out << ", published";
  out << ", attempts " << job.attempts() << "\n";
  if (job.state() == v1::MATCHING_JOB_STATE_FAILED)
    out << "  failed: " << job.failure_reason() << "\n";
  if (job.state() != v1::MATCHING_JOB_STATE_DONE) return;
  const v1::MatchingSummary& s = job.summary();
  out << "  " << s.matched() << " of " << s.interns() << " interns placed ("
      << Percent(s.interns() == 0 ? 0 : static_cast<double>(s.matched()) / s.interns()) << "), "
      << s.cross_sector() << " across sectors (" << Percent(s.cross_sector_share()) << "), "
      << s.host_offers() << " host offers, solved in " << std::fixed << std::setprecision(1)
      << s.solve_ms() << " ms\n";
  out << "  by wish:";
  for (int i = 0; i < s.by_rank_size(); ++i) out << " " << (i + 1) << ".=" << s.by_rank(i);
  out << "\n";
  if (s.pinned() + s.kept() + s.swaps() + s.refused_pins() + s.dropped_wishes() > 0) {
    out << "  pinned " << s.pinned() << ", kept from the last publication " << s.kept()
        << ", swaps " << s.swaps() << ", refused pins " << s.refused_pins() << ", dropped wishes "
        << s.dropped_wishes() << "\n";
  }
}

int Request(Session& session, const Args& args) {
  v1::RequestMatchingRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_preview(args.Flag("preview"));
  v1::RequestMatchingResponse response;
  // Copying a national round's snapshot takes a while.
  auto status = session.stub->RequestMatching(session.Context(std::chrono::seconds(600)).get(),
                                              request, &response);
  if (!status.ok()) return session.Refused("request", status);
  if (response.already_running())
    session.io.err << "a matching of this round is already under way\n";
  v1::MatchingJob job = response.job();
  if (!args.Flag("wait")) {
    PrintJob(session.io.out, job);
    return kExitOk;
  }
  std::string last_line;
  while (
      job.state() == v1::MATCHING_JOB_STATE_QUEUED ||
      job.state() == v1::MATCHING_JOB_STATE_RUNNING ||
      (job.state() == v1::MATCHING_JOB_STATE_DONE && !job.preview() && !job.has_published_at())) {
    const std::string line =
        absl::StrCat(std::string(StateName(job.state())), job.phase().empty() ? "" : " ",
                     job.phase(), " ", Percent(job.progress()));
    if (line != last_line) {
      session.io.err << (session.io.err_is_terminal ? "\r" : "") << line
                     << (session.io.err_is_terminal ? "   " : "\n") << std::flush;
      last_line = line;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    v1::GetMatchingJobRequest get;
    get.set_job_id(job.job_id());
    v1::GetMatchingJobResponse got;
    status = session.stub->GetMatchingJob(session.Context().get(), get, &got);
    if (!status.ok()) return session.Refused("request", status);
    job = got.job();
  }
  if (session.io.err_is_terminal && !last_line.empty()) session.io.err << "\n";
  PrintJob(session.io.out, job);
  return job.state() == v1::MATCHING_JOB_STATE_DONE ? kExitOk : kExitPartly;
}

int Status(Session& session, const std::string& job_id) {
  v1::GetMatchingJobRequest request;
  request.set_job_id(job_id);
  v1::GetMatchingJobResponse response;
  auto status = session.stub->GetMatchingJob(session.Context().get(), request, &response);
  if (!status.ok()) return session.Refused("status", status);
  PrintJob(session.io.out, response.job());
  return kExitOk;
}

int Result(Session& session, const std::string& job_id, bool json) {
  v1::GetMatchingResultRequest request;
  request.set_job_id(job_id);
  auto context = session.Context(std::chrono::seconds(600));
  auto reader = session.stub->GetMatchingResult(context.get(), request);
  v1::GetMatchingResultResponse part;
  std::ostream& out = session.io.out;
  std::int64_t unmatched = 0;
  std::int64_t demand = 0;
  while (reader->Read(&part)) {
    if (json) {
      std::string line;
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      (void)google::protobuf::util::MessageToJsonString(part, &line, options);
      out << line << "\n";
      continue;
    }
    if (part.has_job()) {
      v1::MatchingJob job = part.job();
      *job.mutable_summary() = part.summary();
      PrintJob(out, job);
    }
    for (const auto& u : part.unmatched()) {
      if (unmatched++ == 0) out << "unmatched interns:\n";
      out << "  " << u.participant_id() << ": " << u.reason();
      for (const auto& host : u.hosts()) {
        out << "; " << host.host_offer_id() << " (" << host.wished_by() << " wished, "
            << text::Counted(host.capacity(), "place", "places") << ")";
      }
      out << "\n";
    }
    for (const auto& r : part.refused_pins()) {
      out << "refused pin " << r.participant_id() << " -> " << r.host_offer_id() << ": "
          << r.reason() << "\n";
    }
    for (const auto& d : part.demand()) {
      if (demand++ == 0) out << "most wished beyond their places (recruit more here):\n";
      if (demand <= 20) {
        out << "  " << d.host_offer_id() << ": " << d.wished_by() << " wished, "
            << text::Counted(d.capacity(), "place", "places") << "\n";
      }
    }
  }
  auto status = reader->Finish();
  if (!status.ok()) return session.Refused("result", status);
  if (!json && demand > 20) out << "  ... and " << (demand - 20) << " more\n";
  return kExitOk;
}

int Publish(Session& session, const std::string& job_id) {
  v1::PublishMatchingRequest request;
  request.set_job_id(job_id);
  v1::PublishMatchingResponse response;
  auto status = session.stub->PublishMatching(session.Context(std::chrono::seconds(600)).get(),
                                              request, &response);
  if (!status.ok()) return session.Refused("publish", status);
  if (response.already_published()) {
    session.io.out << "job " << job_id << " was published already; nobody is told again\n";
  } else {
    session.io.out << "published job " << job_id << ": " << response.notified()
                   << " people are told about a new or changed placement\n";
  }
  return kExitOk;
}

int Rule(Session& session, const Args& args, v1::PairRuleKind kind) {
  v1::SetPairRuleRequest request;
  v1::PairRule* rule = request.mutable_rule();
  rule->set_round_id(args.Value("round").value_or(""));
  rule->set_participant_id(args.Value("intern").value_or(""));
  rule->set_host_offer_id(args.Value("host").value_or(""));
  rule->set_kind(kind);
  rule->set_note(args.Value("note").value_or(""));
  v1::SetPairRuleResponse response;
  auto status = session.stub->SetPairRule(session.Context().get(), request, &response);
  if (!status.ok())
    return session.Refused(kind == v1::PAIR_RULE_KIND_PIN ? "pin" : "forbid", status);
  session.io.out << (kind == v1::PAIR_RULE_KIND_PIN ? "pinned " : "forbade ")
                 << rule->participant_id() << " -> " << rule->host_offer_id()
                 << " (for the round's next matchings)\n";
  return kExitOk;
}

int Unpin(Session& session, const Args& args) {
  v1::DeletePairRuleRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_participant_id(args.Value("intern").value_or(""));
  request.set_host_offer_id(args.Value("host").value_or(""));
  v1::DeletePairRuleResponse response;
  auto status = session.stub->DeletePairRule(session.Context().get(), request, &response);
  if (!status.ok()) return session.Refused("unpin", status);
  session.io.out << "removed the rule " << request.participant_id() << " -> "
                 << request.host_offer_id() << "\n";
  return kExitOk;
}

int Rules(Session& session, const Args& args) {
  v1::ListPairRulesRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  v1::ListPairRulesResponse response;
  auto status = session.stub->ListPairRules(session.Context().get(), request, &response);
  if (!status.ok()) return session.Refused("rules", status);
  for (const auto& rule : response.rules()) {
    session.io.out << (rule.kind() == v1::PAIR_RULE_KIND_PIN ? "pin    " : "forbid ")
                   << rule.participant_id() << " -> " << rule.host_offer_id()
                   << (rule.note().empty() ? "" : "  # ") << rule.note() << "\n";
  }
  return kExitOk;
}

int Change(Session& session, const Args& args, v1::PlacementChangeKind kind) {
  v1::RecordPlacementChangeRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_participant_id(args.Value("intern").value_or(""));
  request.set_kind(kind);
  request.set_note(args.Value("note").value_or(""));
  v1::RecordPlacementChangeResponse response;
  auto status = session.stub->RecordPlacementChange(session.Context().get(), request, &response);
  const bool declined = kind == v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED;
  if (!status.ok()) return session.Refused(declined ? "decline" : "withdraw", status);
  session.io.out << "recorded; run `ipraktik match request --round " << request.round_id()
                 << "` to re-match (published placements that still stand are kept)\n";
  return kExitOk;
}

int Placements(Session& session, const Args& args) {
  v1::ListPlacementsRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_page_size(500);
  do {
    v1::ListPlacementsResponse response;
    auto status = session.stub->ListPlacements(session.Context().get(), request, &response);
    if (!status.ok()) return session.Refused("placements", status);
    for (const auto& p : response.placements()) {
      session.io.out << p.participant_id() << "  "
                     << (p.host_offer_id().empty() ? "(" + p.reason_code() + ")"
                                                   : p.host_offer_id())
                     << "  revision " << p.revision() << "\n";
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return kExitOk;
}

int Jobs(Session& session, const Args& args) {
  v1::ListMatchingJobsRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_page_size(50);
  v1::ListMatchingJobsResponse response;
  auto status = session.stub->ListMatchingJobs(session.Context().get(), request, &response);
  if (!status.ok()) return session.Refused("jobs", status);
  for (const auto& job : response.jobs()) PrintJob(session.io.out, job);
  return kExitOk;
}

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  std::vector<OptionSpec> options = {{"server"},      {"round"},       {"intern"},
                                     {"host"},        {"note"},        {"preview", false},
                                     {"wait", false}, {"json", false}, {"help", false}};
  options.insert(options.end(), kCredentialOptions.begin(), kCredentialOptions.end());
  std::ranges::copy(TlsOptions(), std::back_inserter(options));
  const std::string usage =
      absl::StrReplaceAll(std::string(kUsage), {{"{credentials}", std::string(kCredentialUsage)}});
  auto args = Args::Parse(raw_args, options);
  if (!args.ok()) {
    io.err << "ipraktik match: " << args.status().message() << "\n\n" << usage;
    return kExitUsage;
  }
  if (args->Flag("help") || args->positional().empty()) {
    (args->Flag("help") ? io.out : io.err) << usage;
    return args->Flag("help") ? kExitOk : kExitUsage;
  }
  const std::string action = args->positional()[0];
  auto credentials = ReadCredentials(*args, io.environment, "match", io.err);
  if (!credentials) return kExitUsage;
  const std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_MATCHING_ADDRESS").value_or("127.0.0.1:7102"));
  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik match: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  Session session{v1::MatchingService::NewStub(*channel), *std::move(credentials), io,
                  TargetOf(*args, io.environment, server)};
  const bool has_job = args->positional().size() == 2;
  const auto job = [&] { return args->positional()[1]; };
  if (action == "request") return Request(session, *args);
  if (action == "status" && has_job) return Status(session, job());
  if (action == "result" && has_job) return Result(session, job(), args->Flag("json"));
  if (action == "publish" && has_job) return Publish(session, job());
  if (action == "jobs") return Jobs(session, *args);
  if (action == "pin") return Rule(session, *args, v1::PAIR_RULE_KIND_PIN);
  if (action == "forbid") return Rule(session, *args, v1::PAIR_RULE_KIND_FORBID);
  if (action == "unpin") return Unpin(session, *args);
  if (action == "rules") return Rules(session, *args);
  if (action == "decline") return Change(session, *args, v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED);
  if (action == "withdraw")
    return Change(session, *args, v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW);
  if (action == "placements") return Placements(session, *args);
  io.err << "ipraktik match: unknown action or missing JOB: " << action << "\n\n" << usage;
  return kExitUsage;
}

}  // namespace

Command MatchCommand() {
  return {.name = "match",
          .summary = "request, watch, read and publish matchings; pins, forbids, re-matching",
          .run = Run};
}

}  // namespace ipraktik::cli
