#include "domain/ids.h"

#include <openssl/sha.h>

#include <array>

#include "absl/strings/str_cat.h"

namespace ipraktik::notification {
namespace {

std::array<unsigned char, SHA256_DIGEST_LENGTH> Sha256(std::string_view data) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data());
  return digest;
}

std::string Hex(const unsigned char* bytes, std::size_t count) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(count * 2);
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::string MessageIdFor(const MessageKey& key) {
  // The parts are joined with a byte none of them contains.
  std::string joined =
      absl::StrCat(key.tenant, "\x1f", key.event_id, "\x1f", MessageKindName(key.kind), "\x1f",
                   key.recipient, "\x1f", key.subject);
  auto digest = Sha256(joined);
  return Hex(digest.data(), 16);
}

std::string Rfc822MessageId(std::string_view message_id, int resend, std::string_view domain) {
  return absl::StrCat(std::string(message_id), ".", resend, "@",
                      domain.empty() ? std::string("ipraktik.invalid") : std::string(domain));
}

std::string NameBasedUuid(std::string_view name) {
  auto digest = Sha256(name);
  // Version and variant bits as in a version 5 UUID.
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x50);  // version 5 layout
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC variant
  std::string hex = Hex(digest.data(), 16);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20, 12));
}

}  // namespace ipraktik::notification
