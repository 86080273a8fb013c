#include "plain_smtp.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/compose.h"
#include "ipraktik/store/pool.h"
#include "smtp_transport.h"

namespace ipraktik::bench {

std::vector<std::string> RenderPlacementMessages(int count,
                                                 const std::filesystem::path& templates) {
  using namespace ipraktik::notification;
  absl::TimeZone copenhagen;
  absl::LoadTimeZone("Europe/Copenhagen", &copenhagen);
  TemplateStore store(templates);
  const TenantSettings settings{.sender_name = "Innovationspraktikken",
                                .sender_address = "ipraktik@bench.example",
                                .signature_da = "Venlig hilsen\nSekretariatet",
                                .signature_en = "Kind regards\nThe secretariat",
                                .reminder_days_before = 3};
  std::vector<std::string> rendered;
  rendered.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const std::string event_id = "bench-event-" + std::to_string(i);
    MessageContext context{
        .tenant = "bench", .event_id = event_id, .event_time = absl::Now(), .settings = settings};
    InternPlaced placed{
        .round = {.round_id = "r-bench", .name = "Innovationspraktik 2026"},
        .intern = {.participant_id = "p-" + std::to_string(i),
                   .name = "Søren Ærø " + std::to_string(i),
                   .email = "intern" + std::to_string(i) + "@bench.example",
                   .language = i % 5 == 0 ? Language::kEnglish : Language::kDanish},
        .host_offer = {.workplace_name = "Socialforvaltningen"},
        .days = {Date{std::chrono::year(2027), std::chrono::month(9), std::chrono::day(13)}},
        .placement_id = "pl-" + std::to_string(i),
        .revision = 1};
    auto composed =
        Compose(PlanMessages(placed, context)[0], context, store, 0, absl::Now(), copenhagen);
    if (!composed.ok()) {
      std::fprintf(stderr, "rendering failed: %s\n", composed.status().ToString().c_str());
      std::exit(1);
    }
    rendered.push_back(composed->mime);
  }
  return rendered;
}

std::chrono::duration<double> SendPlain(const std::string& smtp_url,
                                        const std::vector<std::string>& messages, int count,
                                        int connections, const std::string& recipient_prefix,
                                        Bookkeeping bookkeeping) {
  using namespace ipraktik::notification;
  InitSmtpLibrary();
  const SmtpSettings settings{.url = smtp_url, .starttls = StartTls::kOff};
  std::atomic<int> next{0};
  const auto began = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&] {
      SmtpConnection connection(settings);
      for (int i = next++; i < count; i = next++) {
        const std::string name = recipient_prefix + std::to_string(i);
        const std::string key = "bench:once:" + name;
        if (bookkeeping.redis != nullptr) {
          auto claimed =
              bookkeeping.redis->Command({"SET", key + ":claim", "sender", "NX", "PX", "600000"});
          if (!claimed.ok() || claimed->is_nil()) {
            std::fprintf(stderr, "claim of %s failed: %s\n", key.c_str(),
                         claimed.ok() ? "claimed already" : claimed.status().ToString().c_str());
            std::exit(1);
          }
        }
        SmtpAttempt attempt =
            connection.Send("ipraktik@bench.example", name + "@bench.example",
                            messages[static_cast<std::size_t>(i) % messages.size()], {});
        if (!attempt.accepted) {
          std::fprintf(stderr, "plain send failed: %s\n", attempt.error.c_str());
          std::exit(1);
        }
        if (bookkeeping.redis != nullptr && bookkeeping.record) {
          if (auto recorded = bookkeeping.redis->Command({"SET", key + ":sent", "1"});
              !recorded.ok()) {
            std::fprintf(stderr, "record of %s failed: %s\n", key.c_str(),
                         recorded.status().ToString().c_str());
            std::exit(1);
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return std::chrono::steady_clock::now() - began;
}

}  // namespace ipraktik::bench
