#pragma once

// One rabbitmq-c connection with the calls the bus needs, each returning absl::Status. Not
// thread-safe (rabbitmq-c is not): it belongs to the thread that opened it.
//
// After a connection-level error (socket, heartbeat timeout, connection.close) healthy() turns
// false and the owner destroys it and opens a new one; a channel error (channel.close from the
// broker) is answered and also marks the connection unhealthy, because the bus rebuilds the
// whole connection rather than tracking channel state.

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/options.h"

namespace ipraktik::bus::internal {

using Clock = std::chrono::steady_clock;

struct BrokerAddress {
  std::string host;
  int port = 5672;
  std::string vhost = "/";
  std::string user = "guest";
  std::string password = "guest";
};

absl::StatusOr<BrokerAddress> ParseUrl(std::string_view url);

// An AMQP field table built from C++ values; the table it returns points into the builder, so
// it stays valid while the builder lives and is not changed.
class TableBuilder {
 public:
  void AddString(std::string_view key, std::string_view value);
  void AddInt(std::string_view key, std::int64_t value);
  // Shallow copy of an entry of another table: that table must outlive the use of this one.
  void AddEntry(const amqp_table_entry_t& entry);
  amqp_table_t Table();

 private:
  amqp_bytes_t Keep(std::string_view text);
  std::deque<std::string> strings_;  // a deque: growing it never moves the strings
  std::vector<amqp_table_entry_t> entries_;
};

std::string ToString(amqp_bytes_t bytes);
// A view of text as rabbitmq-c takes it (text must outlive the use).
amqp_bytes_t Bytes(std::string_view text);

// A message (properties and body) read off a channel; frees it when destroyed.
class OwnedMessage {
 public:
  OwnedMessage() = default;
  explicit OwnedMessage(const amqp_message_t& message) : message_(message), owned_(true) {}
  OwnedMessage(OwnedMessage&& other) noexcept;
  OwnedMessage& operator=(OwnedMessage&& other) noexcept;
  ~OwnedMessage();

  const amqp_basic_properties_t& properties() const { return message_.properties; }
  amqp_bytes_t body() const { return message_.body; }

 private:
  void Reset();
  amqp_message_t message_{};
  bool owned_ = false;
};

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const BrokerAddress& address,
                                                          const ConnectionOptions& options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Closes gracefully when the connection still stands (unacked messages go back to their
  // queues either way).
  ~Connection();

  bool healthy() const { return healthy_; }
  // The heartbeat the broker agreed to (0: none).
  int heartbeat_seconds() const;

  absl::Status OpenChannel(amqp_channel_t channel);
  absl::Status ConfirmSelect(amqp_channel_t channel);
  absl::Status Qos(amqp_channel_t channel, std::uint16_t prefetch);
  // Durable; type "topic" or "direct".
  absl::Status DeclareExchange(amqp_channel_t channel, std::string_view name,
                               std::string_view type = "topic");
  absl::StatusOr<QueueInfo> DeclareQueue(amqp_channel_t channel, std::string_view name,
                                         bool passive, amqp_table_t arguments);
  absl::Status Bind(amqp_channel_t channel, std::string_view queue, std::string_view exchange,
                    std::string_view pattern);
  // Returns the consumer tag the broker chose.
  absl::StatusOr<std::string> Consume(amqp_channel_t channel, std::string_view queue);
  absl::Status Cancel(amqp_channel_t channel, std::string_view consumer_tag);
  absl::StatusOr<std::uint32_t> Purge(amqp_channel_t channel, std::string_view queue);
  // basic.get: nullopt when the queue is empty; otherwise the delivery tag, the routing key,
  // the exchange, redelivered and the message.
  struct Got {
    std::uint64_t delivery_tag = 0;
    std::string routing_key;
    std::string exchange;
    bool redelivered = false;
    OwnedMessage message;
  };
  absl::StatusOr<std::optional<Got>> Get(amqp_channel_t channel, std::string_view queue);

  absl::Status Publish(amqp_channel_t channel, std::string_view exchange,
                       std::string_view routing_key, bool mandatory,
                       const amqp_basic_properties_t& properties, amqp_bytes_t body);
  absl::Status Ack(amqp_channel_t channel, std::uint64_t delivery_tag);
  absl::Status Nack(amqp_channel_t channel, std::uint64_t delivery_tag, bool requeue);

  // The next frame, or nullopt when none came within timeout (zero: only what is there). With
  // wake_fd (an eventfd), also returns nullopt as soon as it is signalled, and resets it.
  // Heartbeats are sent and checked on every call: call at least every heartbeat/2.
  absl::StatusOr<std::optional<amqp_frame_t>> NextFrame(Duration timeout, int wake_fd = -1);
  // Reads the content (properties and body) that follows a basic.deliver, basic.return or
  // basic.get-ok on channel.
  absl::StatusOr<OwnedMessage> ReadContent(amqp_channel_t channel);
  // For a channel.close or connection.close frame the broker sent: answers it, marks the
  // connection unhealthy and returns the error it carried.
  absl::Status HandleClose(const amqp_frame_t& frame);
  // Frees frame memory once nothing is queued; call after handling a frame.
  void ReleaseBuffers();

 private:
  explicit Connection(amqp_connection_state_t state) : state_(state) {}
  absl::Status Check(amqp_rpc_reply_t reply, std::string_view what);
  absl::Status CheckCode(int code, std::string_view what);

  amqp_connection_state_t state_;
  // healthy_: usable. open_: the connection itself still stands (after a channel error it is
  // not usable but can still be closed gracefully).
  bool healthy_ = true;
  bool open_ = true;
};

// Whether an error means "the broker went away" (reconnect and try again) rather than a
// refusal that reconnecting cannot fix.
bool IsTransient(const absl::Status& status);

}  // namespace ipraktik::bus::internal
