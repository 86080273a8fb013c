#include "ipraktik/ratelimit/ratelimit.h"

#include <algorithm>
#include <cmath>

#include "ipraktik/store/keys.h"

namespace ipraktik::ratelimit {
namespace {

// KEYS[1] the bucket; ARGV: now in microseconds ("" = Redis's clock), the interval between calls
// at the steady rate in microseconds, the burst. The bucket is full again at `tat` (stored); a
// call is allowed when tat lies at most (burst - 1) intervals ahead of now, and moves tat one
// interval on. Returns {1, 0} when allowed, {0, microseconds to wait} when refused. The key
// expires when the bucket is full again, so idle callers leave nothing behind.
constexpr char kTakeScript[] = R"lua(
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local interval = tonumber(ARGV[2])
local tolerance = interval * (tonumber(ARGV[3]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - now - tolerance
if wait > 0 then return {0, wait} end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
return {1, 0}
)lua";

}  // namespace

Limiter::Limiter(store::Pool& redis, Limit limit)
    : redis_(redis), limit_(limit), script_(kTakeScript) {}

absl::StatusOr<Decision> Limiter::Take(std::string_view tenant, std::string_view bucket,
                                       std::optional<absl::Time> now) const {
  if (!limit_.enabled()) return Decision{};
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto interval_us = static_cast<long long>(std::ceil(1e6 / limit_.per_second));
  std::string now_us = now ? std::to_string(absl::ToUnixMicros(*now)) : std::string();
  // Retry::kNever: a lost reply may have taken a call, and taking a second one would refuse a
  // caller twice for one call.
  auto reply =
      redis_.Eval(script_, {keys->Key("ratelimit", bucket)},
                  {now_us, std::to_string(interval_us), std::to_string(std::max(limit_.burst, 1))});
  if (!reply.ok()) return reply.status();
  const auto& parts = reply->elements();
  if (parts.size() != 2) {
    return absl::InternalError("the rate limit script answered " + reply->DebugString());
  }
  if (parts[0].integer() == 1) return Decision{};
  return Decision{.allowed = false, .retry_after = absl::Microseconds(parts[1].integer())};
}

}  // namespace ipraktik::ratelimit
