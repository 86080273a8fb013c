#include "registrar_metrics.h"

#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace ipraktik::registration {

RegistrarMetrics::RegistrarMetrics(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  auto& signups = prometheus::BuildCounter()
                      .Name("ipraktik_registration_signups_total")
                      .Help("Sign-ups (SignUp calls and imported rows) by what they did")
                      .Register(*registry);
  signups_created_ = &signups.Add({{"result", "created"}});
  signups_updated_ = &signups.Add({{"result", "updated"}});
  signups_replayed_ = &signups.Add({{"result", "replayed"}});
  signups_refused_ = &signups.Add({{"result", "refused"}});
  auto& rows = prometheus::BuildCounter()
                   .Name("ipraktik_registration_import_rows_total")
                   .Help("Rows of bulk imports, imported or failed")
                   .Register(*registry);
  import_imported_ = &rows.Add({{"result", "imported"}});
  import_failed_ = &rows.Add({{"result", "failed"}});
  erasures_ = &prometheus::BuildCounter()
                   .Name("ipraktik_registration_erasures_total")
                   .Help("Participants erased (GDPR requests and retention)")
                   .Register(*registry)
                   .Add({});
  retries_ = &prometheus::BuildCounter()
                  .Name("ipraktik_registration_transaction_retries_total")
                  .Help("Writes decided again because a concurrent change came first")
                  .Register(*registry)
                  .Add({});
  auto& exports = prometheus::BuildCounter()
                      .Name("ipraktik_registration_snapshot_exports_total")
                      .Help("Round snapshot exports by outcome")
                      .Register(*registry);
  exports_completed_ = &exports.Add({{"result", "completed"}});
  exports_failed_ = &exports.Add({{"result", "failed"}});
}

void RegistrarMetrics::Increment(prometheus::Counter* counter) {
  if (counter != nullptr) counter->Increment();
}

void RegistrarMetrics::SignUpCreated() { Increment(signups_created_); }
void RegistrarMetrics::SignUpUpdated() { Increment(signups_updated_); }
void RegistrarMetrics::SignUpReplayed() { Increment(signups_replayed_); }
void RegistrarMetrics::SignUpRefused() { Increment(signups_refused_); }
void RegistrarMetrics::ImportRow(bool imported) {
  Increment(imported ? import_imported_ : import_failed_);
}
void RegistrarMetrics::Erasure() { Increment(erasures_); }
void RegistrarMetrics::Retry() { Increment(retries_); }
void RegistrarMetrics::SnapshotExport(bool completed) {
  Increment(completed ? exports_completed_ : exports_failed_);
}

}  // namespace ipraktik::registration
