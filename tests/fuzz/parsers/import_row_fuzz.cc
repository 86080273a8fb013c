// Fuzz target: any bytes a partner sends as an ImportRow (RegistrationService.ImportSignUps)
// go through the registration service's own reading of a row, as Registrar::ImportRows does it
// before any store is touched: the API messages mapped to the domain, normalized, and checked
// against an open round, never a crash. Every refusal names its fields, and a row normalized
// twice is the row normalized once (what is stored is what was checked).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "domain/rules.h"
#include "fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "ipraktik/v1/registration.pb.h"
#include "proto_mapping.h"

namespace {

using ipraktik::fuzz::Check;

using namespace ipraktik::registration;
namespace v1 = ipraktik::v1;
using std::chrono::September;
using std::chrono::year;

void CheckRefusal(const ipraktik::errors::Violations& violations) {
  const absl::Status status = violations.ToStatus();
  if (status.ok()) return;
  Check(status.code() == absl::StatusCode::kInvalidArgument);
  const auto listed = ipraktik::errors::FieldViolationsOf(status);
  // A capped list ends with one entry for the request as a whole that counts the rest.
  const bool capped = listed.size() > ipraktik::errors::kMaxViolations;
  Check(listed.size() <= ipraktik::errors::kMaxViolations + 1);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const bool summary = capped && i + 1 == listed.size();
    Check(!listed[i].description.empty() && (summary || !listed[i].field.empty()));
  }
}

}  // namespace

// Protobuf logs every string field that is not UTF-8: quiet, or that is all the fuzzer does.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  v1::ImportRow row;
  if (!row.ParseFromArray(data, static_cast<int>(size))) return 0;

  const Programme programme{.id = "prg-1", .name = "Praktik", .requires_manager_approval = true};
  const Round round{.id = "rnd-1",
                    .programme_id = "prg-1",
                    .name = "Efterår",
                    .window_start = year(2026) / September / 1,
                    .window_end = year(2026) / September / 30,
                    .signup_deadline = year(2026) / September / 1,
                    .max_wishes = 3,
                    .state = RoundState::kOpen};
  const HostOffer offer{.id = "off-1",
                        .round_id = "rnd-1",
                        .workplace_id = "wpl-2",
                        .title = "Et kig ind",
                        .capacity = 2,
                        .days = {year(2026) / September / 7},
                        .state = HostOfferState::kPublished};

  Workplace workplace = ToDomain(row.workplace());
  Normalize(workplace);
  Participant participant = ToDomain(row.participant());
  Normalize(participant);
  Application application = ToDomain(row.application());
  Normalize(application);

  Violations violations;
  CheckWorkplace(workplace, FieldPath("workplace"), violations);
  CheckParticipant(participant, row.has_workplace() ? &workplace : nullptr,
                   FieldPath("participant"), violations);
  const ApplicationContext context{
      .programme = programme,
      .round = round,
      .intern_email = participant.email,
      .intern_workplace_id = participant.workplace_id,
      .find_offer = [&offer](const std::string& id) { return id == offer.id ? &offer : nullptr; }};
  CheckApplication(application, context, FieldPath("application"), violations);
  CheckRefusal(violations);

  Participant again = participant;
  Normalize(again);
  Check(ToProto(again).SerializeAsString() == ToProto(participant).SerializeAsString());
  Application application_again = application;
  Normalize(application_again);
  Check(ToProto(application_again).SerializeAsString() == ToProto(application).SerializeAsString());
  Workplace workplace_again = workplace;
  Normalize(workplace_again);
  Check(ToProto(workplace_again).SerializeAsString() == ToProto(workplace).SerializeAsString());
  return 0;
}
