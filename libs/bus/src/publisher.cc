#include "ipraktik/bus/publisher.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "amqp_connection.h"
#include "codec.h"
#include "connection_keeper.h"
#include "ipraktik/deadline/deadline.h"
#include "text.h"
#include "topology.h"

namespace ipraktik::bus {
namespace {

using internal::Cat;

using internal::Clock;
using internal::Connection;

constexpr amqp_channel_t kChannel = 1;
// While a big batch goes out, confirms are read every so often so that neither side's socket
// buffer fills up with frames the other is not reading.
constexpr std::size_t kDrainEvery = 128;

// Which delivery tags of one batch the broker has settled, and how.
class ConfirmTracker {
 public:
  ConfirmTracker(std::uint64_t first_tag, std::size_t count)
      : first_tag_(first_tag), settled_(count, false), open_(count) {}

  void Settle(std::uint64_t tag, bool multiple, bool nack) {
    if (tag < first_tag_ || settled_.empty()) return;
    std::size_t last = std::min<std::size_t>(tag - first_tag_, settled_.size() - 1);
    std::size_t first = multiple ? lowest_open_ : last;
    for (std::size_t i = first; i <= last; ++i) {
      if (settled_[i]) continue;
      settled_[i] = true;
      --open_;
      if (nack) ++nacked_;
    }
    while (lowest_open_ < settled_.size() && settled_[lowest_open_]) ++lowest_open_;
  }
  void Returned(std::string exchange, std::string routing_key, std::string why) {
    if (returned_++ == 0) {
      first_return_ = Cat("exchange \"", exchange, "\" routing key \"", routing_key, "\": ", why);
    }
  }

  std::size_t open() const { return open_; }
  std::size_t nacked() const { return nacked_; }
  std::size_t returned() const { return returned_; }
  const std::string& first_return() const { return first_return_; }

 private:
  std::uint64_t first_tag_;
  std::vector<bool> settled_;
  std::size_t open_;
  std::size_t lowest_open_ = 0;
  std::size_t nacked_ = 0;
  std::size_t returned_ = 0;
  std::string first_return_;
};

}  // namespace

struct Publisher::Impl {
  Impl(internal::BrokerAddress address, PublisherOptions publisher_options)
      : options(std::move(publisher_options)),
        keeper(std::move(address), options.connection, "publisher",
               [this](Connection& connection) { return Setup(connection); }),
        heartbeats([this](std::stop_token stop) { ServiceHeartbeats(stop); }) {}

