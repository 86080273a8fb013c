#pragma once

// A sign-up form's CSV export as ImportRows for RegistrationService.ImportSignUps. The header
// row names the columns, in English or Danish, in any case and order (docs/api.md lists them):
//   name/navn, email/e-mail, phone/telefon, job_title/stilling, language/sprog,
//   consent/samtykke, workplace/arbejdsplads, sector/sektor, region, municipality/kommune,
//   purpose/formål, available_days/dage, wish_1.../ønske_1..., swap_email/bytte_email,
//   swap_name/bytte_navn, manager_name/leder_navn, manager_email/leder_email.
// A wish cell holds a host offer id ("off-...") or criteria as key=value pairs separated by ';'
// or '&' ("fagområde=ledelse; region=Hovedstaden"; keys field/fagområde, sector/sektor, region,
// municipality/kommune). Days are 2026-09-07 or 07-09-2026 (also with dots), separated by ';',
// ',' or spaces.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "csv.h"
#include "ipraktik/v1/registration.pb.h"

namespace ipraktik::cli {

// One thing wrong with one row, named like the server names fields ("participant.email").
struct RowProblem {
  std::int64_t line = 0;
  std::string field;
  std::string description;
};

class SignUpCsv {
 public:
  // INVALID_ARGUMENT naming every unknown, repeated or missing required column.
  static absl::StatusOr<SignUpCsv> FromHeader(const CsvRecord& header);

  // The record as an ImportRow; nullopt (and the problems added) when it cannot be read.
  std::optional<v1::ImportRow> ToRow(const CsvRecord& record,
                                     std::vector<RowProblem>& problems) const;

  enum class Column {
    kName,
    kEmail,
    kPhone,
    kJobTitle,
    kLanguage,
    kConsent,
    kWorkplace,
    kSector,
    kRegion,
    kMunicipality,
    kPurpose,
    kAvailableDays,
    kWish,
    kSwapEmail,
    kSwapName,
    kManagerName,
    kManagerEmail,
    kUnknown
  };

 private:
  struct Slot {
    Column column = Column::kUnknown;
    int wish_number = 0;  // for kWish: the N of wish_N
  };
  std::vector<Slot> slots_;  // one per header field, in order
};

}  // namespace ipraktik::cli
