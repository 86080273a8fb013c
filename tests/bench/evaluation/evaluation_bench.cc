// Figures for docs/benchmarks.md (section "Evaluation"): 100,000 answers across 500 programmes
// (5 tenants of 100 programmes, one round each, 100 placements a programme: the intern's and the
// host's side of each) submitted over gRPC to the real ipraktik-evaluation (private Redis and
// RabbitMQ, loopback) by an asynchronous client with a fixed number of calls in flight; the gRPC
// health check's rate with the same client and concurrency in the same run; then every report
// level (round, programme, tenant, national) timed at a tenth of the answers and at all of them,
// over the same cells, to show that a report costs the number of cells, not of answers.
//
// The participations and their tokens are written in-process through the service's own store, as
// its scheduler writes them on the invitation day (without the e-mail events): the benchmark is
// about answers and reports, and needs the tokens the e-mails would carry.
//
//   evaluation_bench [--in-flight N] [--programmes N]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "api_keys.h"
#include "bench_service.h"
#include "evaluation_store.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/tokens/tokens.h"
#include "ipraktik/v1/evaluation.grpc.pb.h"
#include "scheduler.h"

namespace ipraktik::evaluation::bench {
namespace {

using namespace std::chrono_literals;
using ::ipraktik::bench::Fail;
using SteadyClock = std::chrono::steady_clock;
using Stub = v1::EvaluationService::Stub;

constexpr int kTenants = 5;
constexpr int kPlacementsPerProgramme = 100;
constexpr int kHostsPerProgramme = 10;
// The service runs with the secret of the keys testing::MintKey makes (bench_service.cc).
constexpr const char* kSecret = ::ipraktik::testing::kTestTokenSecret;
const char* const kSectors[] = {"municipal", "regional", "state", "private"};
const char* const kRegions[] = {"Hovedstaden", "Sjælland", "Syddanmark", "Midtjylland",
                                "Nordjylland"};

std::string TenantOf(int programme) { return absl::StrCat("bench-", programme % kTenants); }

// Every call's metadata, in one place: the tenant (a participant's calls take it from the
// header) and the API key (none for a participant's calls).
std::unique_ptr<grpc::ClientContext> ContextFor(const std::string& tenant,
                                                const std::string& key = "") {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + 60s);
  if (!tenant.empty()) context->AddMetadata("x-ipraktik-tenant", tenant);
  if (!key.empty()) ::ipraktik::testing::AddKey(*context, key);
  return context;
}

// The keys the reports are read with: a coordinator of the first programme's tenant and the
// national operator.
struct ReportKeys {
  std::string coordinator;
  std::string operator_key;
};

// One participation to answer: its tenant, token and role.
struct Invited {
  std::string tenant;
  std::string token;
  Role role = Role::kIntern;
};

// Stores both sides of every placement of `programme` and invites them as the scheduler does
// on the day after the last day; their tokens are appended to `invited`.
void SeedProgramme(EvaluationStore& store, int programme, std::chrono::year_month_day today,
                   std::vector<Invited>& invited) {
  const std::string tenant = TenantOf(programme);
  const std::string programme_id = absl::StrCat("programme-", programme);
  v1::RoundCard round;
  round.set_programme_id(programme_id);
  round.set_round_id(absl::StrCat("round-", programme));
  round.set_name("Innovationspraktik 2026");
  const auto yesterday =
      std::chrono::year_month_day(std::chrono::sys_days(today) - std::chrono::days(1));
  for (int i = 0; i < kPlacementsPerProgramme; ++i) {
    const int host = i % kHostsPerProgramme;
    const std::string sector = kSectors[i % 4];
    const std::string host_sector = kSectors[host % 4];
    const std::string region = kRegions[host % 5];
    for (Role role : {Role::kIntern, Role::kHost}) {
      v1::PersonCard person;
      person.set_participant_id(absl::StrCat("p-", programme, "-", role == Role::kHost ? "h" : "i",
                                             role == Role::kHost ? host : i));
      person.set_name("Bench Person");
      person.set_email(absl::StrCat(person.participant_id(), "@bench.example"));
      const bool is_host = role == Role::kHost;
      Participation p{.placement_id = absl::StrCat("pl-", programme, "-", i),
                      .role = role,
                      .host_offer_id = is_host ? absl::StrCat("h-", host) : "",
                      .cell = {.programme_id = programme_id,
                               .round_id = round.round_id(),
                               .role = role,
                               .sector = is_host ? host_sector : sector,
                               .region = region,
                               .host_sector = host_sector},
                      .crosses_sectors = sector != host_sector,
                      .first_day = yesterday,
                      .last_day = yesterday,
                      .participant_id = person.participant_id(),
                      .person_card = person.SerializeAsString(),
                      .round_card = round.SerializeAsString(),
                      .host_workplace_name = "Socialforvaltningen",
                      .revision = 1};
      if (auto stored = store.Upsert(tenant, p); !stored.ok()) Fail(stored.ToString());
      auto loaded = store.Load(tenant, p.Id());
      if (!loaded.ok() || !loaded->has_value()) Fail("a participation was not stored");
      const Participation& seen = **loaded;
      const EvaluationProgress after =
          AfterStep(seen.progress, {.kind = StepKind::kInvite, .wave = Wave::kFirst}, today);
      Tally tally;
      tally.AddParticipant(seen.crosses_sectors);
      auto token = tokens::NewToken("ipe");
      if (!token.ok()) Fail(token.status().ToString());
      auto applied = store.ApplyStep(tenant, seen, after, NextDueDay(after, ScheduleSettings{}),
                                     tally, tokens::Digest(kSecret, *token), std::nullopt);
      if (!applied.ok() || !*applied) Fail("a participation was not invited");
      invited.push_back({.tenant = tenant, .token = *token, .role = role});
    }
  }
}

v1::EvaluationAnswers AnswersOf(Role role, std::size_t n) {
  v1::EvaluationAnswers answers;
  const int rating = 1 + static_cast<int>(n % 5);
  answers.set_overall_value(rating);
  answers.set_relevance(1 + static_cast<int>(n / 5 % 5));
  if (role == Role::kIntern) {
    answers.set_host_preparation(rating);
  } else {
    answers.set_intern_contribution(rating);
  }
  answers.set_length(n % 3 == 0 ? v1::LENGTH_VERDICT_TOO_SHORT : v1::LENGTH_VERDICT_RIGHT);
  answers.set_would_recommend(n % 4 != 0);
  answers.set_new_contacts(static_cast<int>(n % 7));
  if (n % 10 == 0) answers.set_idea("Tavlemøder hver morgen");
  return answers;
}

// Starts call number `index`; done(ok) runs on a gRPC thread when it finished.
using StartCall = std::function<void(std::size_t index, std::function<void(bool ok)> done)>;

struct LoopResult {
  double seconds = 0;
  std::size_t errors = 0;
};

// Calls first..last-1 with in_flight calls kept going (closed loop).
LoopResult ClosedLoop(std::size_t first, std::size_t last, int in_flight, const StartCall& start) {
  std::atomic<std::size_t> next{first};
  std::atomic<std::size_t> finished{0};
  std::atomic<std::size_t> errors{0};
  std::mutex mutex;
  std::condition_variable all_done;
  const std::size_t total = last - first;
  std::function<void()> launch = [&] {
    const std::size_t index = next++;
    if (index >= last) return;
    start(index, [&](bool ok) {
      if (!ok) ++errors;
      launch();
      if (++finished == total) {
        std::lock_guard lock(mutex);
        all_done.notify_all();
      }
    });
  };
  const auto begin = SteadyClock::now();
  for (int i = 0; i < in_flight; ++i) launch();
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return finished == total; });
  return {.seconds = std::chrono::duration<double>(SteadyClock::now() - begin).count(),
          .errors = errors};
}

