// Fuzz target: any text presented as an API key or a personal link is answered by CheckFormat
// with OK or INVALID_ARGUMENT, never a crash; an error is a short fixed sentence (it never repeats
// the text); what it accepts has the kind's prefix, and one changed character of it is refused.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "ipraktik/tokens/tokens.h"

namespace {

using ipraktik::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using ipraktik::tokens::CheckFormat;
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  for (std::string_view kind : {"ipk", "ipe", "ipa", "", "x"}) {
    const absl::Status status = CheckFormat(token, kind);
    Check(status.ok() || status.code() == absl::StatusCode::kInvalidArgument);
    if (!status.ok()) {
      // A secret never comes back in an error (it would land in logs and answers): the message
      // is one of a few fixed sentences, whatever the size of the text.
      Check(status.message().size() <= 80);
      continue;
    }
    Check(token.starts_with(std::string(kind) + "_"));
    std::string typo(token);
    typo.back() = typo.back() == 'A' ? 'B' : 'A';
    Check(!CheckFormat(typo, kind).ok());
  }
  Check(ipraktik::tokens::Digest("secret", token).size() == 64);
  return 0;
}
