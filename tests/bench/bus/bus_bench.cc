// Figures for docs/bus.md: publishes per second with publisher confirms (one by one, batched,
// from several threads) and consumer throughput, against a private RabbitMQ on loopback.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ipraktik/bus/admin.h"
#include "ipraktik/bus/consumer.h"
#include "ipraktik/bus/publisher.h"
#include "local_servers.h"

namespace ipraktik::bus {
namespace {

using Clock = std::chrono::steady_clock;

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s failed: %s\n", what, status.ToString().c_str());
    std::exit(1);
  }
}

void Report(const std::string& what, int messages, Clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  std::printf("%-52s %9.0f msg/s  %8.1f us/msg\n", what.c_str(), messages / seconds,
              seconds * 1e6 / messages);
  std::fflush(stdout);
}

ConnectionOptions Connection(const testing::RabbitMqServer& broker) {
  ConnectionOptions options;
  options.url = broker.url();
  options.connection_name = "bus-bench";
  options.logger = logging::Logger("bus-bench", logging::Level::kWarning);
  return options;
}

QueueSpec BenchQueue() {
  QueueSpec spec;
  spec.name = "bench.events";
  spec.bindings = {"bench.#"};
  return spec;
}

Message BenchMessage(int i) {
  Message message;
  message.routing_key = "bench.participant.registered";
  message.type = message.routing_key;
  message.message_id = "event-" + std::to_string(i);
  message.correlation_id = "corr-" + std::to_string(i);
  message.body = std::string(256, 'x');  // about the size of a small event envelope
  return message;
}

Publisher MakePublisher(const testing::RabbitMqServer& broker) {
  PublisherOptions options;
  options.connection = Connection(broker);
  options.queues = {BenchQueue()};
  auto publisher = Publisher::Create(std::move(options));
  Check(publisher.status(), "creating a publisher");
  Check(publisher->Connect(), "connecting");
  return *std::move(publisher);
}

void Purge(Admin& admin) { Check(admin.Purge(BenchQueue().name).status(), "purge"); }

void PublishOneByOne(const testing::RabbitMqServer& broker, Admin& admin, int threads,
                     int per_thread) {
  std::vector<Publisher> publishers;
  for (int t = 0; t < threads; ++t) publishers.push_back(MakePublisher(broker));
  auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) Check(publishers[t].Publish(BenchMessage(i)), "publish");
    });
  }
  for (auto& worker : workers) worker.join();
  Report("publish, confirm each, " + std::to_string(threads) + " thread(s)", threads * per_thread,
         Clock::now() - start);
  Purge(admin);
}

void PublishBatched(const testing::RabbitMqServer& broker, Admin& admin, int batch_size,
                    int total) {
  Publisher publisher = MakePublisher(broker);
  std::vector<Message> batch;
  for (int i = 0; i < batch_size; ++i) batch.push_back(BenchMessage(i));
  auto start = Clock::now();
  for (int sent = 0; sent < total; sent += batch_size) {
    Check(publisher.PublishBatch(batch), "publish batch");
  }
  Report("publish batches of " + std::to_string(batch_size) + ", one confirm wait", total,
         Clock::now() - start);
  Purge(admin);
}

void Consume(const testing::RabbitMqServer& broker, Admin& admin, int prefetch, int threads,
             int total) {
  Publisher publisher = MakePublisher(broker);
  std::vector<Message> batch;
  for (int i = 0; i < 500; ++i) batch.push_back(BenchMessage(i));
  for (int sent = 0; sent < total; sent += 500) Check(publisher.PublishBatch(batch), "fill");

  std::atomic<int> handled = 0;
  ConsumerOptions options;
  options.connection = Connection(broker);
  options.queue = BenchQueue();
  options.prefetch = prefetch;
  options.handler_threads = threads;
  auto consumer = Consumer::Create(std::move(options), [&](const Delivery&) {
    ++handled;
    return Outcome::Ack();
  });
  Check(consumer.status(), "creating a consumer");
  auto start = Clock::now();
  std::thread running([&] { Check(consumer->Run(), "consume"); });
  while (handled.load() < total) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto elapsed = Clock::now() - start;
  consumer->Stop();
  running.join();
  Report("consume and ack, prefetch " + std::to_string(prefetch) + ", " + std::to_string(threads) +
             " handler thread(s)",
         total, elapsed);
  Purge(admin);
}

int Main() {
  testing::RabbitMqServer broker;
  auto admin = Admin::Create(Connection(broker));
  Check(admin.status(), "admin");
  QueueSpec spec = BenchQueue();
  Check(admin->Declare({&spec, 1}), "declare");
  std::printf("RabbitMQ %s on loopback, 256-byte persistent messages, one quorum queue\n", "3.10");
  PublishOneByOne(broker, *admin, 1, 3'000);
  PublishOneByOne(broker, *admin, 4, 1'000);
  for (int batch_size : {10, 100, 1'000}) PublishBatched(broker, *admin, batch_size, 20'000);
  Consume(broker, *admin, 1, 1, 3'000);
  Consume(broker, *admin, 100, 1, 20'000);
  Consume(broker, *admin, 100, 4, 20'000);
  return 0;
}

}  // namespace
}  // namespace ipraktik::bus

int main() { return ipraktik::bus::Main(); }
