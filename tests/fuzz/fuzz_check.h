#pragma once

// What a fuzz target asserts: a property that fails stops the run as a crash, so libFuzzer keeps
// the input (in the test's artifacts folder) and the test fails.

namespace ipraktik::fuzz {

inline void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace ipraktik::fuzz
