#include "redis_batch.h"

namespace ipraktik::notification {

void RedisBatch::Add(const store::Pipeline& commands, Reader read) {
  pipeline_.Append(commands);
  readers_.emplace_back(commands.size(), std::move(read));
}

absl::Status RedisBatch::Execute() {
  if (pipeline_.empty()) return absl::OkStatus();
  auto replies = redis_.Execute(pipeline_, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();
  std::span<const store::Reply> rest(*replies);
  for (const auto& [count, read] : readers_) {
    std::span<const store::Reply> own = rest.first(count);
    rest = rest.subspan(count);
    if (read) {
      if (absl::Status status = read(own); !status.ok()) return status;
      continue;
    }
    for (const store::Reply& reply : own) {
      if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace ipraktik::notification
