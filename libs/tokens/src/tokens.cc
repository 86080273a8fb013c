#include "ipraktik/tokens/tokens.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

#include "absl/strings/escaping.h"

namespace ipraktik::tokens {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::size_t kRandomCharacters = 30;
constexpr std::size_t kChecksumCharacters = 6;  // 62^6 > 2^32

std::uint32_t Crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string Checksum(std::string_view random_part) {
  std::uint32_t value = Crc32(random_part);
  std::string out(kChecksumCharacters, '0');
  for (std::size_t i = kChecksumCharacters; i-- > 0;) {
    out[i] = kAlphabet[value % kAlphabet.size()];
    value /= static_cast<std::uint32_t>(kAlphabet.size());
  }
  return out;
}

bool IsKind(std::string_view kind) {
  if (kind.size() < 2 || kind.size() > 8) return false;
  for (char c : kind) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> NewToken(std::string_view kind) {
  if (!IsKind(kind)) return absl::InternalError("a token kind is 2-8 lower-case letters");
  std::string random_part;
  random_part.reserve(kRandomCharacters);
  // Rejection sampling keeps every character uniform: bytes of 248 and above are drawn again.
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
  while (random_part.size() < kRandomCharacters) {
    std::array<unsigned char, 64> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
      return absl::InternalError("the secure random source failed");
    }
    for (unsigned char byte : bytes) {
      if (byte >= kLimit || random_part.size() == kRandomCharacters) continue;
      random_part.push_back(kAlphabet[byte % kAlphabet.size()]);
    }
  }
  return std::string(kind) + "_" + random_part + Checksum(random_part);
}

absl::Status CheckFormat(std::string_view token, std::string_view kind) {
  const std::size_t expected = kind.size() + 1 + kRandomCharacters + kChecksumCharacters;
  if (token.size() != expected || !token.starts_with(kind) || token[kind.size()] != '_') {
    return absl::InvalidArgumentError("the token is not of the expected kind or length");
  }
  std::string_view body = token.substr(kind.size() + 1);
  for (char c : body) {
    if (kAlphabet.find(c) == std::string_view::npos) {
      return absl::InvalidArgumentError("the token has a character tokens never contain");
    }
  }
  std::string_view random_part = body.substr(0, kRandomCharacters);
  if (body.substr(kRandomCharacters) != Checksum(random_part)) {
    return absl::InvalidArgumentError("the token's checksum does not match: is it complete?");
  }
  return absl::OkStatus();
}

std::string Digest(std::string_view secret, std::string_view token) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac.data(), &length);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(mac.data()), length));
}

absl::StatusOr<std::string> DerivedToken(std::string_view secret, std::string_view kind,
                                         std::string_view context) {
  if (!IsKind(kind)) return absl::InternalError("a token kind is 2-8 lower-case letters");
  // A label no token starts with keeps these MACs apart from Digest's (of "<kind>_..." tokens).
  std::string input = "ipraktik derived token";
  input.push_back('\0');
  input.append(kind);
  input.push_back('\0');
  input.append(context);
  input.push_back('\0');
  std::string random_part;
  random_part.reserve(kRandomCharacters);
  constexpr unsigned kLimit = 256 - 256 % kAlphabet.size();
  for (unsigned char block = 0; random_part.size() < kRandomCharacters; ++block) {
    std::string counted = input;
    counted.push_back(static_cast<char>(block));
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(counted.data()), counted.size(), mac.data(),
         &length);
    for (unsigned int i = 0; i < length && random_part.size() < kRandomCharacters; ++i) {
      if (mac[i] >= kLimit) continue;
      random_part.push_back(kAlphabet[mac[i] % kAlphabet.size()]);
    }
  }
  return std::string(kind) + "_" + random_part + Checksum(random_part);
}

}  // namespace ipraktik::tokens
