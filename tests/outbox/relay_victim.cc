// outbox_relay_victim PORT REPLICA_ID LEASE_TTL_MS PUBLISH_DELAY_MS
// An outbox relay replica whose "bus" is the Redis list test:bus (RPUSH of each envelope), slowed
// down per entry so that outbox_test can SIGKILL it in the middle of a batch.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "ipraktik/logging/logger.h"
#include "ipraktik/outbox/relay.h"
#include "ipraktik/store/connection.h"
#include "ipraktik/store/pool.h"

int main(int argc, char** argv) {
  using namespace ipraktik;
  if (argc != 5) {
    std::cerr << "usage: outbox_relay_victim PORT REPLICA_ID LEASE_TTL_MS PUBLISH_DELAY_MS\n";
    return 2;
  }
  store::Options options;
  options.port = std::atoi(argv[1]);
  store::Pool redis(options);
  store::Connection bus(options);
  const auto delay = std::chrono::milliseconds(std::atoi(argv[4]));

  outbox::RelayOptions relay_options;
  relay_options.replica_id = argv[2];
  relay_options.lease_ttl = absl::Milliseconds(std::atoi(argv[3]));
  relay_options.batch_size = 50;
  relay_options.poll_interval = absl::Milliseconds(10);
  outbox::Relay relay(
      redis, "matching",  // the publisher of outbox_test's events
      [&](const events::Envelope&, std::string_view serialized) -> absl::Status {
        absl::StatusOr<store::Reply> pushed = bus.Command({"RPUSH", "test:bus", serialized});
        std::this_thread::sleep_for(delay);
        return pushed.status();
      },
      logging::Logger("outbox-relay-victim", logging::Level::kWarning), relay_options);
  relay.Start();
  while (true) std::this_thread::sleep_for(std::chrono::hours(1));
}
