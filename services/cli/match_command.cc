// `ipraktik match ...`: the coordinator's side of the MatchingService: request a matching (a
// preview, or for real) and watch it, read its result, publish it, set pins and forbids, record
// a host's decline or an intern's withdrawal, and list what was published.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "google/protobuf/util/json_util.h"
#include "ipraktik/contract/pin_refusals.h"
#include "ipraktik/contract/unmatched_reasons.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/text/text.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "table.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik match <action> [options]

Actions:
  request --round ROUND [--preview] [--wait] [--force]
                                               match a closed round (a preview sends nothing;
                                               otherwise the result is published when done, so
                                               the checks before publishing run first and
                                               refuse it with what to fix unless --force)
  status JOB                                   the job's state, progress and summary
  jobs --round ROUND                           the round's jobs, newest first
  result JOB [--csv|--json]                    who goes where: the summary, a table of the placed
                                               interns (name, workplace, sector, host, offer,
                                               days, wish) and of the unplaced with the reason,
                                               refused pins, where demand exceeds places;
                                               --csv (RFC 4180) and --json export the table
  publish JOB [--force]                        make a job's result final and tell everyone; the
                                               checks before (sender and reply-to set, everyone
                                               has an e-mail, approvals settled) refuse it with
                                               what to fix unless --force
  pin|forbid --round ROUND --intern P --host H [--note TEXT]
  unpin --round ROUND --intern P --host H      remove a pin or forbid
  rules --round ROUND                          the round's pins and forbids
  decline --round ROUND --intern P [--note T]  the intern's host declines them (re-match next)
  withdraw --round ROUND --intern P            the intern withdraws (re-match next)
  placements --round ROUND [--csv|--json]      what the last publication told each intern

Options:
{credentials}  --server HOST:PORT    the matching service (default: $IPRAKTIK_MATCHING_ADDRESS, else
                        127.0.0.1:7102)
  --tls-ca, --tls-cert, --tls-key FILE
                        TLS with this CA bundle (without one: plaintext), and the client
                        certificate and key where the service requires mutual TLS
                        (default: $IPRAKTIK_TLS_CA, $IPRAKTIK_TLS_CERT, $IPRAKTIK_TLS_KEY)
  --help                this text

Interns are named by participant id, hosts by host offer id (results show their names too).
Exit codes: 0 done, 2 bad arguments, 3 the service refused (the reason is printed) or is
unreachable; `request --wait` exits 1 when the job failed.
)";

using Stub = v1::MatchingService::Stub;

struct Session {
  std::unique_ptr<Stub> stub;
  Credentials credentials;
  CommandIo& io;
  std::string_view command;  // "match" or "round"
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
    PrintRefusal(io.err, absl::StrCat("ipraktik ", std::string(command), " ", std::string(action)),
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
    // A re-match pins the placements it keeps: those are not coordinators' pins.
    out << "  coordinator pins " << s.coordinator_pins() << ", kept from the last publication "
        << s.kept() << ", swaps " << s.swaps() << " (" << s.pinned()
        << " placed without the optimisation), refused pins " << s.refused_pins()
        << ", dropped wishes " << s.dropped_wishes() << "\n";
  }
}

// The service refused because the checks before publishing found problems (listed).
bool ChecksFailed(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
         !errors::PreconditionViolationsOf(rpc_status::FromGrpcStatus(status)).empty();
}

int Request(Session& session, const Args& args) {
  v1::RequestMatchingRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_preview(args.Flag("preview"));
  request.set_force(args.Flag("force"));
  v1::RequestMatchingResponse response;
  // Copying a national round's snapshot takes a while.
  auto status = session.stub->RequestMatching(session.Context(std::chrono::seconds(600)).get(),
                                              request, &response);
  if (!status.ok()) {
    const int refused = session.Refused("request", status);
    if (ChecksFailed(status) && !request.force()) {
      session.io.err << "fix these, or match with `--preview` first and publish later, or request "
                        "it anyway with `--force`\n";
    }
    return refused;
  }
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

std::string Days(const google::protobuf::RepeatedPtrField<v1::Date>& days) {
  std::vector<std::string> out;
  for (const auto& day : days) {
    out.push_back(absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day()));
  }
  return absl::StrJoin(out, " ");
}

