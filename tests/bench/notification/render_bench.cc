// Figures for docs/benchmarks.md: the CPU the notification service spends composing one
// placement e-mail (its templates, quoted-printable text and HTML, the calendar file, MIME),
// with nothing else around it: no queue, no Redis, no SMTP.
//
//   render_bench [count]      (default 20,000 e-mails; the first ones read the templates)
//
// Its instruction count is steady under valgrind --tool=callgrind, where the time of a loaded
// machine is not: the difference between two counts (say 200 and 1,200 e-mails) divided by the
// difference in e-mails is the cost of one.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "bench_service.h"
#include "local_servers.h"
#include "plain_smtp.h"

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 20'000;
  if (count <= 0) {
    std::fprintf(stderr, "usage: render_bench [count > 0]\n");
    return 2;
  }
  using ipraktik::bench::CpuSeconds;
  const pid_t self = getpid();
  const double before = CpuSeconds(self);
  const std::vector<std::string> messages = ipraktik::bench::RenderPlacementMessages(
      count, ipraktik::testing::SourceDir() / "services/notification/templates");
  const double cpu = CpuSeconds(self) - before;
  std::size_t bytes = 0;
  for (const std::string& message : messages) bytes += message.size();
  std::printf(
      "rendering: %d placement e-mails (text, HTML, calendar, MIME; %zu bytes on average): %.1f "
      "us of CPU per e-mail\n",
      count, bytes / messages.size(), cpu * 1e6 / count);
  return 0;
}
