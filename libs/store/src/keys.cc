#include "ipraktik/store/keys.h"

#include "absl/strings/str_cat.h"

namespace ipraktik::store {
namespace {

constexpr std::size_t kMaxTenantLength = 64;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

absl::string_view View(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace

absl::Status ValidateTenant(std::string_view tenant) {
  if (tenant.empty()) return absl::InvalidArgumentError("tenant is empty");
  if (tenant.size() > kMaxTenantLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("tenant is longer than ", kMaxTenantLength, " characters"));
  }
  if (!IsLowerAlnum(tenant.front())) {
    return absl::InvalidArgumentError(
        absl::StrCat("tenant \"", View(tenant), "\" must start with a-z or 0-9"));
  }
  for (char c : tenant) {
    if (!IsLowerAlnum(c) && c != '-' && c != '_') {
      return absl::InvalidArgumentError(
          absl::StrCat("tenant \"", View(tenant), "\" may only contain a-z, 0-9, '-' and '_'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TenantKeys> TenantKeys::For(std::string_view tenant) {
  if (absl::Status status = ValidateTenant(tenant); !status.ok()) return status;
  return TenantKeys(std::string(tenant));
}

std::string TenantKeys::HashTag() const { return absl::StrCat("{", tenant_, "}"); }

std::string TenantKeys::Key(std::string_view kind) const {
  return absl::StrCat(View(kKeyPrefix), "{", tenant_, "}:", View(kind));
}

std::string TenantKeys::Key(std::string_view kind, std::string_view id) const {
  return absl::StrCat(View(kKeyPrefix), "{", tenant_, "}:", View(kind), ":", View(id));
}

std::optional<std::string> TenantOfKey(std::string_view key) {
  if (!key.starts_with(kKeyPrefix)) return std::nullopt;
  key.remove_prefix(kKeyPrefix.size());
  if (!key.starts_with('{')) return std::nullopt;
  const std::size_t close = key.find('}');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view tenant = key.substr(1, close - 1);
  if (!ValidateTenant(tenant).ok()) return std::nullopt;
  return std::string(tenant);
}

}  // namespace ipraktik::store