// Who goes where: one row per intern of the result, placed or not.
Table ResultTable() {
  return {.columns = {{"status", "Status"},
                      {"participant_id", "Deltager-id"},
                      {"intern_name", "Navn"},
                      {"intern_workplace", "Arbejdsplads"},
                      {"intern_sector", "Sektor"},
                      {"host_offer_id", "Tilbud-id"},
                      {"host_workplace", "Vært"},
                      {"offer_title", "Tilbud"},
                      {"host_sector", "Værtens sektor"},
                      {"days", "Dage"},
                      {"wish_rank", "Ønske nr.", true},
                      {"reason", "Årsag"}}};
}

constexpr char kPlaced[] = "placeret";
constexpr char kUnplaced[] = "ikke placeret";

void AddRows(Table& table, const v1::GetMatchingResultResponse& part) {
  for (const auto& p : part.assignments()) {
    table.rows.push_back({kPlaced, p.participant_id(), p.intern().name(),
                          p.intern().workplace_name(), SectorWord(p.intern().sector()),
                          p.host_offer_id(), p.host().workplace_name(), p.host().title(),
                          SectorWord(p.host().sector()), Days(p.days()), absl::StrCat(p.rank()),
                          ""});
  }
  for (const auto& u : part.unmatched()) {
    // In Danish like the rest of the table; a code this version does not know in the
    // matching's own words.
    table.rows.push_back(
        {kUnplaced, u.participant_id(), u.intern().name(), u.intern().workplace_name(),
         SectorWord(u.intern().sector()), "", "", "", "", "", "",
         std::string(contract::UnmatchedReasonDanishOf(u.reason_code()).value_or(u.reason()))});
  }
}

// The names the table gives each intern and host offer, by id (empty: none known).
struct Names {
  std::map<std::string, std::string> interns;
  std::map<std::string, std::string> offers;  // "title (workplace)"
};

Names NamesOf(const Table& table) {
  const std::size_t participant = ColumnOf(table, "participant_id");
  const std::size_t intern = ColumnOf(table, "intern_name");
  const std::size_t id = ColumnOf(table, "host_offer_id");
  const std::size_t title = ColumnOf(table, "offer_title");
  const std::size_t workplace = ColumnOf(table, "host_workplace");
  Names names;
  for (const auto& row : table.rows) {
    if (!row[intern].empty()) names.interns[row[participant]] = row[intern];
    if (!row[id].empty() && !row[title].empty()) {
      names.offers[row[id]] = absl::StrCat(row[title], " (", row[workplace], ")");
    }
  }
  return names;
}

std::string NameOr(const std::map<std::string, std::string>& names, const std::string& id) {
  auto it = names.find(id);
  return it == names.end() ? id : it->second;
}

// A refused pin, in Danish: who, where to, and why.
std::string RefusedPinNote(const v1::RefusedPin& pin, const Names& names) {
  return absl::StrCat(
      "fastlåsning afvist: ", NameOr(names.interns, pin.participant_id()), " -> ",
      NameOr(names.offers, pin.host_offer_id()), ": ",
      std::string(contract::PinRefusalDanishOf(pin.reason_code()).value_or(pin.reason())));
}

// Where to recruit more places: the most over-wished offers by title and workplace, as the tables
// name them (an offer that placed nobody, so no row names it, by its id).
void PrintDemand(std::ostream& out, const std::vector<v1::HostDemand>& demand, const Names& names) {
  if (demand.empty()) return;
  constexpr std::size_t kShown = 20;
  out << "\nflest ønsker ud over pladserne (rekrutter flere her):\n";
  for (std::size_t i = 0; i < demand.size() && i < kShown; ++i) {
    const auto& d = demand[i];
    out << "  " << NameOr(names.offers, d.host_offer_id()) << ": "
        << text::Counted(d.wished_by(), "ønske", "ønsker") << ", "
        << text::Counted(d.capacity(), "plads", "pladser") << "\n";
  }
  if (demand.size() > kShown) out << "  ... og " << (demand.size() - kShown) << " flere\n";
}

