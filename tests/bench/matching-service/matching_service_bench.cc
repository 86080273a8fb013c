// Matching jobs through the whole system: N rounds of realistic size signed up through the
// registration service, then all requested at once (not as previews) from the matching service
// and worked off by two matching workers; timed from each request to its
// "matching.result.published" event. Beside it, the engine's own solve time for the same rounds
// (the job summaries' solve_ms): the ratio is what the services, the queue, the snapshot copy,
// storage and publication add.
//
//   matching_service_bench [--rounds N] [--interns I] [--hosts H] [--wishes W]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "api_keys.h"
#include "bench_round.h"
#include "child_process.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/v1/matching.grpc.pb.h"
#include "ipraktik/v1/placement_events.pb.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "local_servers.h"

namespace {

using namespace ipraktik;
using Clock = std::chrono::steady_clock;
using ipraktik::testing::ChildProcess;

struct Options {
  int rounds = 10;
  int interns = 1000;
  int hosts = 0;  // default interns / 5
  int wishes = 5;
};

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "matching_service_bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const grpc::Status& status, const std::string& what) {
  if (!status.ok()) Fail(what + ": " + status.error_message());
}

// The coordinators' keys of every tenant (set once in main, before any call).
ipraktik::testing::KeyRing* keys = nullptr;

std::unique_ptr<grpc::ClientContext> Context(const std::string& tenant) {
  auto context = std::make_unique<grpc::ClientContext>();
  ipraktik::testing::AddKey(*context, keys->Key(tenant));
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  return context;
}

