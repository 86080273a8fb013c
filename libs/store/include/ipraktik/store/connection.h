#pragma once

// One connection to Redis through hiredis (blocking, with connect and command timeouts), which
// reconnects by itself when the server went away. Not thread-safe, like the hiredis context it
// wraps: threads share connections through store::Pool (pool.h).
//
// Redis with Sentinel (Options::sentinels): every (re)connection asks the Sentinels which node is
// the primary and checks with ROLE that the node agrees, so a connection follows a failover at its
// next reconnect; a READONLY reply (the node was demoted under the connection) reconnects and
// runs the commands again, which is safe since a replica executed none of them.
//
// Acknowledged writes survive a failover when Options::wait_replicas > 0: a batch that may write
// ends with WAIT, and unless that many replicas confirmed the write in time the call fails
// UNAVAILABLE (the write may or may not outlive the primary) instead of reporting success.
//
// Failures are statuses: UNAVAILABLE when Redis cannot be reached or the connection broke,
// DEADLINE_EXCEEDED when a reply did not come within the command timeout, and for an error reply
// the code ErrorReplyToStatus picks (reply.h).

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ipraktik/store/reply.h"

namespace prometheus {
class Registry;
}

namespace ipraktik::store {

// A Redis server or Sentinel.
struct Endpoint {
  std::string host;
  int port = 0;
};

struct Options {
  // The node to connect to, unless sentinels are given.
  std::string host = "127.0.0.1";
  int port = 6379;
  // When not empty: the Sentinels to ask for the current primary of master_name (host and port
  // above are then unused), tried in turn; sentinel_password for Sentinels that require one (the
  // user and password below are for the data nodes).
  std::vector<Endpoint> sentinels{};
  std::string master_name = "ipraktik";
  std::string sentinel_password{};
  // After a batch that may write: WAIT for this many replicas to confirm it, at most wait_timeout
  // (bounded by half the command timeout and the call's deadline). 0: no WAIT (a single node).
  int wait_replicas = 0;
  absl::Duration wait_timeout = absl::Milliseconds(500);
  // AUTH as user (an ACL user; empty: the default user) with password (empty: no AUTH), and
  // the database number, sent again after every reconnect.
  std::string user{};
  std::string password{};
  int database = 0;
  // Bounds on establishing a connection and on waiting for each reply (also while sending).
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  // How often a command is tried in all (see Retry), and the pause before the first retry
  // (doubling for each further one).
  int max_attempts = 3;
  absl::Duration retry_backoff = absl::Milliseconds(50);
  // Pool only: at most this many connections, and how long Acquire waits for a free one.
  int pool_size = 8;
  absl::Duration acquire_timeout = absl::Seconds(2);
  // When set, command counts, latency, errors and reconnects are recorded there (metric names in
  // docs/store-and-events.md). Must outlive the connections.
  prometheus::Registry* registry = nullptr;
};

// Whether a command may be sent again after the connection broke while it was under way, when
// nobody knows whether Redis executed it. A command that never left (Redis was unreachable) is
// always retried. kIdempotent: GET, SET, HSET, DEL, SADD, EXPIRE, a deduplicated script...;
// kNever: INCR, LPUSH, XADD with '*', most scripts.
enum class Retry { kNever, kIdempotent };

class Script;

// Many commands sent together and answered in one round trip.
class Pipeline {
 public:
  Pipeline& Add(std::initializer_list<std::string_view> args);
  Pipeline& Add(const std::vector<std::string>& args);
  Pipeline& Add(std::vector<std::string>&& args);
  // An EVALSHA of script (loaded first when needed; a NOSCRIPT reply loads it and runs that
  // command again, which is safe for any script since nothing ran, but after the rest of the
  // pipeline: use it for commands that do not depend on each other's order). script must
  // outlive the pipeline's execution.
  Pipeline& AddScript(const Script& script, std::vector<std::string> keys,
                      std::vector<std::string> args);
  // Every command of other, after this one's.
  Pipeline& Append(const Pipeline& other);
  std::size_t size() const { return commands_.size(); }
  bool empty() const { return commands_.empty(); }
  const std::vector<std::vector<std::string>>& commands() const { return commands_; }
  // The script of command i, or nullptr for a plain command.
  const Script* script(std::size_t i) const { return scripts_[i]; }

