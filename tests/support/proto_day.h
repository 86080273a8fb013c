#pragma once

// Tests write their days as absl::CivilDay (easy to count with); the API carries v1::Date.
// The field mapping itself is libs/model's (model::ToProto), so tests and services agree on it.
// Link ipraktik::model_proto to use this.

#include <chrono>

#include "absl/time/civil_time.h"
#include "ipraktik/model_proto/model_proto.h"

namespace ipraktik::testing {

inline v1::Date ProtoDay(absl::CivilDay day) {
  return model::ToProto(model::Date{std::chrono::year(static_cast<int>(day.year())),
                                    std::chrono::month(static_cast<unsigned>(day.month())),
                                    std::chrono::day(static_cast<unsigned>(day.day()))});
}

}  // namespace ipraktik::testing
