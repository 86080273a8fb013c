#include "amqp_connection.h"

#include <amqp_tcp_socket.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "text.h"

namespace ipraktik::bus::internal {
amqp_bytes_t Bytes(std::string_view text) {
  // rabbitmq-c takes non-const pointers but only reads through them.
  return amqp_bytes_t{text.size(), const_cast<char*>(text.data())};
}

namespace {

timeval ToTimeval(Duration duration) {
  auto millis = std::max<Duration::rep>(duration.count(), 0);
  return timeval{static_cast<time_t>(millis / 1000),
                 static_cast<suseconds_t>(millis % 1000 * 1000)};
}

std::string_view LibraryError(int code) { return amqp_error_string2(code); }

absl::Status ReplyCodeStatus(int code, std::string_view text, std::string_view what) {
  std::string message = Cat(what, ": broker replied ", code, " ", text);
  switch (code) {
    case AMQP_NOT_FOUND:
      return absl::NotFoundError(message);
    case AMQP_PRECONDITION_FAILED:
    case AMQP_RESOURCE_LOCKED:
      return absl::FailedPreconditionError(message);
    case AMQP_ACCESS_REFUSED:
    case AMQP_NOT_ALLOWED:
      return absl::PermissionDeniedError(message);
    case AMQP_CONNECTION_FORCED:
    case AMQP_INTERNAL_ERROR:
    case AMQP_RESOURCE_ERROR:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

std::string ToString(amqp_bytes_t bytes) {
  if (bytes.len == 0 || bytes.bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes.bytes), bytes.len);
}

absl::StatusOr<BrokerAddress> ParseUrl(std::string_view url) {
  if (!url.starts_with("amqp://")) {
    return absl::InvalidArgumentError(
        Cat("broker URL must start with amqp:// (TLS is not supported): \"", url, "\""));
  }
  std::string buffer(url);  // amqp_parse_url parses in place and points into the buffer
  amqp_connection_info info{};
  if (int rc = amqp_parse_url(buffer.data(), &info); rc != AMQP_STATUS_OK) {
    return absl::InvalidArgumentError(
        Cat("broker URL \"", url, "\" is malformed: ", LibraryError(rc)));
  }
  BrokerAddress address;
  address.host = info.host ? info.host : "";
  address.port = info.port;
  address.user = info.user ? info.user : "";
  address.password = info.password ? info.password : "";
  address.vhost = info.vhost && *info.vhost ? info.vhost : "/";
  if (address.host.empty()) {
    return absl::InvalidArgumentError(Cat("broker URL \"", url, "\" has no host"));
  }
  return address;
}

amqp_bytes_t TableBuilder::Keep(std::string_view text) {
  strings_.emplace_back(text);
  return Bytes(strings_.back());
}

void TableBuilder::AddString(std::string_view key, std::string_view value) {
  amqp_table_entry_t entry{};
  entry.key = Keep(key);
  entry.value.kind = AMQP_FIELD_KIND_UTF8;
  entry.value.value.bytes = Keep(value);
  entries_.push_back(entry);
}

void TableBuilder::AddInt(std::string_view key, std::int64_t value) {
  amqp_table_entry_t entry{};
  entry.key = Keep(key);
  entry.value.kind = AMQP_FIELD_KIND_I64;
  entry.value.value.i64 = value;
  entries_.push_back(entry);
}

void TableBuilder::AddEntry(const amqp_table_entry_t& entry) { entries_.push_back(entry); }

amqp_table_t TableBuilder::Table() {
  return amqp_table_t{static_cast<int>(entries_.size()), entries_.data()};
}

OwnedMessage::OwnedMessage(OwnedMessage&& other) noexcept
    : message_(other.message_), owned_(std::exchange(other.owned_, false)) {}

OwnedMessage& OwnedMessage::operator=(OwnedMessage&& other) noexcept {
  if (this != &other) {
    Reset();
    message_ = other.message_;
    owned_ = std::exchange(other.owned_, false);
  }
  return *this;
}

OwnedMessage::~OwnedMessage() { Reset(); }

void OwnedMessage::Reset() {
  if (owned_) amqp_destroy_message(&message_);
  owned_ = false;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const BrokerAddress& address,
                                                             const ConnectionOptions& options) {
  amqp_connection_state_t state = amqp_new_connection();
  if (state == nullptr) return absl::ResourceExhaustedError("amqp_new_connection failed");
  std::unique_ptr<Connection> connection(new Connection(state));
  connection->healthy_ = false;  // until logged in: nothing to close gracefully
  connection->open_ = false;

  amqp_socket_t* socket = amqp_tcp_socket_new(state);
  if (socket == nullptr) return absl::ResourceExhaustedError("amqp_tcp_socket_new failed");
  timeval connect_timeout = ToTimeval(options.connect_timeout);
  timeval rpc_timeout = ToTimeval(options.rpc_timeout);
  amqp_set_handshake_timeout(state, &connect_timeout);
  amqp_set_rpc_timeout(state, &rpc_timeout);

  std::string where = Cat(address.host, ":", address.port);
  if (int rc =
          amqp_socket_open_noblock(socket, address.host.c_str(), address.port, &connect_timeout);
      rc != AMQP_STATUS_OK) {
    return absl::UnavailableError(Cat("cannot connect to ", where, ": ", LibraryError(rc)));
  }

  TableBuilder client_properties;
  client_properties.AddString("connection_name", options.connection_name);
  amqp_table_t properties = client_properties.Table();
  connection->healthy_ = true;
  connection->open_ = true;
  absl::Status login =
      connection->Check(amqp_login_with_properties(
                            state, address.vhost.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE,
                            static_cast<int>(options.heartbeat.count()), &properties,
                            AMQP_SASL_METHOD_PLAIN, address.user.c_str(), address.password.c_str()),
                        Cat("logging in to ", where, " vhost ", address.vhost));
  if (!login.ok()) {
    connection->healthy_ = false;
    connection->open_ = false;
    return login;
  }
  return connection;
}

Connection::~Connection() {
  if (open_) {
    timeval short_timeout = ToTimeval(Duration(1'000));
    amqp_set_rpc_timeout(state_, &short_timeout);
    amqp_connection_close(state_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(state_);
}

int Connection::heartbeat_seconds() const { return amqp_get_heartbeat(state_); }

absl::Status Connection::Check(amqp_rpc_reply_t reply, std::string_view what) {
  switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return absl::OkStatus();
    case AMQP_RESPONSE_NONE:
      healthy_ = open_ = false;
      return absl::UnavailableError(Cat(what, ": no reply from the broker"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      healthy_ = open_ = false;
      return absl::UnavailableError(Cat(what, ": ", LibraryError(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      break;
  }
  healthy_ = false;
  if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    open_ = false;
    const auto* close = static_cast<const amqp_connection_close_t*>(reply.reply.decoded);
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    return ReplyCodeStatus(close->reply_code, ToString(close->reply_text), what);
  }
  if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    // Not answered with close-ok: the whole connection is closed and rebuilt.
    const auto* close = static_cast<const amqp_channel_close_t*>(reply.reply.decoded);
    return ReplyCodeStatus(close->reply_code, ToString(close->reply_text), what);
  }
  return absl::InternalError(
      Cat(what, ": unexpected broker method ", amqp_method_name(reply.reply.id)));
}

absl::Status Connection::CheckCode(int code, std::string_view what) {
  if (code == AMQP_STATUS_OK) return absl::OkStatus();
  healthy_ = open_ = false;
  return absl::UnavailableError(Cat(what, ": ", LibraryError(code)));
}

absl::Status Connection::HandleClose(const amqp_frame_t& frame) {
  healthy_ = false;
  if (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
    open_ = false;
    const auto* close = static_cast<const amqp_connection_close_t*>(frame.payload.method.decoded);
    amqp_connection_close_ok_t ok{};
    amqp_send_method(state_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
    return ReplyCodeStatus(close->reply_code, ToString(close->reply_text),
                           "the broker closed the connection");
  }
  const auto* close = static_cast<const amqp_channel_close_t*>(frame.payload.method.decoded);
  amqp_channel_close_ok_t ok{};
  amqp_send_method(state_, frame.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  return ReplyCodeStatus(close->reply_code, ToString(close->reply_text),
                         Cat("the broker closed channel ", frame.channel));
}

absl::Status Connection::OpenChannel(amqp_channel_t channel) {
  amqp_channel_open(state_, channel);
  return Check(amqp_get_rpc_reply(state_), Cat("opening channel ", channel));
}

absl::Status Connection::ConfirmSelect(amqp_channel_t channel) {
  amqp_confirm_select(state_, channel);
  return Check(amqp_get_rpc_reply(state_), "enabling publisher confirms");
}

absl::Status Connection::Qos(amqp_channel_t channel, std::uint16_t prefetch) {
  amqp_basic_qos(state_, channel, 0, prefetch, 0);
  return Check(amqp_get_rpc_reply(state_), "setting the prefetch limit");
}

absl::Status Connection::DeclareExchange(amqp_channel_t channel, std::string_view name,
                                         std::string_view type) {
  amqp_exchange_declare(state_, channel, Bytes(name), Bytes(type), 0, 1, 0, 0, amqp_empty_table);
  return Check(amqp_get_rpc_reply(state_), Cat("declaring exchange ", name));
}

absl::StatusOr<QueueInfo> Connection::DeclareQueue(amqp_channel_t channel, std::string_view name,
                                                   bool passive, amqp_table_t arguments) {
  const amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(state_, channel, Bytes(name), passive ? 1 : 0, 1, 0, 0, arguments);
  if (ok == nullptr) {
    return Check(amqp_get_rpc_reply(state_),
                 Cat(passive ? "looking up queue " : "declaring queue ", name));
  }
  return QueueInfo{ok->message_count, ok->consumer_count};
}

absl::Status Connection::Bind(amqp_channel_t channel, std::string_view queue,
                              std::string_view exchange, std::string_view pattern) {
  amqp_queue_bind(state_, channel, Bytes(queue), Bytes(exchange), Bytes(pattern), amqp_empty_table);
  return Check(amqp_get_rpc_reply(state_),
               Cat("binding queue ", queue, " to ", exchange, " with ", pattern));
}

absl::StatusOr<std::string> Connection::Consume(amqp_channel_t channel, std::string_view queue) {
  const amqp_basic_consume_ok_t* ok = amqp_basic_consume(
      state_, channel, Bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
  if (ok == nullptr) {
    return Check(amqp_get_rpc_reply(state_), Cat("consuming from queue ", queue));
  }
  return ToString(ok->consumer_tag);
}

absl::Status Connection::Cancel(amqp_channel_t channel, std::string_view consumer_tag) {
  amqp_basic_cancel(state_, channel, Bytes(consumer_tag));
  return Check(amqp_get_rpc_reply(state_), "cancelling the consumer");
}

absl::StatusOr<std::uint32_t> Connection::Purge(amqp_channel_t channel, std::string_view queue) {
  const amqp_queue_purge_ok_t* ok = amqp_queue_purge(state_, channel, Bytes(queue));
  if (ok == nullptr) {
    return Check(amqp_get_rpc_reply(state_), Cat("purging queue ", queue));
  }
  return ok->message_count;
}

absl::StatusOr<std::optional<Connection::Got>> Connection::Get(amqp_channel_t channel,
                                                               std::string_view queue) {
  amqp_rpc_reply_t reply = amqp_basic_get(state_, channel, Bytes(queue), 0);
  if (absl::Status status = Check(reply, Cat("getting from queue ", queue)); !status.ok()) {
    return status;
  }
  if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::nullopt;
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
  Got got;
  got.delivery_tag = ok->delivery_tag;
  got.routing_key = ToString(ok->routing_key);
  got.exchange = ToString(ok->exchange);
  got.redelivered = ok->redelivered != 0;
  absl::StatusOr<OwnedMessage> message = ReadContent(channel);
  if (!message.ok()) return message.status();
  got.message = *std::move(message);
  return got;
}

absl::Status Connection::Publish(amqp_channel_t channel, std::string_view exchange,
                                 std::string_view routing_key, bool mandatory,
                                 const amqp_basic_properties_t& properties, amqp_bytes_t body) {
  return CheckCode(amqp_basic_publish(state_, channel, Bytes(exchange), Bytes(routing_key),
                                      mandatory ? 1 : 0, 0, &properties, body),
                   "publishing");
}

absl::Status Connection::Ack(amqp_channel_t channel, std::uint64_t delivery_tag) {
  return CheckCode(amqp_basic_ack(state_, channel, delivery_tag, 0), "acking");
}

absl::Status Connection::Nack(amqp_channel_t channel, std::uint64_t delivery_tag, bool requeue) {
  return CheckCode(amqp_basic_nack(state_, channel, delivery_tag, 0, requeue ? 1 : 0), "nacking");
}

absl::StatusOr<std::optional<amqp_frame_t>> Connection::NextFrame(Duration timeout, int wake_fd) {
  amqp_frame_t frame{};
  int rc = AMQP_STATUS_OK;
  if (wake_fd >= 0 && !amqp_frames_enqueued(state_) && !amqp_data_in_buffer(state_)) {
    // Wait for the socket or the wake-up, then let rabbitmq-c read (and send a heartbeat when
    // one is due) without blocking.
    pollfd fds[2] = {{amqp_get_sockfd(state_), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(std::max<Duration::rep>(timeout.count(), 0)));
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
      std::uint64_t ignored = 0;
      [[maybe_unused]] ssize_t n = ::read(wake_fd, &ignored, sizeof ignored);
    }
    timeval zero{0, 0};
    rc = amqp_simple_wait_frame_noblock(state_, &frame, &zero);
  } else {
    timeval wait = ToTimeval(timeout);
    rc = amqp_simple_wait_frame_noblock(state_, &frame, &wait);
  }
  if (rc == AMQP_STATUS_TIMEOUT) return std::nullopt;
  if (rc != AMQP_STATUS_OK) {
    healthy_ = open_ = false;
    return absl::UnavailableError(Cat("reading from the broker: ", LibraryError(rc)));
  }
  return frame;
}

absl::StatusOr<OwnedMessage> Connection::ReadContent(amqp_channel_t channel) {
  amqp_message_t message{};
  absl::Status status =
      Check(amqp_read_message(state_, channel, &message, 0), "reading a message body");
  if (!status.ok()) return status;
  return OwnedMessage(message);
}

void Connection::ReleaseBuffers() { amqp_maybe_release_buffers(state_); }

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

}  // namespace ipraktik::bus::internal
