#pragma once

// A test suite against one private redis-server (started once for the suite), emptied before
// each test, with a pool to it. Header-only: a test that includes it links ipraktik::store.

#include <gtest/gtest.h>

#include <memory>

#include "ipraktik/store/pool.h"
#include "local_servers.h"

namespace ipraktik::testing {

class RedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<RedisServer>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    redis_ = std::make_unique<store::Pool>(PoolOptions());
    ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
  }

  // Options of a pool to the suite's server.
  static store::Options PoolOptions() {
    store::Options options;
    options.port = server_->port();
    return options;
  }

  static inline std::unique_ptr<RedisServer> server_;
  std::unique_ptr<store::Pool> redis_;
};

}  // namespace ipraktik::testing
