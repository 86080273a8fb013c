#pragma once

// Registration's own metrics, beside the RED metrics every gRPC method gets from libs/server:
//   ipraktik_registration_signups_total{result="created|updated|replayed|refused"}
//   ipraktik_registration_round_signups_total{tenant, round}   applications created, per round
//   ipraktik_registration_import_rows_total{result="imported|failed"}
//   ipraktik_registration_erasures_total
//   ipraktik_registration_transaction_retries_total   (optimistic conflicts redone)
//   ipraktik_registration_snapshot_exports_total{result="completed|failed"}

#include <string>
#include <string_view>

namespace prometheus {
class Counter;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace ipraktik::registration {

class RegistrarMetrics {
 public:
  // Without a registry every call does nothing.
  explicit RegistrarMetrics(prometheus::Registry* registry);

  void SignUpCreated();
  void SignUpUpdated();
  void SignUpReplayed();
  void SignUpRefused();
  // A new application stored for the round (the programme view counts sign-ups per round).
  void RoundSignUp(const std::string& tenant, const std::string& round_id);
  void ImportRow(bool imported);
  void Erasure();
  void Retry();
  void SnapshotExport(bool completed);

 private:
  prometheus::Counter* signups_created_ = nullptr;
  prometheus::Counter* signups_updated_ = nullptr;
  prometheus::Counter* signups_replayed_ = nullptr;
  prometheus::Counter* signups_refused_ = nullptr;
  prometheus::Family<prometheus::Counter>* round_signups_ = nullptr;
  prometheus::Counter* import_imported_ = nullptr;
  prometheus::Counter* import_failed_ = nullptr;
  prometheus::Counter* erasures_ = nullptr;
  prometheus::Counter* retries_ = nullptr;
  prometheus::Counter* exports_completed_ = nullptr;
  prometheus::Counter* exports_failed_ = nullptr;
};

}  // namespace ipraktik::registration
