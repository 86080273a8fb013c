#include "ipraktik/store/pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ipraktik/deadline/deadline.h"
#include "metrics.h"

namespace ipraktik::store {

Pool::Pool(Options options)
    : options_(std::move(options)),
      metrics_(std::make_shared<ConnectionMetrics>(options_.registry)) {}

// Leases hold a pointer to the pool: the pool must outlive them (it owns no lent connection).
Pool::~Pool() = default;

Pool::Lease::Lease(Pool* pool, std::unique_ptr<Connection> connection)
    : pool_(pool), connection_(std::move(connection)) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Pool::Lease::~Lease() { Return(); }

void Pool::Lease::Return() {
  if (pool_ != nullptr && connection_ != nullptr) pool_->GiveBack(std::move(connection_));
  pool_ = nullptr;
}

absl::StatusOr<Pool::Lease> Pool::Acquire() {
  const int capacity = std::max(1, options_.pool_size);
  // No longer than the caller's deadline (libs/deadline) allows.
  if (absl::Status late = deadline::Check("borrowing a redis connection"); !late.ok()) return late;
  const bool call_deadline_first = deadline::Shortens(options_.acquire_timeout);
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoNanoseconds(deadline::Bound(options_.acquire_timeout));
  std::unique_lock lock(mutex_);
  while (true) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      metrics_->SetPoolInUse(open_ - static_cast<int>(idle_.size()));
      return Lease(this, std::move(connection));
    }
    if (open_ < capacity) {
      ++open_;
      metrics_->SetPoolInUse(open_ - static_cast<int>(idle_.size()));
      lock.unlock();
      // Connecting happens at the first command, outside the lock.
      return Lease(this, std::unique_ptr<Connection>(new Connection(options_, metrics_)));
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty()) {
      metrics_->RecordPoolExhausted();
      if (call_deadline_first) {
        return absl::DeadlineExceededError(
            "redis: the call's deadline passed waiting for a pooled connection");
      }
      return absl::UnavailableError(absl::StrCat("redis: all ", capacity,
                                                 " pooled connections stayed busy for ",
                                                 absl::FormatDuration(options_.acquire_timeout)));
    }
  }
}

void Pool::GiveBack(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
    metrics_->SetPoolInUse(open_ - static_cast<int>(idle_.size()));
  }
  returned_.notify_one();
}

absl::StatusOr<Reply> Pool::Command(std::initializer_list<std::string_view> args, Retry retry) {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Command(args, retry);
}

absl::StatusOr<Reply> Pool::Command(const std::vector<std::string>& args, Retry retry) {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Command(args, retry);
}

absl::StatusOr<std::vector<Reply>> Pool::Execute(const Pipeline& pipeline, Retry retry) {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Execute(pipeline, retry);
}

absl::StatusOr<Reply> Pool::Eval(const Script& script, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args, Retry retry) {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Eval(script, keys, args, retry);
}

absl::Status Pool::Ping() {
  absl::StatusOr<Lease> lease = Acquire();
  if (!lease.ok()) return lease.status();
  return (*lease)->Ping();
}

}  // namespace ipraktik::store