int Result(Session& session, const std::string& job_id, const Args& args) {
  const bool json = args.Flag("json");
  const bool csv = args.Flag("csv");
  if (json && csv) {
    session.io.err << "ipraktik match result: --json or --csv, not both\n";
    return kExitUsage;
  }
  v1::GetMatchingResultRequest request;
  request.set_job_id(job_id);
  auto context = session.Context(std::chrono::seconds(600));
  auto reader = session.stub->GetMatchingResult(context.get(), request);
  v1::GetMatchingResultResponse part;
  std::ostream& out = session.io.out;
  Table table = ResultTable();
  std::vector<v1::RefusedPin> refused;
  std::vector<v1::HostDemand> demand;
  while (reader->Read(&part)) {
    AddRows(table, part);
    if (json || csv) continue;
    if (part.has_job()) {
      v1::MatchingJob job = part.job();
      *job.mutable_summary() = part.summary();
      PrintJob(out, job);
    }
    refused.insert(refused.end(), part.refused_pins().begin(), part.refused_pins().end());
    demand.insert(demand.end(), part.demand().begin(), part.demand().end());
  }
  auto status = reader->Finish();
  if (!status.ok()) return session.Refused("result", status);
  if (json) {
    WriteJson(out, table);
    return kExitOk;
  }
  if (csv) {
    WriteCsv(out, table);
    return kExitOk;
  }
  const std::size_t state = ColumnOf(table, "status");
  const auto placed = [&](const std::vector<std::string>& row) { return row[state] == kPlaced; };
  out << "\nplaceringer:\n";
  PrintTable(out,
             table.Select({"intern_name", "intern_workplace", "intern_sector", "host_workplace",
                           "offer_title", "host_sector", "days", "wish_rank"},
                          placed));
  const Table unplaced =
      table.Select({"intern_name", "intern_workplace", "intern_sector", "participant_id", "reason"},
                   [&](const std::vector<std::string>& row) { return !placed(row); });
  if (!unplaced.rows.empty()) {
    out << "\nikke placeret:\n";
    PrintTable(out, unplaced);
  }
  const Names names = NamesOf(table);
  if (!refused.empty()) out << "\n";
  for (const auto& pin : refused) out << RefusedPinNote(pin, names) << "\n";
  PrintDemand(out, demand, names);
  return kExitOk;
}