void PrintRate(const std::string& what, std::size_t calls, const LoopResult& result) {
  std::printf("%-52s %8zu calls %7.2f s %8.0f calls/s (%zu errors)\n", what.c_str(), calls,
              result.seconds, static_cast<double>(calls) / result.seconds, result.errors);
  std::fflush(stdout);
}

// The median time of `runs` calls of report(), in milliseconds.
double MedianMs(int runs, const std::function<void()>& report) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto begin = SteadyClock::now();
    report();
    times.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - begin).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct ReportTimes {
  double round_ms = 0;
  double programme_ms = 0;
  double tenant_ms = 0;
  double national_ms = 0;
  std::int64_t national_answers = 0;
};

ReportTimes TimeReports(Stub& stub, const ReportKeys& keys) {
  constexpr int kRuns = 5;
  ReportTimes times;
  auto tenant_report = [&](v1::GetEvaluationReportRequest request) {
    v1::GetEvaluationReportResponse response;
    auto status = stub.GetEvaluationReport(ContextFor(TenantOf(0), keys.coordinator).get(), request,
                                           &response);
    if (!status.ok()) Fail("report: " + status.error_message());
  };
  v1::GetEvaluationReportRequest round;
  round.set_round_id("round-0");
  times.round_ms = MedianMs(kRuns, [&] { tenant_report(round); });
  v1::GetEvaluationReportRequest programme;
  programme.set_programme_id("programme-0");
  times.programme_ms = MedianMs(kRuns, [&] { tenant_report(programme); });
  times.tenant_ms = MedianMs(kRuns, [&] { tenant_report({}); });
  times.national_ms = MedianMs(kRuns, [&] {
    v1::GetNationalEvaluationReportResponse response;
    auto status =
        stub.GetNationalEvaluationReport(ContextFor("", keys.operator_key).get(), {}, &response);
    if (!status.ok()) Fail("national report: " + status.error_message());
    times.national_answers = response.report().total().answers();
  });
  std::printf(
      "reports (median of %d, ms): round %.1f, programme %.1f, tenant %.1f, national %.1f "
      "(national total: %lld answers)\n",
      kRuns, times.round_ms, times.programme_ms, times.tenant_ms, times.national_ms,
      static_cast<long long>(times.national_answers));
  std::fflush(stdout);
  return times;
}

