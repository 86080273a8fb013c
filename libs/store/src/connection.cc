#include "ipraktik/store/connection.h"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iterator>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ipraktik/deadline/deadline.h"
#include "metrics.h"

namespace ipraktik::store {
namespace {

Reply FromHiredis(const redisReply& reply) {
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(reply.str, reply.len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(reply.str, reply.len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(std::string(reply.str, reply.len));
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(reply.integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        elements.push_back(FromHiredis(*reply.element[i]));
      }
      return Reply::Array(std::move(elements));
    }
    default:
      return Reply::Nil();
  }
}

// The metric label for a command: its name in upper case, bounded so that a mistaken argument
// cannot create unbounded label values.
std::string CommandLabel(std::string_view name) {
  std::string label;
  for (char c : name.substr(0, 24)) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return "OTHER";
    label += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return label.empty() ? "OTHER" : label;
}

// The longest pause between two tries while Redis loads its data.
constexpr absl::Duration kLongestLoadingPause = absl::Milliseconds(100);

bool IsLoading(const Reply& reply) {
  return reply.is_error() && reply.str().starts_with("LOADING");
}

bool IsDeadline(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDeadlineExceeded;
}

// A node that became a replica under the connection refuses writes and executes nothing else of
// consequence: the commands may run again on the primary, whatever their Retry.
bool IsReadOnly(const Reply& reply) {
  return reply.is_error() && reply.str().starts_with("READONLY");
}

// Commands that never write: a batch of only these needs no WAIT.
bool IsReadOnlyCommand(std::string_view label) {
  static constexpr std::string_view kReadOnly[] = {
      "DBSIZE",  "DISCARD", "ECHO",   "EXISTS",        "GET",       "HEXISTS",  "HGET",
      "HGETALL", "HKEYS",   "HLEN",   "HMGET",         "HSCAN",     "HVALS",    "INFO",
      "LINDEX",  "LLEN",    "LRANGE", "MGET",          "MULTI",     "PING",     "PTTL",
      "ROLE",    "SCAN",    "SCARD",  "SCRIPT",        "SISMEMBER", "SMEMBERS", "SSCAN",
      "STRLEN",  "TIME",    "TTL",    "TYPE",          "UNWATCH",   "WATCH",    "XLEN",
      "XRANGE",  "ZCARD",   "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZSCORE"};
  return std::find(std::begin(kReadOnly), std::end(kReadOnly), label) != std::end(kReadOnly);
}

std::string Where(const Endpoint& node) {
  return absl::StrCat("redis ", node.host, ":", node.port);
}

struct FreeContext {
  void operator()(redisContext* raw) const { redisFree(raw); }
};
using ContextPtr = std::unique_ptr<redisContext, FreeContext>;

// A connection to node, with the connect timeout, the reply timeout and TCP keep-alive.
absl::StatusOr<ContextPtr> Open(const Endpoint& node, absl::Duration connect_timeout,
                                absl::Duration timeout) {
  ContextPtr raw(redisConnectWithTimeout(node.host.c_str(), node.port,
                                         absl::ToTimeval(deadline::Bound(connect_timeout))));
  if (raw == nullptr) {
    return absl::UnavailableError(absl::StrCat(Where(node), ": cannot allocate a context"));
  }
  if (raw->err != 0 || redisSetTimeout(raw.get(), absl::ToTimeval(timeout)) != 0 ||
      redisEnableKeepAlive(raw.get()) != 0) {
    return absl::UnavailableError(absl::StrCat(Where(node), ": ", raw->errstr));
  }
  return raw;
}

// One command straight through hiredis, for setting up a connection (AUTH, SELECT, ROLE, asking a
// Sentinel): it belongs to one connection attempt and must not recurse into the retrying Run.
// An error reply becomes its status.
absl::StatusOr<Reply> SetupCommand(redisContext* raw, std::initializer_list<std::string_view> args,
                                   const std::string& where) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(raw, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  if (reply == nullptr) return absl::UnavailableError(absl::StrCat(where, ": ", raw->errstr));
  Reply converted = FromHiredis(*reply);
  freeReplyObject(reply);
  if (absl::Status status = converted.ToStatus(); !status.ok()) return status;
  return converted;
}

}  // namespace

struct Connection::Context {
  ~Context() {
    if (raw != nullptr) redisFree(raw);
  }
  redisContext* raw = nullptr;
  // The socket timeout set on raw now: the command timeout, or less when a call's deadline
  // (libs/deadline) is nearer.
  absl::Duration timeout = absl::ZeroDuration();
};

Pipeline& Pipeline::Add(std::initializer_list<std::string_view> args) {
  commands_.emplace_back(args.begin(), args.end());
  scripts_.push_back(nullptr);
  return *this;
}

Pipeline& Pipeline::Add(const std::vector<std::string>& args) {
  commands_.push_back(args);
  scripts_.push_back(nullptr);
  return *this;
}

Pipeline& Pipeline::Add(std::vector<std::string>&& args) {
  commands_.push_back(std::move(args));
  scripts_.push_back(nullptr);
  return *this;
}

Pipeline& Pipeline::Append(const Pipeline& other) {
  commands_.insert(commands_.end(), other.commands_.begin(), other.commands_.end());
  scripts_.insert(scripts_.end(), other.scripts_.begin(), other.scripts_.end());
  return *this;
}

Pipeline& Pipeline::AddScript(const Script& script, std::vector<std::string> keys,
                              std::vector<std::string> args) {
  // The SHA1 (element 1) is filled in when the pipeline runs: it is known only once loaded.
  std::vector<std::string> command = {"EVALSHA", "", absl::StrCat(keys.size())};
  command.reserve(3 + keys.size() + args.size());
  command.insert(command.end(), std::make_move_iterator(keys.begin()),
                 std::make_move_iterator(keys.end()));
  command.insert(command.end(), std::make_move_iterator(args.begin()),
                 std::make_move_iterator(args.end()));
  commands_.push_back(std::move(command));
  scripts_.push_back(&script);
  return *this;
}

Script::Script(std::string source) : source_(std::move(source)) {}

std::optional<std::string> Script::sha() const {
  std::lock_guard lock(mutex_);
  return sha_;
}

void Script::set_sha(std::string sha) const {
  std::lock_guard lock(mutex_);
  sha_ = std::move(sha);
}

Connection::Connection(Options options)
    : Connection(options, std::make_shared<ConnectionMetrics>(options.registry)) {}

Connection::Connection(Options options, std::shared_ptr<ConnectionMetrics> metrics)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      context_(std::make_unique<Context>()) {}

Connection::~Connection() = default;

bool Connection::connected() const { return context_->raw != nullptr && context_->raw->err == 0; }

void Connection::Disconnect() {
  if (context_->raw != nullptr) {
    redisFree(context_->raw);
    context_->raw = nullptr;
  }
  in_transaction_ = false;  // the server discards an open transaction with the connection
}

bool Connection::NeedsWait(std::span<const std::vector<std::string_view>> commands) const {
  if (options_.wait_replicas <= 0) return false;
  bool in_transaction = in_transaction_;
  bool writes = false;
  for (const std::vector<std::string_view>& command : commands) {
    const std::string name = CommandLabel(command.front());
    if (name == "MULTI") in_transaction = true;
    if (name == "EXEC" || name == "DISCARD") in_transaction = false;
    writes = writes || !IsReadOnlyCommand(name);
  }
  // Inside a transaction WAIT would only be queued: the batch with the EXEC waits.
  return writes && !in_transaction;
}

// A broken context is rebuilt from scratch rather than with redisReconnect: a fresh context
// carries nothing over from the broken one (half-read replies, buffered commands), and the
// command timeout has to be set on the new socket either way. With Sentinels, every connection
// asks them afresh where the primary is: that is how a connection follows a failover.
absl::Status Connection::Connect() {
  Disconnect();
  if (options_.sentinels.empty()) {
    node_ = {options_.host, options_.port};
  } else {
    absl::StatusOr<Endpoint> primary = AskSentinels();
    if (!primary.ok()) {
      metrics_->RecordConnectFailure();
      return primary.status();
    }
    node_ = *std::move(primary);
  }
  const std::string where = Where(node_);
  const absl::Duration timeout = deadline::Bound(options_.command_timeout);
  absl::StatusOr<ContextPtr> opened = Open(node_, options_.connect_timeout, timeout);
  if (!opened.ok()) {
    metrics_->RecordConnectFailure();
    return opened.status();
  }
  redisContext* raw = opened->release();
  context_->raw = raw;
  context_->timeout = timeout;
  absl::Status status;
  if (!options_.password.empty()) {
    status = (options_.user.empty()
                  ? SetupCommand(raw, {"AUTH", options_.password}, where)
                  : SetupCommand(raw, {"AUTH", options_.user, options_.password}, where))
                 .status();
  }
  if (status.ok() && options_.database != 0) {
    status = SetupCommand(raw, {"SELECT", absl::StrCat(options_.database)}, where).status();
  }
  if (status.ok() && !options_.sentinels.empty()) {
    // During a failover a Sentinel may still name the old primary, or name the new one before
    // it has taken the role: only a node that says it is the primary is used.
    absl::StatusOr<Reply> role = SetupCommand(raw, {"ROLE"}, where);
    status = role.status();
    if (status.ok() && (role->elements().empty() || role->elements()[0].str() != "master")) {
      status = absl::UnavailableError(
          absl::StrCat(where, ": the Sentinels name it the primary of '", options_.master_name,
                       "' but it says it is ", role->DebugString(), " (a failover under way?)"));
    }
  }
  if (!status.ok()) {
    Disconnect();
    metrics_->RecordConnectFailure();
    return status;
  }
  if (ever_connected_) {
    ++reconnects_;
    metrics_->RecordReconnect();
  }
  ever_connected_ = true;
  return absl::OkStatus();
}

absl::StatusOr<Endpoint> Connection::AskSentinels() {
  const std::size_t count = options_.sentinels.size();
  absl::Status last;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t index = (sentinel_ + i) % count;
    const Endpoint& sentinel = options_.sentinels[index];
    const std::string where = absl::StrCat("redis sentinel ", sentinel.host, ":", sentinel.port);
    absl::StatusOr<ContextPtr> opened =
        Open(sentinel, options_.connect_timeout, deadline::Bound(options_.command_timeout));
    if (!opened.ok()) {
      last = opened.status();
      continue;
    }
    if (!options_.sentinel_password.empty()) {
      last = SetupCommand(opened->get(), {"AUTH", options_.sentinel_password}, where).status();
      if (!last.ok()) continue;
    }
    absl::StatusOr<Reply> named = SetupCommand(
        opened->get(), {"SENTINEL", "get-master-addr-by-name", options_.master_name}, where);
    int port = 0;
    if (!named.ok()) {
      last = named.status();
    } else if (named->elements().size() != 2 ||
               !absl::SimpleAtoi(named->elements()[1].str(), &port)) {
      last = absl::UnavailableError(
          absl::StrCat(where, ": knows no primary named '", options_.master_name, "'"));
    } else {
      sentinel_ = index;
      return Endpoint{named->elements()[0].str(), port};
    }
  }
  return absl::UnavailableError(absl::StrCat(
      "redis: none of ", count, " Sentinels named the primary (last: ", last.message(), ")"));
}

