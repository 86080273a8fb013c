#pragma once

// A thread-safe pool of Redis connections: each call borrows a connection, so gRPC handlers on
// many threads share a few connections without ever sharing a hiredis context.
//
//   store::Pool redis({.host = "127.0.0.1", .port = 6380, .pool_size = 8});
//   auto keys = store::TenantKeys::For(tenant);
//   auto reply = redis.Command({"HGET", keys->Key("participant", id), "name"},
//   store::Retry::kIdempotent);
//
//   store::Script transfer(R"lua(...)lua");          // once, e.g. a member of the repository
//   auto moved = redis.Eval(transfer, {from, to}, {"25"});
//
// Several commands on one connection (e.g. WATCH/MULTI/EXEC, or a reply that must come from the
// same connection): hold a lease, auto lease = redis.Acquire(); (*lease)->Command(...).

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "ipraktik/store/connection.h"

namespace ipraktik::store {

class Pool {
 public:
  // Connections are opened when first needed, up to options.pool_size.
  explicit Pool(Options options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A borrowed connection, given back when the lease is destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> connection);
    void Return();

    Pool* pool_ = nullptr;
    std::unique_ptr<Connection> connection_;
  };

  // UNAVAILABLE when no connection became free within options.acquire_timeout.
  absl::StatusOr<Lease> Acquire();

  // The Connection calls, each on a borrowed connection.
  absl::StatusOr<Reply> Command(std::initializer_list<std::string_view> args,
                                Retry retry = Retry::kNever);
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args, Retry retry = Retry::kNever);
  absl::StatusOr<std::vector<Reply>> Execute(const Pipeline& pipeline, Retry retry = Retry::kNever);
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args, Retry retry = Retry::kNever);
  absl::Status Ping();

  const Options& options() const { return options_; }

 private:
  void GiveBack(std::unique_ptr<Connection> connection);

  const Options options_;
  std::shared_ptr<ConnectionMetrics> metrics_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections created and not destroyed: idle_ plus those lent out
};

}  // namespace ipraktik::store