int Publish(Session& session, const std::string& job_id, bool force) {
  v1::PublishMatchingRequest request;
  request.set_job_id(job_id);
  request.set_force(force);
  v1::PublishMatchingResponse response;
  auto status = session.stub->PublishMatching(session.Context(std::chrono::seconds(600)).get(),
                                              request, &response);
  if (!status.ok()) {
    const int refused = session.Refused("publish", status);
    if (ChecksFailed(status) && !force) {
      session.io.err << "fix these, or publish anyway with `ipraktik match publish " << job_id
                     << " --force`\n";
    }
    return refused;
  }
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
    session.io.out << (rule.kind() == v1::PAIR_RULE_KIND_PIN ? "pin      "
                       : rule.host_declined()                ? "declined "
                                                             : "forbid   ")
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

// Writes table as --json or --csv ask, else as aligned text.
int Output(Session& session, const Args& args, const Table& table) {
  if (args.Flag("json")) {
    WriteJson(session.io.out, table);
  } else if (args.Flag("csv")) {
    WriteCsv(session.io.out, table);
  } else {
    PrintTable(session.io.out, table);
  }
  return kExitOk;
}

int Placements(Session& session, const Args& args) {
  v1::ListPlacementsRequest request;
  request.set_round_id(args.Value("round").value_or(""));
  request.set_page_size(500);
  Table table{.columns = {{"participant_id", "Deltager-id"},
                          {"intern_name", "Navn"},
                          {"intern_workplace", "Arbejdsplads"},
                          {"host_offer_id", "Tilbud-id"},
                          {"host_workplace", "Vært"},
                          {"offer_title", "Tilbud"},
                          {"days", "Dage"},
                          {"wish_rank", "Ønske nr.", true},
                          {"reason_code", "Årsag"},
                          {"revision", "Revision", true}}};
  do {
    v1::ListPlacementsResponse response;
    auto status = session.stub->ListPlacements(session.Context().get(), request, &response);
    if (!status.ok()) return session.Refused("placements", status);
    for (const auto& p : response.placements()) {
      const bool placed = !p.host_offer_id().empty();
      table.rows.push_back({p.participant_id(), p.intern().name(), p.intern().workplace_name(),
                            p.host_offer_id(), p.host().workplace_name(), p.host().title(),
                            Days(p.days()), placed ? absl::StrCat(p.rank()) : "", p.reason_code(),
                            absl::StrCat(p.revision())});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return Output(session, args, table);
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

std::vector<OptionSpec> Options() {
  std::vector<OptionSpec> options = {{"server"},       {"round"},       {"intern"},
                                     {"host"},         {"note"},        {"preview", false},
                                     {"wait", false},  {"json", false}, {"csv", false},
                                     {"force", false}, {"help", false}};
  options.insert(options.end(), kCredentialOptions.begin(), kCredentialOptions.end());
  std::ranges::copy(TlsOptions(), std::back_inserter(options));
  return options;
}

// The parsed arguments and a session with the matching service; nullopt after printing why not
// (exit_code says how to end).
struct Opened {
  Args args;
  Session session;
};
std::optional<Opened> Open(std::span<const std::string_view> raw_args, CommandIo& io,
                           std::string_view command, std::string_view usage_template,
                           int& exit_code) {
  const std::string usage = absl::StrReplaceAll(std::string(usage_template),
                                                {{"{credentials}", std::string(kCredentialUsage)}});
  auto args = Args::Parse(raw_args, Options());
  if (!args.ok()) {
    io.err << "ipraktik " << command << ": " << args.status().message() << "\n\n" << usage;
    exit_code = kExitUsage;
    return std::nullopt;
  }
  if (args->Flag("help") || args->positional().empty()) {
    (args->Flag("help") ? io.out : io.err) << usage;
    exit_code = args->Flag("help") ? kExitOk : kExitUsage;
    return std::nullopt;
  }
  auto credentials = ReadCredentials(*args, io.environment, std::string(command), io.err);
  exit_code = kExitUsage;
  if (!credentials) return std::nullopt;
  const std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_MATCHING_ADDRESS").value_or("127.0.0.1:7102"));
  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik " << command << ": " << channel.status().message() << "\n";
    return std::nullopt;
  }
  Target target = TargetOf(*args, io.environment, server);
  return Opened{*std::move(args), Session{v1::MatchingService::NewStub(*channel),
                                          *std::move(credentials), io, command, std::move(target)}};
}

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  int exit_code = kExitUsage;
  auto opened = Open(raw_args, io, "match", kUsage, exit_code);
  if (!opened) return exit_code;
  Args* args = &opened->args;
  Session& session = opened->session;
  const std::string action = args->positional()[0];
  const bool has_job = args->positional().size() == 2;
  const auto job = [&] { return args->positional()[1]; };
  if (action == "request") return Request(session, *args);
  if (action == "status" && has_job) return Status(session, job());
  if (action == "result" && has_job) return Result(session, job(), *args);
  if (action == "publish" && has_job) return Publish(session, job(), args->Flag("force"));
  if (action == "jobs") return Jobs(session, *args);
  if (action == "pin") return Rule(session, *args, v1::PAIR_RULE_KIND_PIN);
  if (action == "forbid") return Rule(session, *args, v1::PAIR_RULE_KIND_FORBID);
  if (action == "unpin") return Unpin(session, *args);
  if (action == "rules") return Rules(session, *args);
  if (action == "decline") return Change(session, *args, v1::PLACEMENT_CHANGE_KIND_HOST_DECLINED);
  if (action == "withdraw")
    return Change(session, *args, v1::PLACEMENT_CHANGE_KIND_INTERN_WITHDREW);
  if (action == "placements") return Placements(session, *args);
  io.err << "ipraktik match: unknown action or missing JOB: " << action << "\n\n"
         << absl::StrReplaceAll(std::string(kUsage),
                                {{"{credentials}", std::string(kCredentialUsage)}});
  return kExitUsage;
}

constexpr std::string_view kRoundUsage =
    R"(usage: ipraktik round overview ROUND [--csv|--json]

A round's figures: signed up, awaiting approval, rejected, taking part, placed, not placed by
reason, hosts with free places, e-mails sent and failed; then the host offers with free places.
The result counted is the round's published matching, else its newest finished preview.

Options:
{credentials}  --server HOST:PORT    the matching service (default: $IPRAKTIK_MATCHING_ADDRESS, else
                        127.0.0.1:7102)
  --tls-ca, --tls-cert, --tls-key FILE
                        as for `ipraktik match`
  --csv, --json         the figures as CSV (RFC 4180) or JSON
  --help                this text
)";

Table OverviewTable(const v1::RoundOverview& o) {
  Table table{.columns = {{"figure", "Nøgletal"}, {"label", "Hvad"}, {"count", "Antal", true}}};
  const auto add = [&](std::string key, std::string label, std::int64_t count) {
    table.rows.push_back({std::move(key), std::move(label), absl::StrCat(count)});
  };
  add("signed_up", "Tilmeldt", o.signed_up());
  add("awaiting_approval", "Afventer godkendelse", o.awaiting_approval());
  add("rejected", "Afvist af leder", o.rejected());
  add("taking_part", "Med i matchningen", o.taking_part());
  add("matched", "Placeret", o.matched());
  add("unmatched", "Ikke placeret", o.unmatched());
  for (const auto& reason : o.unmatched_reasons()) {
    add("unmatched:" + reason.reason_code(), "  " + reason.reason(), reason.interns());
  }
  add("host_offers", "Værtstilbud", o.host_offers());
  add("host_offers_with_free_places", "Værtstilbud med ledige pladser",
      o.host_offers_with_free_places());
  add("free_places", "Ledige pladser i alt", o.free_places());
  add("emails_sent", "E-mails sendt", o.emails_sent());
  add("emails_failed", "E-mails fejlet", o.emails_failed());
  add("emails_pending", "E-mails undervejs", o.emails_pending());
  return table;
}

int RunRound(std::span<const std::string_view> raw_args, CommandIo& io) {
  int exit_code = kExitUsage;
  auto opened = Open(raw_args, io, "round", kRoundUsage, exit_code);
  if (!opened) return exit_code;
  const Args& args = opened->args;
  Session& session = opened->session;
  if (args.positional().size() != 2 || args.positional()[0] != "overview") {
    io.err << "ipraktik round: use `ipraktik round overview ROUND`\n";
    return kExitUsage;
  }
  v1::GetRoundOverviewRequest request;
  request.set_round_id(args.positional()[1]);
  v1::GetRoundOverviewResponse response;
  auto status = session.stub->GetRoundOverview(session.Context(std::chrono::seconds(300)).get(),
                                               request, &response);
  if (!status.ok()) return session.Refused("overview", status);
  const v1::RoundOverview& o = response.overview();
  const Table figures = OverviewTable(o);
  if (args.Flag("json") || args.Flag("csv")) return Output(session, args, figures);
  std::ostream& out = io.out;
  out << "runde " << o.round_name() << " (" << o.round_id() << ")";
  if (!o.job_id().empty()) {
    out << ", resultat af " << (o.published() ? "offentliggjort" : "forhåndsvist") << " job "
        << o.job_id();
  } else {
    out << ", ingen matchning endnu";
  }
  out << "\n\n";
  PrintTable(out, figures.Select({"label", "count"}, [](const auto&) { return true; }));
  if (o.hosts_with_free_places_size() > 0) {
    Table hosts{.columns = {{"host_workplace", "Vært"},
                            {"offer_title", "Tilbud"},
                            {"capacity", "Pladser"},
                            {"placed", "Placeret"},
                            {"free", "Ledige"}}};
    for (const auto& h : o.hosts_with_free_places()) {
      hosts.rows.push_back({h.host().workplace_name(), h.host().title(), absl::StrCat(h.capacity()),
                            absl::StrCat(h.placed()), absl::StrCat(h.free())});
    }
    out << "\nværter med ledige pladser:\n";
    PrintTable(out, hosts);
  }
  return kExitOk;
}

}  // namespace

Command MatchCommand() {
  return {.name = "match",
          .summary = "request, watch, read and publish matchings; pins, forbids, re-matching",
          .run = Run};
}

Command RoundCommand() {
  return {.name = "round",
          .summary = "a round's overview: sign-ups, approvals, placed, not placed, e-mails",
          .run = RunRound};
}

}  // namespace ipraktik::cli