absl::Status Connection::EnsureConnected() {
  if (context_->raw == nullptr || context_->raw->err != 0) return Connect();
  // Between commands nothing may arrive, so a readable or hung-up socket means the server closed
  // the connection (a restart, a timeout, a kill): reconnect before sending rather than learn
  // it from a failed command that could then not be retried safely.
  pollfd descriptor{.fd = context_->raw->fd, .events = POLLIN | POLLRDHUP, .revents = 0};
  if (poll(&descriptor, 1, 0) != 0) return Connect();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Reply>> Connection::RunOnce(
    std::span<const std::vector<std::string_view>> commands, bool& sent) {
  sent = false;
  if (absl::Status status = EnsureConnected(); !status.ok()) return status;
  redisContext* raw = context_->raw;
  const std::string where = Where(node_);
  // Wait for the replies no longer than the caller's deadline allows (libs/deadline).
  const absl::Duration timeout = deadline::Bound(options_.command_timeout);
  if (timeout != context_->timeout) {
    if (redisSetTimeout(raw, absl::ToTimeval(timeout)) != REDIS_OK) {
      const std::string error = raw->errstr;
      Disconnect();
      return absl::UnavailableError(absl::StrCat("redis: ", error));
    }
    context_->timeout = timeout;
  }
  // A batch that may write ends with WAIT, which answers once wait_replicas replicas confirmed
  // everything this connection wrote, or after wait_for with how many did. It stays well inside
  // the reply timeout, so a missing replica shows as its count, not as a timeout.
  const bool wait = NeedsWait(commands);
  const absl::Duration wait_for = std::min(options_.wait_timeout, timeout / 2);
  const std::string wait_replicas = absl::StrCat(options_.wait_replicas);
  const std::string wait_ms =
      absl::StrCat(std::max<std::int64_t>(1, absl::ToInt64Milliseconds(wait_for)));
  const std::vector<std::string_view> wait_command = {"WAIT", wait_replicas, wait_ms};
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  auto append = [&](const std::vector<std::string_view>& command) {
    argv.clear();
    lengths.clear();
    for (std::string_view arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    return redisAppendCommandArgv(raw, static_cast<int>(argv.size()), argv.data(),
                                  lengths.data()) == REDIS_OK;
  };
  bool appended = true;
  for (const std::vector<std::string_view>& command : commands) {
    appended = appended && append(command);
  }
  if (wait) appended = appended && append(wait_command);
  if (!appended) {
    const std::string error = raw->errstr;
    Disconnect();
    return absl::UnavailableError(absl::StrCat("redis: ", error));
  }
  const std::size_t expected = commands.size() + (wait ? 1 : 0);
  std::vector<Reply> replies;
  replies.reserve(expected);
  for (std::size_t i = 0; i < expected; ++i) {
    sent = true;
    void* reply = nullptr;
    errno = 0;
    if (redisGetReply(raw, &reply) != REDIS_OK || reply == nullptr) {
      const bool timed_out = raw->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
      const std::string error =
          raw->err == REDIS_ERR_EOF ? "the server closed the connection" : raw->errstr;
      // The stream may hold a late reply now: never read from this context again.
      Disconnect();
      if (timed_out) {
        // Disconnecting dropped the command if Redis had not run it yet (e.g. paused): what was
        // sent either ran whole or not at all (a script is atomic), never half.
        return absl::DeadlineExceededError(
            absl::StrCat(where, ": no reply within ", absl::FormatDuration(timeout),
                         timeout < options_.command_timeout ? " (the call's deadline)" : ""));
      }
      return absl::UnavailableError(absl::StrCat(where, ": ", error));
    }
    replies.push_back(FromHiredis(*static_cast<redisReply*>(reply)));
    freeReplyObject(reply);
  }
  if (std::any_of(replies.begin(), replies.end(), IsReadOnly)) {
    // The node is a replica now (a failover): it wrote nothing, so the whole batch may run again
    // on the primary that a new connection finds.
    Disconnect();
    sent = false;
    return absl::UnavailableError(
        absl::StrCat(where, ": is a replica now (READONLY); reconnecting to the primary"));
  }
  for (const std::vector<std::string_view>& command : commands) {
    const std::string name = CommandLabel(command.front());
    if (name == "MULTI") in_transaction_ = true;
    if (name == "EXEC" || name == "DISCARD") in_transaction_ = false;
  }
  if (wait) {
    const Reply confirmed = std::move(replies.back());
    replies.pop_back();
    if (confirmed.is_error() || confirmed.integer() < options_.wait_replicas) {
      metrics_->RecordUnreplicatedWrite();
      return absl::UnavailableError(absl::StrCat(
          where, ": ", confirmed.is_error() ? confirmed.str() : absl::StrCat(confirmed.integer()),
          " of ", options_.wait_replicas, " replicas confirmed the write within ",
          absl::FormatDuration(wait_for), ", so a failover could lose it"));
    }
  }
  return replies;
}

absl::StatusOr<std::vector<Reply>> Connection::Run(
    std::span<const std::vector<std::string_view>> commands, Retry retry,
    std::string_view metric_command) {
  absl::Duration backoff = options_.retry_backoff;
  const int attempts = std::max(1, options_.max_attempts);
  absl::StatusOr<std::vector<Reply>> result;
  // While Redis answers LOADING (it reads its append-only file after a restart, which takes as
  // long as the data is big) it executed nothing: the batch waits for the data, as for a slow
  // reply, up to the command timeout (and the call's deadline), without using up attempts.
  // Counting LOADING as attempts gave up after 150 ms, so every call made in the first moments
  // after a restart failed although Redis was about to serve it.
  const absl::Time loading_until = absl::Now() + options_.command_timeout;
  absl::Duration loading_pause = options_.retry_backoff;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    // Work the caller no longer waits for is not started (nor tried again).
    if (absl::Status late = deadline::Check("the redis command"); !late.ok()) {
      return attempt == 1 ? late : result;
    }
    bool sent = false;
    const absl::Time start = absl::Now();
    result = RunOnce(commands, sent);
    const absl::Duration latency = absl::Now() - start;
    if (result.ok()) {
      bool any_error = false;
      bool all_loading = !result->empty();
      for (const Reply& reply : *result) {
        any_error = any_error || reply.is_error();
        all_loading = all_loading && IsLoading(reply);
      }
      metrics_->RecordCommand(metric_command,
                              any_error ? CommandResult::kErrorReply : CommandResult::kOk, latency);
      if (!all_loading) return result;
      if (absl::Now() + loading_pause > loading_until || deadline::Shortens(loading_pause)) {
        return result;  // as LOADING replies: UNAVAILABLE for the caller, who may try later
      }
      std::this_thread::sleep_for(absl::ToChronoNanoseconds(loading_pause));
      loading_pause = std::min(loading_pause * 2, kLongestLoadingPause);
      --attempt;  // not an attempt used up: Redis said when to come back (once loaded)
      continue;
    } else {
      metrics_->RecordCommand(
          metric_command,
          IsDeadline(result.status()) ? CommandResult::kTimeout : CommandResult::kUnavailable,
          latency);
      if (sent && retry == Retry::kNever) {
        return absl::Status(result.status().code(),
                            absl::StrCat(result.status().message(),
                                         " (the command may or may not have been executed)"));
      }
      if (attempt == attempts) return result;
    }
    if (deadline::Shortens(backoff)) return result;  // no time left for another attempt
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(backoff));
    backoff *= 2;
  }
  return result;
}

