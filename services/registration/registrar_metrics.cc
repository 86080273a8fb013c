#include "registrar_metrics.h"

#include "ipraktik/metrics/counters.h"

namespace ipraktik::registration {

RegistrarMetrics::RegistrarMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  auto& signups =
      metrics::CounterFamily(*registry, "ipraktik_registration_signups_total",
                             "Sign-ups (SignUp calls and imported rows) by what they did");
  signups_created_ = &signups.Add({{"result", "created"}});
  signups_updated_ = &signups.Add({{"result", "updated"}});
  signups_replayed_ = &signups.Add({{"result", "replayed"}});
  signups_refused_ = &signups.Add({{"result", "refused"}});
  round_signups_ = &metrics::CounterFamily(*registry, "ipraktik_registration_round_signups_total",
                                           "Applications created, per tenant and round");
  auto& rows = metrics::CounterFamily(*registry, "ipraktik_registration_import_rows_total",
                                      "Rows of bulk imports, imported or failed");
  import_imported_ = &rows.Add({{"result", "imported"}});
  import_failed_ = &rows.Add({{"result", "failed"}});
  erasures_ = &metrics::SingleCounter(*registry, "ipraktik_registration_erasures_total",
                                      "Participants erased (GDPR requests and retention)");
  retries_ = &metrics::SingleCounter(*registry, "ipraktik_registration_transaction_retries_total",
                                     "Writes decided again because a concurrent change came first");
  auto& exports = metrics::CounterFamily(*registry, "ipraktik_registration_snapshot_exports_total",
                                         "Round snapshot exports by outcome");
  exports_completed_ = &exports.Add({{"result", "completed"}});
  exports_failed_ = &exports.Add({{"result", "failed"}});
}

void RegistrarMetrics::SignUpCreated() { metrics::Increment(signups_created_); }
void RegistrarMetrics::SignUpUpdated() { metrics::Increment(signups_updated_); }
void RegistrarMetrics::SignUpReplayed() { metrics::Increment(signups_replayed_); }
void RegistrarMetrics::SignUpRefused() { metrics::Increment(signups_refused_); }
void RegistrarMetrics::RoundSignUp(const std::string& tenant, const std::string& round_id) {
  if (round_signups_ == nullptr) return;
  round_signups_->Add({{"tenant", tenant}, {"round", round_id}}).Increment();
}
void RegistrarMetrics::ImportRow(bool imported) {
  metrics::Increment(imported ? import_imported_ : import_failed_);
}
void RegistrarMetrics::Erasure() { metrics::Increment(erasures_); }
void RegistrarMetrics::Retry() { metrics::Increment(retries_); }
void RegistrarMetrics::SnapshotExport(bool completed) {
  metrics::Increment(completed ? exports_completed_ : exports_failed_);
}

}  // namespace ipraktik::registration