 private:
  std::vector<std::vector<std::string>> commands_;
  std::vector<const Script*> scripts_;  // parallel to commands_
};

// A Lua script. Run with EVALSHA: Redis compiles it once (SCRIPT LOAD the first time a
// connection runs it) and only its SHA1 travels afterwards; when Redis lost its script cache (a
// restart, SCRIPT FLUSH) the NOSCRIPT reply makes the connection load it again and retry.
// Thread-safe; declare each script once (e.g. a member of the repository using it) and share it.
class Script {
 public:
  explicit Script(std::string source);
  Script(const Script&) = delete;
  Script& operator=(const Script&) = delete;

  const std::string& source() const { return source_; }
  // The SHA1 Redis reported, once the script was loaded by any connection.
  std::optional<std::string> sha() const;

 private:
  friend class Connection;
  void set_sha(std::string sha) const;

  std::string source_;
  mutable std::mutex mutex_;
  mutable std::optional<std::string> sha_;
};

class ConnectionMetrics;

class Connection {
 public:
  // Does not connect yet: the first command does (so a service can start while Redis is still
  // coming up). Ping() checks the way there.
  explicit Connection(Options options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  absl::StatusOr<Reply> Command(std::initializer_list<std::string_view> args,
                                Retry retry = Retry::kNever);
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args, Retry retry = Retry::kNever);

  // Every reply in order, in one round trip. An error reply of one command is that element (an
  // error Reply) and does not fail the others; a broken connection fails the whole pipeline.
  absl::StatusOr<std::vector<Reply>> Execute(const Pipeline& pipeline, Retry retry = Retry::kNever);

  // EVALSHA with the given keys and arguments (loading the script when Redis does not know it).
  // An error reply of the script becomes a status as ErrorReplyToStatus says.
  absl::StatusOr<Reply> Eval(const Script& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& args, Retry retry = Retry::kNever);

  absl::Status Ping();

  // Whether a connection is open now (it may still find out at the next command that the server
  // went away).
  bool connected() const;
  // How many times this connection had to (re)connect after its first connection.
  std::int64_t reconnects() const { return reconnects_; }

 private:
  friend class Pool;
  struct Context;

  // The pool's connections share one set of metrics.
  Connection(Options options, std::shared_ptr<ConnectionMetrics> metrics);

  // One command; an error reply stays a Reply.
  absl::StatusOr<Reply> RunCommand(const std::vector<std::string_view>& command, Retry retry);
  absl::StatusOr<std::vector<Reply>> Run(std::span<const std::vector<std::string_view>> commands,
                                         Retry retry, std::string_view metric_command);
  absl::StatusOr<std::vector<Reply>> RunOnce(
      std::span<const std::vector<std::string_view>> commands, bool& sent);
  // Whether commands end with a WAIT (they may write, and no transaction stays open after them).
  bool NeedsWait(std::span<const std::vector<std::string_view>> commands) const;
  absl::Status EnsureConnected();
  absl::Status Connect();
  // The primary as the Sentinels name it.
  absl::StatusOr<Endpoint> AskSentinels();
  void Disconnect();
  absl::Status LoadScript(const Script& script);

  Options options_;
  std::shared_ptr<ConnectionMetrics> metrics_;
  std::unique_ptr<Context> context_;
  bool ever_connected_ = false;
  std::int64_t reconnects_ = 0;
  // The node connected to (or last tried), for messages.
  Endpoint node_;
  // The Sentinel that answered last: asked first next time.
  std::size_t sentinel_ = 0;
  // Between a MULTI and its EXEC or DISCARD (WAIT waits for the EXEC).
  bool in_transaction_ = false;
};

}  // namespace ipraktik::store