absl::StatusOr<Reply> Connection::RunCommand(const std::vector<std::string_view>& command,
                                             Retry retry) {
  if (command.empty()) return absl::InvalidArgumentError("redis: empty command");
  absl::StatusOr<std::vector<Reply>> replies =
      Run(std::span(&command, 1), retry, CommandLabel(command.front()));
  if (!replies.ok()) return replies.status();
  return std::move(replies->front());
}

absl::StatusOr<Reply> Connection::Command(std::initializer_list<std::string_view> args,
                                          Retry retry) {
  absl::StatusOr<Reply> reply = RunCommand(std::vector<std::string_view>(args), retry);
  if (reply.ok() && reply->is_error()) return reply->ToStatus();
  return reply;
}

absl::StatusOr<Reply> Connection::Command(const std::vector<std::string>& args, Retry retry) {
  absl::StatusOr<Reply> reply =
      RunCommand(std::vector<std::string_view>(args.begin(), args.end()), retry);
  if (reply.ok() && reply->is_error()) return reply->ToStatus();
  return reply;
}

absl::StatusOr<std::vector<Reply>> Connection::Execute(const Pipeline& pipeline, Retry retry) {
  if (pipeline.empty()) return std::vector<Reply>();
  // The SHA1s are kept here so that the commands' views of them stay valid.
  std::vector<std::string> shas(pipeline.size());
  std::vector<std::vector<std::string_view>> commands;
  commands.reserve(pipeline.size());
  for (std::size_t i = 0; i < pipeline.size(); ++i) {
    const std::vector<std::string>& command = pipeline.commands()[i];
    if (command.empty()) return absl::InvalidArgumentError("redis: empty command in a pipeline");
    commands.emplace_back(command.begin(), command.end());
    if (const Script* script = pipeline.script(i)) {
      std::optional<std::string> sha = script->sha();
      if (!sha.has_value()) {
        if (absl::Status status = LoadScript(*script); !status.ok()) return status;
        sha = script->sha();
      }
      shas[i] = *std::move(sha);
      commands.back()[1] = shas[i];
    }
  }
  absl::StatusOr<std::vector<Reply>> replies = Run(commands, retry, "PIPELINE");
  if (!replies.ok()) return replies;
  // NOSCRIPT: the server lost its script cache (a restart, SCRIPT FLUSH) and ran nothing of
  // that command: load the script and run those commands once more.
  std::vector<std::size_t> again;
  std::set<const Script*> reloaded;  // each script once, however many commands ran it
  for (std::size_t i = 0; i < replies->size(); ++i) {
    const Reply& reply = (*replies)[i];
    const Script* script = pipeline.script(i);
    if (script == nullptr || !reply.is_error() || !reply.str().starts_with("NOSCRIPT")) continue;
    if (reloaded.insert(script).second) {
      if (absl::Status status = LoadScript(*script); !status.ok()) return status;
    }
    again.push_back(i);
  }
  if (again.empty()) return replies;
  std::vector<std::vector<std::string_view>> retried;
  for (std::size_t i : again) {
    shas[i] = *pipeline.script(i)->sha();
    commands[i][1] = shas[i];
    retried.push_back(commands[i]);
  }
  absl::StatusOr<std::vector<Reply>> second = Run(retried, retry, "PIPELINE");
  if (!second.ok()) return second.status();
  for (std::size_t j = 0; j < again.size(); ++j) (*replies)[again[j]] = std::move((*second)[j]);
  return replies;
}