int Main(int argc, char** argv) {
  int in_flight = 32;
  int programmes = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    int* target = flag == "--in-flight"    ? &in_flight
                  : flag == "--programmes" ? &programmes
                                           : nullptr;
    if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      Fail("usage: evaluation_bench [--in-flight N] [--programmes N]");
    }
  }

  ipraktik::testing::RedisServer redis;
  ipraktik::testing::RabbitMqServer rabbit;
  const auto service = ipraktik::bench::StartBenchService("evaluation", redis, rabbit,
                                                          {{"IPRAKTIK_TIME_ZONE", "UTC"}});

  // The participations, written by 4 threads through the service's store.
  const auto today = Today(absl::Now(), absl::UTCTimeZone());
  std::vector<Invited> invited;
  ReportKeys keys;
  {
    store::Pool pool(store::Options{.host = "127.0.0.1", .port = redis.port(), .pool_size = 4});
    keys.coordinator = ::ipraktik::testing::MintKey(pool, TenantOf(0));
    keys.operator_key = ::ipraktik::testing::MintKey(pool, "national", v1::ACCESS_ROLE_OPERATOR);
    outbox::Outbox outbox(pool, "evaluation");
    EvaluationStore store(pool, outbox);
    constexpr int kSeeders = 4;
    std::vector<std::vector<Invited>> parts(kSeeders);
    const auto begin = SteadyClock::now();
    {
      std::vector<std::jthread> seeders;
      for (int s = 0; s < kSeeders; ++s) {
        seeders.emplace_back([&, s] {
          for (int p = s; p < programmes; p += kSeeders) SeedProgramme(store, p, today, parts[s]);
        });
      }
    }
    for (auto& part : parts) std::move(part.begin(), part.end(), std::back_inserter(invited));
    std::printf("%zu participations of %d programmes in %d tenants invited in %.1f s\n",
                invited.size(), programmes, kTenants,
                std::chrono::duration<double>(SteadyClock::now() - begin).count());
  }
  // Answers in an order that spreads every tenth of them over all programmes.
  std::shuffle(invited.begin(), invited.end(), std::mt19937(12));

  auto channel = ipraktik::bench::BenchChannel(service.address);
  auto stub = v1::EvaluationService::NewStub(channel);
  grpc::GenericStub generic(channel);

  std::once_flag first_error;
  StartCall submit = [&](std::size_t index, std::function<void(bool)> done) {
    struct Call {
      std::unique_ptr<grpc::ClientContext> context;
      v1::SubmitEvaluationRequest request;
      v1::SubmitEvaluationResponse response;
    };
    auto call = std::make_shared<Call>();
    const Invited& who = invited[index];
    call->context = ContextFor(who.tenant);
    call->request.set_token(who.token);
    *call->request.mutable_answers() = AnswersOf(who.role, index);
    stub->async()->SubmitEvaluation(call->context.get(), &call->request, &call->response,
                                    [call, done, &first_error](grpc::Status status) {
                                      if (!status.ok()) {
                                        std::call_once(first_error, [&] {
                                          std::fprintf(stderr, "first failed answer: %s\n",
                                                       status.error_message().c_str());
                                        });
                                      }
                                      done(status.ok());
                                    });
  };
  StartCall health = [&](std::size_t, std::function<void(bool)> done) {
    ipraktik::bench::CallHealthCheck(generic, std::move(done));
  };

  const std::size_t all = invited.size();
  const std::size_t tenth = all / 10;
  std::printf("client: one channel, %d calls in flight\n", in_flight);
  const LoopResult health_result = ClosedLoop(0, 20'000, in_flight, health);
  PrintRate("grpc.health.v1.Health/Check", 20'000, health_result);
  const LoopResult first = ClosedLoop(0, tenth, in_flight, submit);
  PrintRate("SubmitEvaluation, first tenth", tenth, first);
  const ReportTimes at_tenth = TimeReports(*stub, keys);
  const LoopResult rest = ClosedLoop(tenth, all, in_flight, submit);
  PrintRate("SubmitEvaluation, the other nine tenths", all - tenth, rest);
  const LoopResult all_answers = {.seconds = first.seconds + rest.seconds,
                                  .errors = first.errors + rest.errors};
  PrintRate("SubmitEvaluation, all", all, all_answers);
  std::printf(
      "answers/s / health checks/s: %.2f\n",
      (static_cast<double>(all) / all_answers.seconds) / (20'000.0 / health_result.seconds));
  const ReportTimes at_all = TimeReports(*stub, keys);
  std::printf(
      "report time at %zu / at %zu answers: round %.2f, programme %.2f, tenant %.2f, national "
      "%.2f\n",
      all, tenth, at_all.round_ms / at_tenth.round_ms, at_all.programme_ms / at_tenth.programme_ms,
      at_all.tenant_ms / at_tenth.tenant_ms, at_all.national_ms / at_tenth.national_ms);
  if (all_answers.errors != 0 || at_all.national_answers != static_cast<std::int64_t>(all)) {
    Fail(absl::StrCat("expected ", all, " answers in the national report, found ",
                      at_all.national_answers));
  }
  return 0;
}

}  // namespace
}  // namespace ipraktik::evaluation::bench

int main(int argc, char** argv) {
  return ipraktik::bench::RunBench("evaluation_bench",
                                   [&] { return ipraktik::evaluation::bench::Main(argc, argv); });
}