std::unique_ptr<ChildProcess> Start(const std::string& program,
                                    std::map<std::string, std::string> env,
                                    const std::filesystem::path& log, int* grpc_port) {
  env["IPRAKTIK_GRPC_ADDRESS"] = "127.0.0.1:0";
  env["IPRAKTIK_METRICS_ADDRESS"] = "127.0.0.1:0";
  // Setting up thousands of interns for one tenant: measured, not rate-limited.
  env["IPRAKTIK_RATE_LIMIT_PER_SECOND"] = "0";
  auto process = std::make_unique<ChildProcess>(ipraktik::testing::BinaryDir() / "bin" / program,
                                                std::vector<std::string>{}, env, log);
  if (!process->WaitForOutput("\"serving\"", std::chrono::seconds(60))) {
    Fail(program + " did not start:\n" + process->Output());
  }
  std::smatch port;
  const std::string output = process->Output();
  if (grpc_port != nullptr) {
    if (!std::regex_search(output, port, std::regex("\"grpc_port\":([0-9]+)"))) Fail(output);
    *grpc_port = std::stoi(port[1].str());
  }
  return process;
}

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--rounds")
      options.rounds = value;
    else if (flag == "--interns")
      options.interns = value;
    else if (flag == "--hosts")
      options.hosts = value;
    else if (flag == "--wishes")
      options.wishes = value;
    else
      Fail("unknown option " + flag);
  }
  if (options.hosts == 0) options.hosts = std::max(options.interns / 5, 1);

  ipraktik::testing::RedisServer redis;
  ipraktik::testing::RabbitMqServer rabbit;
  const std::map<std::string, std::string> common = {
      {"IPRAKTIK_REDIS_ADDRESS", redis.address()},
      {"IPRAKTIK_AMQP_URL", rabbit.url()},
      {"IPRAKTIK_TOKEN_SECRET", ipraktik::testing::kTestTokenSecret}};
  ipraktik::store::Pool keys_redis([&] {
    ipraktik::store::Options pool;
    pool.port = redis.port();
    return pool;
  }());
  ipraktik::testing::KeyRing key_ring(keys_redis);
  keys = &key_ring;
  int registration_port = 0;
  auto registration_process =
      Start("ipraktik-registration", common, redis.dir() / "registration.log", &registration_port);
  auto matching_env = common;
  matching_env["IPRAKTIK_REGISTRATION_ADDRESS"] = absl::StrCat("127.0.0.1:", registration_port);
  matching_env["IPRAKTIK_REGISTRATION_API_KEY"] =
      key_ring.Key("matching", ipraktik::v1::ACCESS_ROLE_SERVICE);
  int matching_port = 0;
  auto matching_process =
      Start("ipraktik-matching", matching_env, redis.dir() / "matching.log", &matching_port);
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int w = 0; w < 2; ++w) {
    auto env = common;
    env["IPRAKTIK_MATCHING_WORKER_ID"] = absl::StrCat("bench-", w);
    int unused = 0;
    workers.push_back(Start("ipraktik-matching-worker", env,
                            redis.dir() / absl::StrCat("worker-", w, ".log"), &unused));
  }
  auto registration = v1::RegistrationService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", registration_port), grpc::InsecureChannelCredentials()));
  auto matching = v1::MatchingService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", matching_port), grpc::InsecureChannelCredentials()));

  std::printf("%d rounds of %d interns, %d host offers, %d wishes each; 2 matching workers\n",
              options.rounds, options.interns, options.hosts, options.wishes);
  std::mt19937_64 random(42);
  std::vector<std::pair<std::string, std::string>> rounds;  // tenant, round
  const auto signup_start = Clock::now();
  for (int r = 0; r < options.rounds; ++r) {
    const std::string tenant = absl::StrCat("bench", r);
    // One round in a tenant of its own.
    const bench::RoundShape shape{
        .interns = options.interns, .hosts = options.hosts, .wishes = options.wishes};
    rounds.emplace_back(tenant, bench::MakeRound(
                                    *registration, [&] { return Context(tenant); }, shape, random));
    std::fprintf(stderr, "\rsigned up round %d of %d", r + 1, options.rounds);
  }
  std::fprintf(stderr, "\n");
  std::printf("sign-up of every round (registration API and import): %.1f s\n",
              std::chrono::duration<double>(Clock::now() - signup_start).count());

  bus::ConnectionOptions connection;
  connection.url = rabbit.url();
  auto admin = bus::Admin::Create(connection);
  if (!admin.ok()) Fail(std::string(admin.status().message()));
  std::vector<bus::QueueSpec> tap = {
      {.name = "bench.published", .bindings = {"matching.result.published"}, .retry = {}}};
  if (auto status = admin->Declare(tap); !status.ok()) Fail(std::string(status.message()));

  // Every round at once, as when many municipalities close their rounds on the same day.
  std::map<std::string, Clock::time_point> requested;  // job id -> when
  std::map<std::string, std::string> tenant_of;
  const auto start = Clock::now();
  for (const auto& [tenant, round_id] : rounds) {
    v1::RequestMatchingRequest request;
    request.set_round_id(round_id);
    request.set_force(true);  // the tenants keep the shipped sender: publish regardless
    v1::RequestMatchingResponse response;
    const auto at = Clock::now();
    Check(matching->RequestMatching(Context(tenant).get(), request, &response), "RequestMatching");
    requested[response.job().job_id()] = at;
    tenant_of[response.job().job_id()] = tenant;
  }
  const double request_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::map<std::string, Clock::time_point> published;
  while (published.size() < requested.size()) {
    auto delivery = admin->Take("bench.published");
    if (!delivery.ok()) Fail(std::string(delivery.status().message()));
    if (!delivery->has_value()) {
      if (Clock::now() - start > std::chrono::minutes(30)) Fail("jobs did not finish in 30 min");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    auto envelope = events::ParseEnvelope((*delivery)->body);
    v1::MatchingResultPublished event;
    if (envelope.ok() && envelope->payload().UnpackTo(&event) &&
        requested.contains(event.job_id())) {
      published.emplace(event.job_id(), Clock::now());
    }
  }
  const double wall =
      std::chrono::duration<double>(
          std::max_element(published.begin(), published.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; })
              ->second -
          start)
          .count();

  std::vector<double> latencies;
  std::vector<double> solves;
  // Where the time goes, from the job records: waiting for a worker, the worker's part
  // (snapshot read, engine, result stored), publication (compare, records and events stored).
  double queued_ms = 0;
  double working_ms = 0;
  double publishing_ms = 0;
  const auto millis = [](const google::protobuf::Timestamp& t) {
    return static_cast<double>(t.seconds()) * 1e3 + t.nanos() / 1e6;
  };
  std::int64_t placed = 0;
  for (const auto& [job_id, at] : requested) {
    latencies.push_back(std::chrono::duration<double, std::milli>(published[job_id] - at).count());
    v1::GetMatchingJobRequest get;
    get.set_job_id(job_id);
    v1::GetMatchingJobResponse job;
    Check(matching->GetMatchingJob(Context(tenant_of[job_id]).get(), get, &job), "GetMatchingJob");
    solves.push_back(job.job().summary().solve_ms());
    queued_ms += millis(job.job().started_at()) - millis(job.job().requested_at());
    working_ms += millis(job.job().finished_at()) - millis(job.job().started_at());
    publishing_ms += millis(job.job().published_at()) - millis(job.job().finished_at());
    placed += job.job().summary().matched();
  }
  double latency_sum = 0;
  for (double l : latencies) latency_sum += l;
  double solve_sum = 0;
  for (double s : solves) solve_sum += s;
  const double n = static_cast<double>(latencies.size());
  std::printf("requests (snapshot copied, job queued): %.2f s for %zu rounds\n", request_seconds,
              latencies.size());
  std::printf("all %zu jobs published after %.2f s: %.1f jobs per minute (%lld interns placed)\n",
              latencies.size(), wall, n / wall * 60.0, static_cast<long long>(placed));
  std::printf("request -> published event: p50 %.0f ms, max %.0f ms, mean %.0f ms\n",
              Percentile(latencies, 0.5), Percentile(latencies, 1.0), latency_sum / n);
  std::printf("engine solve per round: mean %.1f ms (sum %.0f ms)\n", solve_sum / n, solve_sum);
  std::printf(
      "per job, mean: queued %.0f ms, worker (snapshot read, solve, result stored) %.0f ms, "
      "finished -> published %.0f ms\n",
      queued_ms / n, working_ms / n, publishing_ms / n);
  std::printf(
      "overhead: mean request->published / mean engine solve = %.1f; "
      "engine share of 2 workers' wall time = %.1f %%\n",
      latency_sum / std::max(solve_sum, 1e-9), solve_sum / 1000.0 / (2 * wall) * 100.0);
  return 0;
}
