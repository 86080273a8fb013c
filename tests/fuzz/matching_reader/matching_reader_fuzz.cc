// Fuzz target: any bytes given to the matching engine's JSON readers must come back as a round
// or a result or as INVALID_ARGUMENT, never as a crash; and every small round that is accepted
// must solve, and its result must pass the independent check and survive a write/read.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "ipraktik/matching/json.h"
#include "ipraktik/matching/solver.h"
#include "ipraktik/matching/verify.h"

namespace {

using ipraktik::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ipraktik::matching;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto instance = ReadInstanceJson(text);
  Check(instance.ok() || instance.status().code() == absl::StatusCode::kInvalidArgument);
  if (instance.ok() && instance->interns.size() <= 64 && instance->hosts.size() <= 64) {
    auto result = Solve(*instance);
    Check(result.ok() || result.status().code() == absl::StatusCode::kInvalidArgument);
    if (result.ok()) {
      Check(Verify(*instance, *result).ok());
      auto again = ReadResultJson(WriteResultJson(*result));
      Check(again.ok() && Verify(*instance, *again).ok());
    }
  }

  auto result = ReadResultJson(text);
  Check(result.ok() || result.status().code() == absl::StatusCode::kInvalidArgument);
  return 0;
}