  // rabbitmq-c sends and checks heartbeats only inside its calls, so a publisher that sits idle
  // would be dropped by the broker after two missed heartbeats. This thread reads what the
  // broker sent (and so answers a due heartbeat) every heartbeat/4 while nothing is published;
  // the connection is used by one thread at a time (the mutex), and a publish in progress
  // services heartbeats itself.
  void ServiceHeartbeats(std::stop_token stop) {
    std::mutex wait_mutex;
    std::condition_variable_any wake;
    for (;;) {
      Duration interval(1'000);
      {
        std::unique_lock lock(mutex, std::try_to_lock);
        Connection* connection = lock.owns_lock() ? keeper.current() : nullptr;
        if (connection != nullptr && connection->healthy()) {
          if (connection->heartbeat_seconds() > 0) {
            interval = std::min(interval, Duration(connection->heartbeat_seconds() * 1'000 / 4));
          }
          ConfirmTracker none(next_tag, 0);
          if (absl::Status status = DrainReady(*connection, none); !status.ok()) {
            // The next publish reconnects (and counts the reconnect).
            keeper.logger().Warning("idle publisher lost its connection",
                                    {{"error", status.ToString()}});
          }
        }
      }
      std::unique_lock wait_lock(wait_mutex);
      wake.wait_for(wait_lock, stop, interval, [&stop] { return stop.stop_requested(); });
      if (stop.stop_requested()) return;
    }
  }

  absl::Status Setup(Connection& connection) {
    next_tag = 1;
    if (absl::Status status = connection.OpenChannel(kChannel); !status.ok()) return status;
    if (absl::Status status = connection.ConfirmSelect(kChannel); !status.ok()) return status;
    return internal::DeclareTopology(connection, kChannel, options.queues);
  }

  // Reads one frame's worth of confirms, returns or a close.
  absl::Status Handle(Connection& connection, const amqp_frame_t& frame, ConfirmTracker& tracker) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return absl::OkStatus();
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        tracker.Settle(ack->delivery_tag, ack->multiple != 0, false);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
        tracker.Settle(nack->delivery_tag, nack->multiple != 0, true);
        break;
      }
      case AMQP_BASIC_RETURN_METHOD: {
        // The broker sends basic.return before the basic.ack of an unroutable message.
        const auto* returned = static_cast<const amqp_basic_return_t*>(method.decoded);
        tracker.Returned(internal::ToString(returned->exchange),
                         internal::ToString(returned->routing_key),
                         internal::ToString(returned->reply_text));
        if (auto content = connection.ReadContent(frame.channel); !content.ok()) {
          return content.status();
        }
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        return connection.HandleClose(frame);
      default:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status DrainReady(Connection& connection, ConfirmTracker& tracker) {
    for (;;) {
      auto frame = connection.NextFrame(Duration(0));
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) return absl::OkStatus();
      absl::Status status = Handle(connection, **frame, tracker);
      connection.ReleaseBuffers();
      if (!status.ok()) return status;
    }
  }

  absl::Status PublishOnce(Connection& connection, std::span<const Message> messages,
                           Clock::time_point deadline) {
    ConfirmTracker tracker(next_tag, messages.size());
    // The broker may have closed the connection since the last publish (a restart, an admin):
    // find out (and answer a due heartbeat) before sending.
    if (absl::Status status = DrainReady(connection, tracker); !status.ok()) return status;
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const Message& message = messages[i];
      internal::TableBuilder headers;
      amqp_basic_properties_t properties = internal::PropertiesFor(message, headers);
      absl::Status sent = connection.Publish(
          kChannel, message.exchange, message.routing_key, message.mandatory, properties,
          amqp_bytes_t{message.body.size(), const_cast<char*>(message.body.data())});
      if (!sent.ok()) return sent;
      ++next_tag;
      keeper.metrics().Published(1);
      if ((i + 1) % kDrainEvery == 0) {
        if (absl::Status status = DrainReady(connection, tracker); !status.ok()) return status;
      }
    }
    while (tracker.open() > 0) {
      auto remaining = std::chrono::duration_cast<Duration>(deadline - Clock::now());
      if (remaining <= Duration(0)) {
        // Late confirms would be taken for the next batch's: start over on a new connection.
        keeper.Drop();
        keeper.metrics().PublishFailed("timeout", static_cast<double>(messages.size()));
        return absl::DeadlineExceededError(Cat("no publisher confirm for ", tracker.open(), " of ",
                                               messages.size(), " messages within ",
                                               options.publish_timeout.count(), " ms"));
      }
      auto frame = connection.NextFrame(std::min(remaining, Duration(1'000)));
      if (!frame.ok()) return frame.status();
      if (!frame->has_value()) continue;
      absl::Status status = Handle(connection, **frame, tracker);
      connection.ReleaseBuffers();
      if (!status.ok()) return status;
    }
    keeper.metrics().Confirmed(
        static_cast<double>(messages.size() - tracker.nacked() - tracker.returned()));
    if (tracker.returned() > 0) {
      keeper.metrics().PublishFailed("unroutable", static_cast<double>(tracker.returned()));
      return absl::FailedPreconditionError(
          Cat(tracker.returned(), " of ", messages.size(),
              " messages unroutable (no queue bound): ", tracker.first_return()));
    }
    if (tracker.nacked() > 0) {
      keeper.metrics().PublishFailed("nack", static_cast<double>(tracker.nacked()));
      return absl::UnavailableError(
          Cat("the broker nacked ", tracker.nacked(), " of ", messages.size(), " messages"));
    }
    return absl::OkStatus();
  }

  absl::Status Publish(std::span<const Message> messages) {
    if (messages.empty()) return absl::OkStatus();
    std::lock_guard lock(mutex);
    // A call's deadline (libs/deadline) bounds the wait too; past it nothing is published.
    if (absl::Status late = deadline::Check("the publish"); !late.ok()) return late;
    Clock::time_point deadline =
        Clock::now() +
        absl::ToChronoNanoseconds(deadline::Bound(absl::FromChrono(options.publish_timeout)));
    for (;;) {
      absl::StatusOr<Connection*> connection = keeper.Get(deadline);
      if (!connection.ok()) {
        keeper.metrics().PublishFailed(
            internal::IsTransient(connection.status()) ? "connection" : "refused",
            static_cast<double>(messages.size()));
        return connection.status();
      }
      absl::Status status = PublishOnce(**connection, messages, deadline);
      if (status.ok()) return status;
      bool connection_lost = keeper.current() == nullptr || !keeper.current()->healthy();
      if (connection_lost && absl::IsUnavailable(status) && Clock::now() < deadline) {
        // The broker went away mid-publish: publish everything again on a new connection (the
        // broker may have kept some of it; consumers dedupe).
        keeper.logger().Warning("publish interrupted by a lost connection; publishing again",
                                {{"error", status.ToString()},
                                 {"messages", static_cast<std::int64_t>(messages.size())}});
        keeper.Drop();
        continue;
      }
      if (connection_lost) keeper.Drop();
      if (!absl::IsFailedPrecondition(status) && !absl::IsUnavailable(status) &&
          !absl::IsDeadlineExceeded(status)) {
        keeper.metrics().PublishFailed("refused", static_cast<double>(messages.size()));
      }
      return status;
    }
  }

  PublisherOptions options;
  // Held by whoever uses the connection: a publish, Connect, Close or the heartbeat thread.
  std::mutex mutex;
  internal::ConnectionKeeper keeper;
  std::uint64_t next_tag = 1;
  // Last: stopped and joined first when the publisher goes away.
  std::jthread heartbeats;
};

absl::StatusOr<Publisher> Publisher::Create(PublisherOptions options) {
  absl::StatusOr<internal::BrokerAddress> address = internal::ParseUrl(options.connection.url);
  if (!address.ok()) return address.status();
  for (const auto& spec : options.queues) {
    if (absl::Status status = spec.Validate(); !status.ok()) return status;
  }
  if (options.publish_timeout <= Duration(0)) {
    return absl::InvalidArgumentError("publish_timeout must be positive");
  }
  return Publisher(std::make_unique<Impl>(*std::move(address), std::move(options)));
}

Publisher::Publisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Publisher::Publisher(Publisher&&) noexcept = default;
Publisher& Publisher::operator=(Publisher&&) noexcept = default;
Publisher::~Publisher() = default;

absl::Status Publisher::Connect() {
  std::lock_guard lock(impl_->mutex);
  return impl_->keeper.Get(Clock::now() + impl_->options.publish_timeout).status();
}

absl::Status Publisher::Publish(const Message& message) {
  return impl_->Publish(std::span<const Message>(&message, 1));
}

absl::Status Publisher::PublishBatch(std::span<const Message> messages) {
  return impl_->Publish(messages);
}

void Publisher::Close() {
  std::lock_guard lock(impl_->mutex);
  impl_->keeper.Drop();
}

}  // namespace ipraktik::bus