absl::Status Connection::LoadScript(const Script& script) {
  absl::StatusOr<Reply> sha = Command({"SCRIPT", "LOAD", script.source()}, Retry::kIdempotent);
  if (!sha.ok()) return sha.status();
  if (!sha->is_string()) {
    return absl::InternalError(
        absl::StrCat("redis: SCRIPT LOAD answered ", sha->DebugString(), " instead of a SHA1"));
  }
  script.set_sha(sha->str());
  return absl::OkStatus();
}

absl::StatusOr<Reply> Connection::Eval(const Script& script, const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args, Retry retry) {
  std::optional<std::string> sha = script.sha();
  if (!sha.has_value()) {
    if (absl::Status status = LoadScript(script); !status.ok()) return status;
    sha = script.sha();
  }
  const std::string key_count = absl::StrCat(keys.size());
  for (int round = 0;; ++round) {
    std::vector<std::string_view> command = {"EVALSHA", *sha, key_count};
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());
    absl::StatusOr<Reply> reply = RunCommand(command, retry);
    if (!reply.ok()) return reply;
    // NOSCRIPT: this server does not know the script (it restarted, or its cache was flushed).
    // Nothing ran, so loading it and running it again is safe for any script.
    if (reply->is_error() && reply->str().starts_with("NOSCRIPT") && round == 0) {
      if (absl::Status status = LoadScript(script); !status.ok()) return status;
      sha = script.sha();
      continue;
    }
    if (reply->is_error()) return reply->ToStatus();
    return reply;
  }
}

absl::Status Connection::Ping() {
  absl::StatusOr<Reply> reply = Command({"PING"}, Retry::kIdempotent);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace ipraktik::store
