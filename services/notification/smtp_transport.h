#pragma once

// Sending one prepared e-mail over SMTP with libcurl: STARTTLS and authentication as configured,
// the connection kept open between messages, and a hook that runs just before the final "."
// of the message body goes out (the service records the hand-over there, see
// docs/notification.md). Each SmtpConnection is used by one thread at a time; SmtpPool lends
// them out.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "domain/delivery.h"

namespace ipraktik::notification {

enum class StartTls { kOff, kTry, kRequired };

struct SmtpSettings {
  // smtp://host:port[/helo-domain] or smtps://... (TLS from the start).
  std::string url = "smtp://127.0.0.1:7025";
  std::string user{};
  std::string password{};
  // With credentials, kTry is treated as kRequired: a password never travels in clear.
  StartTls starttls = StartTls::kTry;
  // PEM bundle to verify the server's certificate (empty: the system's).
  std::string ca_file{};
  std::chrono::milliseconds connect_timeout{10'000};
  // The whole transaction.
  std::chrono::milliseconds timeout{60'000};
};

// Calls curl_global_init once; call it from main (or a test's main) before any thread starts.
void InitSmtpLibrary();

class SmtpConnection {
 public:
  explicit SmtpConnection(SmtpSettings settings);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // Sends message (complete, CRLF line ends) from `from` to `to`. before_end_of_data runs once,
  // just before the last bytes of the body are handed to libcurl (which sends the end-of-data
  // dot right after them); when it fails, the transaction is aborted (the server discards the
  // message) and the attempt reports the hook's error with handed_over = false.
  SmtpAttempt Send(const std::string& from, const std::string& to, const std::string& message,
                   const std::function<absl::Status()>& before_end_of_data);

 private:
  SmtpSettings settings_;
  void* curl_ = nullptr;  // CURL*
};

// A fixed set of connections shared by threads.
class SmtpPool {
 public:
  SmtpPool(SmtpSettings settings, int size);

  class Lease {
   public:
    Lease(SmtpPool* pool, std::unique_ptr<SmtpConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease() {
      if (pool_ != nullptr && connection_) pool_->GiveBack(std::move(connection_));
    }
    SmtpConnection& operator*() const { return *connection_; }
    SmtpConnection* operator->() const { return connection_.get(); }

   private:
    SmtpPool* pool_;
    std::unique_ptr<SmtpConnection> connection_;
  };

  // Waits for a free connection.
  Lease Acquire();

 private:
  void GiveBack(std::unique_ptr<SmtpConnection> connection);

  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<SmtpConnection>> idle_;
};

}  // namespace ipraktik::notification
