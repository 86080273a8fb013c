#include "ipraktik/bus/watch.h"

#include <atomic>
#include <optional>
#include <thread>

#include "amqp_connection.h"
#include "connection_keeper.h"
#include "event_fd.h"

namespace ipraktik::bus {
namespace {

// The thread wakes at least this often to send heartbeats.
constexpr Duration kPollInterval{200};

}  // namespace

struct BrokerWatch::Impl {
  Impl(internal::BrokerAddress address, const ConnectionOptions& options, Report report_to)
      : report(std::move(report_to)),
        keeper(std::move(address), options, "watch",
               [](internal::Connection&) { return absl::OkStatus(); }) {
    keeper.set_sleep([this](Duration delay) { return wake.SleepUnless(stop_requested, delay); });
    // A refusal (a wrong password, a missing vhost) may be mended while the process runs: the
    // watch keeps trying whatever the error, and says down meanwhile.
    keeper.set_retry_if([this](const absl::Status&) {
      Say(false);
      return true;
    });
  }

  void Run() {
    while (!stop_requested.load()) {
      absl::StatusOr<internal::Connection*> connection =
          keeper.Get(internal::Clock::time_point::max());
      if (!connection.ok()) break;  // stopped while reconnecting
      Say(true);
      absl::Status lost = Watch(**connection);
      keeper.Drop();
      if (!lost.ok()) {
        Say(false);
        keeper.logger().Warning("lost the message broker connection; reconnecting",
                                {{"role", keeper.role()}, {"error", lost.ToString()}});
      }
    }
  }

  // Reads (and answers heartbeats) until Stop() (OK) or the connection breaks (the error).
  absl::Status Watch(internal::Connection& connection) {
    while (!stop_requested.load()) {
      auto frame = connection.NextFrame(kPollInterval, wake.fd());
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) continue;
      const amqp_frame_t& got = **frame;
      if (got.frame_type == AMQP_FRAME_METHOD &&
          got.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        return connection.HandleClose(got);
      }
      connection.ReleaseBuffers();
    }
    return absl::OkStatus();
  }

  void Say(bool up) {
    if (said == up) return;
    said = up;
    report(up);
  }

  void Stop() {
    stop_requested.store(true);
    wake.Signal();
    if (thread.joinable()) thread.join();
  }

  Report report;
  internal::EventFd wake;
  std::atomic<bool> stop_requested{false};
  internal::ConnectionKeeper keeper;
  std::optional<bool> said;  // watch thread only
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<BrokerWatch>> BrokerWatch::Start(ConnectionOptions options,
                                                                Report report) {
  absl::StatusOr<internal::BrokerAddress> address = internal::ParseUrl(options.url);
  if (!address.ok()) return address.status();
  if (!report) return absl::InvalidArgumentError("the broker watch needs a report");
  // Its reconnects would add to ipraktik_bus_reconnects_total, which counts the connections that
  // carry messages; readiness has its own gauge.
  options.metrics = nullptr;
  auto impl = std::make_unique<Impl>(*std::move(address), options, std::move(report));
  if (impl->wake.fd() < 0) return absl::InternalError("eventfd failed");
  Impl* running = impl.get();
  impl->thread = std::thread([running] { running->Run(); });
  return std::unique_ptr<BrokerWatch>(new BrokerWatch(std::move(impl)));
}

BrokerWatch::BrokerWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BrokerWatch::~BrokerWatch() { Stop(); }

void BrokerWatch::Stop() { impl_->Stop(); }

}  // namespace ipraktik::bus
