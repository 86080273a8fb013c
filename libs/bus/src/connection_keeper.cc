#include "connection_keeper.h"

#include <thread>

#include "text.h"

namespace ipraktik::bus::internal {

ConnectionKeeper::ConnectionKeeper(BrokerAddress address, const ConnectionOptions& options,
                                   std::string role, Setup setup)
    : address_(std::move(address)),
      options_(options),
      role_(std::move(role)),
      setup_(std::move(setup)),
      sleep_([](Duration delay) {
        std::this_thread::sleep_for(delay);
        return true;
      }),
      retry_if_(IsTransient),
      logger_(options.logger.value_or(logging::Logger("bus"))),
      metrics_(options.metrics),
      random_(std::random_device{}()) {
  metrics_.Connecting(role_);
}

absl::StatusOr<Connection*> ConnectionKeeper::Get(Clock::time_point deadline) {
  if (connection_ && connection_->healthy()) return connection_.get();
  connection_.reset();
  std::string where = Cat(address_.host, ":", address_.port);
  for (;;) {
    absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(address_, options_);
    absl::Status status = opened.status();
    if (status.ok()) status = setup_(**opened);
    if (status.ok()) {
      connection_ = *std::move(opened);
      if (connected_before_) {
        metrics_.Reconnected(role_);
        logger_.Info("reconnected to the message broker",
                     {{"role", role_}, {"broker", where}, {"failed_attempts", failures_}});
      }
      connected_before_ = true;
      failures_ = 0;
      return connection_.get();
    }
    if (!retry_if_(status)) {
      logger_.Error("message broker refused the connection setup",
                    {{"role", role_}, {"broker", where}, {"error", status.ToString()}});
      return status;
    }
    ++failures_;
    Duration delay = options_.reconnect.Delay(failures_, random_);
    if (Clock::now() + delay >= deadline) {
      return absl::DeadlineExceededError(
          Cat("message broker at ", where, " unreachable: ", status.message()));
    }
    logger_.Warning("message broker unreachable; retrying",
                    {{"role", role_},
                     {"broker", where},
                     {"error", status.ToString()},
                     {"attempt", failures_},
                     {"retry_in_ms", static_cast<std::int64_t>(delay.count())}});
    if (!sleep_(delay)) return absl::CancelledError("stopped while reconnecting");
  }
}

}  // namespace ipraktik::bus::internal
