#include "evaluation_metrics.h"

#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace ipraktik::evaluation {
namespace {

void Increment(prometheus::Counter* counter) {
  if (counter != nullptr) counter->Increment();
}

}  // namespace

EvaluationMetrics::EvaluationMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  auto& invitations = prometheus::BuildCounter()
                          .Name("ipraktik_evaluation_invitations_total")
                          .Help("Invitations to evaluate an internship, by survey")
                          .Register(*registry);
  auto& reminders = prometheus::BuildCounter()
                        .Name("ipraktik_evaluation_reminders_total")
                        .Help("Reminders to evaluate an internship, by survey")
                        .Register(*registry);
  for (Wave wave : {Wave::kFirst, Wave::kFollowUp}) {
    const std::string name(WaveName(wave));
    invitations_[static_cast<int>(wave)] = &invitations.Add({{"wave", name}});
    reminders_[static_cast<int>(wave)] = &reminders.Add({{"wave", name}});
  }
  auto& answers = prometheus::BuildCounter()
                      .Name("ipraktik_evaluation_answers_total")
                      .Help("Survey answers stored (corrections included), by role")
                      .Register(*registry);
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

void EvaluationMetrics::Invitation(Wave wave) { Increment(invitations_[static_cast<int>(wave)]); }
void EvaluationMetrics::Reminder(Wave wave) { Increment(reminders_[static_cast<int>(wave)]); }
void EvaluationMetrics::Answer(Role role) { Increment(answers_[static_cast<int>(role)]); }

}  // namespace ipraktik::evaluation
