// ipraktik-match: the matching engine on the command line (the problem: docs/matching.md).
//
//   ipraktik-match [--input FILE] [--output FILE] [--stats]   ("-" = stdin / stdout, the default)
//   ipraktik-match --verify INPUT RESULT
//
// Exit codes: 0 done (or verified), 1 the result is rejected (also a malformed result file) or a
// file cannot be read or written, 2 malformed input, 64 wrong command line.

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

#include "ipraktik/matching/json.h"
#include "ipraktik/matching/solver.h"
#include "ipraktik/matching/verify.h"

namespace {

using ipraktik::matching::Instance;
using Clock = std::chrono::steady_clock;

constexpr int kExitRejected = 1;
constexpr int kExitMalformed = 2;
constexpr int kExitUsage = 64;

constexpr std::string_view kHelp =
    R"(ipraktik-match: the exact optimum of one matching round.

Usage:
  ipraktik-match [--input FILE] [--output FILE] [--stats]
  ipraktik-match --verify INPUT RESULT
  ipraktik-match --help

  --input FILE    the round as JSON (default "-": standard input)
  --output FILE   where the result goes (default "-": standard output)
  --stats         one JSON line on stderr: parse, solve and write times and peak memory
  --verify        check RESULT against INPUT and its certificate, without solving

The result holds the assignments, the unmatched interns with reasons, the dropped wishes, the
demand report, a summary and an optimality certificate (docs/matching.md). Progress goes to
stderr when stderr is a terminal.

Exit codes: 0 done or verified, 1 result rejected (also a malformed result file) or a file
cannot be read or written, 2 malformed input, 64 wrong command line.
)";

int Usage(std::string_view problem) {
  std::fprintf(stderr, "ipraktik-match: %.*s (see --help)\n", static_cast<int>(problem.size()),
               problem.data());
  return kExitUsage;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "ipraktik-match: %s\n", std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitMalformed : kExitRejected;
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the process so far: on a shared machine a fairer measure than wall time.
double CpuMilliseconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

// "phase 45%" on one terminal line, at most ten times a second.
class TerminalProgress {
 public:
  TerminalProgress() : enabled_(isatty(STDERR_FILENO) == 1) {}
  ~TerminalProgress() { Done(); }

  void Show(std::string_view phase, double fraction) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (phase == phase_ && now - shown_ < std::chrono::milliseconds(100) && fraction < 1.0) return;
    phase_ = std::string(phase);
    shown_ = now;
    std::fprintf(stderr, "\r\033[K%s %3d%%", phase_.c_str(), static_cast<int>(fraction * 100));
    std::fflush(stderr);
    drawn_ = true;
  }
  void Done() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::string phase_;
  Clock::time_point shown_{};
};

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::UnavailableError("cannot write " + path + ": " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const bool closed = file == stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
  if (!written || !closed) {
    return absl::UnavailableError("cannot write " + path + ": " + std::strerror(errno));
  }
  return absl::OkStatus();
}

int Verify(const std::string& input_path, const std::string& result_path) {
  auto instance = ipraktik::matching::ReadInstanceFile(input_path);
  if (!instance.ok()) return Fail(instance.status());
  auto result = ipraktik::matching::ReadResultFile(result_path);
  if (!result.ok()) {
    // The result file is to blame, not the input: named, and rejected (exit 1), never "malformed
    // input" (exit 2).
    std::fprintf(stderr, "ipraktik-match: result file %s rejected: %s\n", result_path.c_str(),
                 std::string(result.status().message()).c_str());
    return kExitRejected;
  }
  if (auto status = ipraktik::matching::Verify(*instance, *result); !status.ok()) {
    std::fprintf(stderr, "ipraktik-match: %s\n", std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kInvalidArgument ? kExitMalformed : kExitRejected;
  }
  const auto& summary = result->summary;
  std::printf(
      "verified: %lld of %lld interns placed, total rank %lld, %lld cross-sector; the certificate "
      "proves no assignment does better\n",
      static_cast<long long>(summary.matched), static_cast<long long>(summary.interns),
      static_cast<long long>(summary.total_rank), static_cast<long long>(summary.cross_sector));
  return 0;
}

int Match(const std::string& input_path, const std::string& output_path, bool stats) {
  TerminalProgress progress;
  const auto parse_start = Clock::now();
  progress.Show("reading", 0.0);
  auto instance = ipraktik::matching::ReadInstanceFile(input_path);
  if (!instance.ok()) {
    progress.Done();
    return Fail(instance.status());
  }
  const double parse_ms = MillisecondsSince(parse_start);

  ipraktik::matching::SolveOptions options;
  options.progress = [&](std::string_view phase, double fraction) {
    progress.Show(phase, fraction);
  };
  const double cpu_before_solve = CpuMilliseconds();
  auto result = ipraktik::matching::Solve(*instance, options);
  const double solve_cpu_ms = CpuMilliseconds() - cpu_before_solve;
  if (!result.ok()) {
    progress.Done();
    return Fail(result.status());
  }

  const auto write_start = Clock::now();
  progress.Show("writing", 0.0);
  const std::string json = ipraktik::matching::WriteResultJson(*result);
  auto written = WriteFile(output_path, json);
  progress.Done();
  if (!written.ok()) return Fail(written);
  if (stats) {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::fprintf(stderr,
                 "{\"parse_ms\":%.1f,\"solve_ms\":%.1f,\"write_ms\":%.1f,\"solve_cpu_ms\":%.1f,"
                 "\"cpu_ms\":%.1f,\"peak_rss_mb\":%.1f,"
                 "\"matched\":%lld,\"total_rank\":%lld,\"cross_sector\":%lld}\n",
                 parse_ms, result->summary.solve_ms, MillisecondsSince(write_start), solve_cpu_ms,
                 CpuMilliseconds(), static_cast<double>(usage.ru_maxrss) / 1024.0,
                 static_cast<long long>(result->summary.matched),
                 static_cast<long long>(result->summary.total_rank),
                 static_cast<long long>(result->summary.cross_sector));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A national round allocates and frees arrays of hundreds of megabytes stage after stage. By
  // default glibc maps each one afresh and unmaps it when freed, so every stage pays the page
  // faults again (over a second of a 1M round on a virtual machine). One short-lived process:
  // keep freed memory in the heap for the next stage.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  std::string input = "-", output = "-";
  bool stats = false;
  for (int a = 1; a < argc; ++a) {
    const std::string_view arg = argv[a];
    auto value = [&](std::string_view name, std::string& out) {
      if (arg == name) {
        if (a + 1 >= argc) return false;
        out = argv[++a];
        return true;
      }
      out = std::string(arg.substr(name.size() + 1));  // --name=value
      return true;
    };
    auto is = [&](std::string_view name) {
      return arg == name || (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
                             arg[name.size()] == '=');
    };
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kHelp.data(), 1, kHelp.size(), stdout);
      return 0;
    } else if (arg == "--verify") {
      if (argc != 4 || a != 1) return Usage("--verify takes exactly INPUT and RESULT");
      return Verify(argv[2], argv[3]);
    } else if (arg == "--stats") {
      stats = true;
    } else if (is("--input")) {
      if (!value("--input", input)) return Usage("--input needs a file");
    } else if (is("--output")) {
      if (!value("--output", output)) return Usage("--output needs a file");
    } else {
      return Usage("unknown argument " + std::string(arg));
    }
  }
  return Match(input, output, stats);
}
