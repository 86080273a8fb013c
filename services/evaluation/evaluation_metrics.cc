#include "evaluation_metrics.h"

#include <string>

#include "ipraktik/metrics/counters.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace ipraktik::evaluation {

EvaluationMetrics::EvaluationMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  auto& invitations = metrics::CounterFamily(*registry, "ipraktik_evaluation_invitations_total",
                                             "Invitations to evaluate an internship, by survey");
  auto& reminders = metrics::CounterFamily(*registry, "ipraktik_evaluation_reminders_total",
                                           "Reminders to evaluate an internship, by survey");
  for (Wave wave : {Wave::kFirst, Wave::kFollowUp}) {
    const std::string name(WaveName(wave));
    invitations_[static_cast<int>(wave)] = &invitations.Add({{"wave", name}});
    reminders_[static_cast<int>(wave)] = &reminders.Add({{"wave", name}});
  }
  auto& answers = metrics::CounterFamily(*registry, "ipraktik_evaluation_answers_total",
                                         "Survey answers stored (corrections included), by role");
  for (Role role : {Role::kIntern, Role::kHost}) {
    answers_[static_cast<int>(role)] = &answers.Add({{"role", std::string(RoleName(role))}});
  }
  response_rates_ = &prometheus::BuildGauge()
                         .Name("ipraktik_evaluation_response_rate")
                         .Help("Share of those invited to a round's first survey who answered")
                         .Register(*registry);
}

void EvaluationMetrics::ResponseRate(const std::string& tenant, const std::string& round_id,
                                     double rate) {
  if (response_rates_ == nullptr) return;
  response_rates_->Add({{"tenant", tenant}, {"round", round_id}}).Set(rate);
}

void EvaluationMetrics::Invitation(Wave wave) {
  metrics::Increment(invitations_[static_cast<int>(wave)]);
}
void EvaluationMetrics::Reminder(Wave wave) {
  metrics::Increment(reminders_[static_cast<int>(wave)]);
}
void EvaluationMetrics::Answer(Role role) { metrics::Increment(answers_[static_cast<int>(role)]); }

}  // namespace ipraktik::evaluation
