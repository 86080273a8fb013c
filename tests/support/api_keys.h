#pragma once

// API keys for tests: ONE way to make a key of a tenant and role straight in the test's Redis
// (no KeyService call), with the secret the in-process services of the tests use, and the
// metadata a client sends it in. Header-only: a test that includes it links ipraktik::access.

#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/time/clock.h"
#include "ipraktik/access/key_store.h"

namespace ipraktik::testing {

// The secret of the keys' digests in tests (and of the services the tests start).
inline constexpr char kTestTokenSecret[] = "ipraktik-test-token-secret";

// A new key of role in tenant, valid for a day from now (or valid_for); fails the test and
// returns "" when Redis refuses.
inline std::string MintKey(store::Pool& redis, std::string_view tenant,
                           v1::AccessRole role = v1::ACCESS_ROLE_COORDINATOR,
                           absl::Duration valid_for = absl::Hours(24)) {
  access::KeyStore keys(redis, kTestTokenSecret);
  auto created = keys.Create(tenant, role, "test", absl::Now(), valid_for);
  EXPECT_TRUE(created.ok()) << created.status();
  return created.ok() ? created->key : "";
}

// Keys by tenant and role, each minted once into one Redis: for harnesses whose tests call many
// tenants. Thread-safe.
class KeyRing {
 public:
  // redis must outlive this.
  explicit KeyRing(store::Pool& redis) : redis_(redis) {}
  std::string Key(std::string_view tenant, v1::AccessRole role = v1::ACCESS_ROLE_COORDINATOR) {
    std::lock_guard lock(mutex_);
    auto [found, added] = keys_.try_emplace({std::string(tenant), role});
    if (added) found->second = MintKey(redis_, tenant, role);
    return found->second;
  }

 private:
  store::Pool& redis_;
  std::mutex mutex_;
  std::map<std::pair<std::string, v1::AccessRole>, std::string> keys_;
};

// "authorization: Bearer <key>" on context.
inline void AddKey(grpc::ClientContext& context, std::string_view key) {
  context.AddMetadata(access::kAuthorizationHeader, "Bearer " + std::string(key));
}

}  // namespace ipraktik::testing
