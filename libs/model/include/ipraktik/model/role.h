#pragma once

// Which side of an internship a participant was on (whom an evaluation asks what).

namespace ipraktik::model {

enum class Role { kUnspecified, kIntern, kHost };

}  // namespace ipraktik::model
