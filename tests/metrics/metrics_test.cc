// The /metrics endpoint serves the process metrics and what libraries register.
#include "ipraktik/metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "local_servers.h"
#include "prometheus/counter.h"

namespace ipraktik::metrics {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

std::string Scrape(int port) {
  return testing::RunCommand("curl -sf http://127.0.0.1:" + std::to_string(port) + "/metrics");
}

double ValueOf(const std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  auto found = std::find_if(families.begin(), families.end(),
                            [&](const auto& family) { return family.name == name; });
  EXPECT_NE(found, families.end()) << name;
  if (found == families.end()) return -1;
  const auto& metric = found->metric.at(0);
  return found->type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
}

TEST(MetricsTest, ServesProcessAndRegisteredMetrics) {
  auto metrics = Metrics::Serve("127.0.0.1:0");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  ASSERT_GT((*metrics)->port(), 0);
  prometheus::BuildCounter()
      .Name("ipraktik_test_events_total")
      .Help("Events seen by the test")
      .Register((*metrics)->registry())
      .Add({{"kind", "demo"}})
      .Increment(3);

  auto text = Scrape((*metrics)->port());
  EXPECT_THAT(text, HasSubstr("ipraktik_test_events_total{kind=\"demo\"} 3"));
  EXPECT_THAT(text, ContainsRegex("process_cpu_seconds_total [0-9.e+-]+"));
  EXPECT_THAT(text, ContainsRegex("process_resident_memory_bytes [1-9]"));
  EXPECT_THAT(text, ContainsRegex("process_open_fds [1-9]"));
  EXPECT_THAT(text, ContainsRegex("process_start_time_seconds [1-9]"));
  EXPECT_THAT(text, ContainsRegex("process_threads [1-9]"));
}

TEST(MetricsTest, ATakenAddressIsAClearError) {
  auto first = Metrics::Serve("127.0.0.1:0");
  ASSERT_TRUE(first.ok());
  auto address = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = Metrics::Serve(address);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(address));
}

TEST(ProcessCollectorTest, ReadsPlausibleValues) {
  auto families = ProcessCollector().Collect();
  EXPECT_GT(ValueOf(families, "process_resident_memory_bytes"), 1e5);
  EXPECT_GE(ValueOf(families, "process_threads"), 1);
  EXPECT_GE(ValueOf(families, "process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GT(ValueOf(families, "process_max_fds"), 3);
  EXPECT_GE(ValueOf(families, "process_cpu_seconds_total"), 0);
  // Started within the last day, not in the future.
  auto now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(ValueOf(families, "process_start_time_seconds"), now + 2);
  EXPECT_GT(ValueOf(families, "process_start_time_seconds"), now - 86400);
}

}  // namespace
}  // namespace ipraktik::metrics
