#pragma once

// The plain SMTP client the notification service is measured against: libcurl connections that
// send pre-rendered messages and do nothing else (no queue, no claim, no rendering, no record),
// and the messages themselves, rendered once by the service's own templates and MIME code.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ipraktik::store {
class Pool;
}

namespace ipraktik::bench {

// count intern_placed messages (Danish and every fifth English: text, HTML and an .ics, about
// 8 KB each) composed as the service composes them, from the templates in templates.
std::vector<std::string> RenderPlacementMessages(int count, const std::filesystem::path& templates);

// Sends count messages to smtp_url (smtp://host:port, no TLS) over `connections` threads, one
// libcurl connection each, cycling through messages; recipients are
// <recipient_prefix><n>@bench.example. Returns once every message was accepted (250); exits the
// program on the first refusal.
//
// With bookkeeping.redis set, each message also gets durable writes in Redis and nothing else,
// one round trip each on its connections (keys "bench:once:<recipient_prefix><n>:...", no
// personal data): a claim before it is sent (SET NX with an expiry, so that a sender that dies
// lets another take it over; it stands for any write that must be durable before the message
// is handed over), and with record, a record after (SET).
struct Bookkeeping {
  store::Pool* redis = nullptr;
  bool record = false;
};
std::chrono::duration<double> SendPlain(const std::string& smtp_url,
                                        const std::vector<std::string>& messages, int count,
                                        int connections, const std::string& recipient_prefix,
                                        Bookkeeping bookkeeping = {});

}  // namespace ipraktik::bench
