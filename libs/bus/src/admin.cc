#include "ipraktik/bus/admin.h"

#include "amqp_connection.h"
#include "codec.h"
#include "connection_keeper.h"
#include "topology.h"

namespace ipraktik::bus {
namespace {

using internal::Clock;
using internal::Connection;

constexpr amqp_channel_t kChannel = 1;

}  // namespace

struct Admin::Impl {
  Impl(internal::BrokerAddress address, ConnectionOptions connection_options)
      : options(std::move(connection_options)),
        keeper(std::move(address), options, "admin",
               [](Connection& connection) { return connection.OpenChannel(kChannel); }) {}

  // Runs call on a healthy connection; when the connection turns out to be stale (the broker
  // restarted since the last call), reconnects and runs it once more.
  template <typename Call>
  auto Run(Call call) -> decltype(call(std::declval<Connection&>())) {
    for (int attempt = 1;; ++attempt) {
      absl::StatusOr<Connection*> connection =
          keeper.Get(Clock::now() + options.connect_timeout + options.rpc_timeout);
      if (!connection.ok()) return connection.status();
      auto result = call(**connection);
      if (!(*connection)->healthy()) {
        keeper.Drop();
        if (!result.ok() && internal::IsTransient(result.status()) && attempt == 1) continue;
      }
      return result;
    }
  }

  ConnectionOptions options;
  internal::ConnectionKeeper keeper;
};

absl::StatusOr<Admin> Admin::Create(ConnectionOptions options) {
  absl::StatusOr<internal::BrokerAddress> address = internal::ParseUrl(options.url);
  if (!address.ok()) return address.status();
  return Admin(std::make_unique<Impl>(*std::move(address), std::move(options)));
}

Admin::Admin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Admin::Admin(Admin&&) noexcept = default;
Admin& Admin::operator=(Admin&&) noexcept = default;
Admin::~Admin() = default;

absl::StatusOr<QueueInfo> Admin::InspectQueue(std::string_view queue) {
  return impl_->Run([&](Connection& connection) {
    return connection.DeclareQueue(kChannel, queue, true, amqp_empty_table);
  });
}

absl::Status Admin::Declare(std::span<const QueueSpec> queues) {
  for (const auto& spec : queues) {
    if (absl::Status status = spec.Validate(); !status.ok()) return status;
  }
  return impl_
      ->Run([&](Connection& connection) -> absl::StatusOr<bool> {
        absl::Status status = internal::DeclareTopology(connection, kChannel, queues);
        if (!status.ok()) return status;
        return true;
      })
      .status();
}

absl::StatusOr<std::optional<Delivery>> Admin::Take(std::string_view queue) {
  return impl_->Run([&](Connection& connection) -> absl::StatusOr<std::optional<Delivery>> {
    auto got = connection.Get(kChannel, queue);
    if (!got.ok()) return got.status();
    if (!got->has_value()) return std::nullopt;
    Connection::Got& message = **got;
    if (absl::Status acked = connection.Ack(kChannel, message.delivery_tag); !acked.ok()) {
      return acked;
    }
    return internal::ToDelivery(std::string(queue), message.routing_key, message.exchange,
                                message.redelivered, message.message);
  });
}

absl::StatusOr<std::uint32_t> Admin::Purge(std::string_view queue) {
  return impl_->Run([&](Connection& connection) { return connection.Purge(kChannel, queue); });
}

}  // namespace ipraktik::bus
