#pragma once

// The evaluation service's own metrics (no per-person labels):
//   ipraktik_evaluation_invitations_total{wave="first|follow_up"}   invitations requested
//   ipraktik_evaluation_reminders_total{wave="first|follow_up"}     reminders requested
//   ipraktik_evaluation_answers_total{role="intern|host"}           answers stored (corrections
//   too)

#include <array>
#include <string>

#include "domain/survey.h"

namespace prometheus {
class Counter;
class Gauge;
template <typename T>
class Family;
class Registry;
}  // namespace prometheus

namespace ipraktik::evaluation {

class EvaluationMetrics {
 public:
  // Without a registry every call does nothing.
  explicit EvaluationMetrics(prometheus::Registry* registry);

  void Invitation(Wave wave);
  void Reminder(Wave wave);
  void Answer(Role role);
  void ResponseRate(const std::string& tenant, const std::string& round_id, double rate);

 private:
  std::array<prometheus::Counter*, 2> invitations_{};  // by Wave
  std::array<prometheus::Counter*, 2> reminders_{};    // by Wave
  std::array<prometheus::Counter*, 3> answers_{};      // by Role
  prometheus::Family<prometheus::Gauge>* response_rates_ = nullptr;
};

}  // namespace ipraktik::evaluation
