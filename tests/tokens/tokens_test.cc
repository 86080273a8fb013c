#include "ipraktik/tokens/tokens.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace ipraktik::tokens {
namespace {

TEST(Tokens, ANewTokenHasItsKindAndPassesItsCheck) {
  auto token = NewToken("ipe");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(token->starts_with("ipe_"));
  EXPECT_EQ(token->size(), 4u + 36u);
  EXPECT_TRUE(CheckFormat(*token, "ipe").ok());
  EXPECT_EQ(CheckFormat(*token, "ipk").code(), absl::StatusCode::kInvalidArgument);
}

TEST(Tokens, EveryTokenIsNew) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(*NewToken("ipk"));
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Tokens, ATypoACutLinkOrAForeignCharacterIsCaughtByTheFormat) {
  std::string token = *NewToken("ipa");
  std::string typo = token;
  typo[10] = typo[10] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(CheckFormat(typo, "ipa").ok());
  EXPECT_FALSE(CheckFormat(token.substr(0, token.size() - 1), "ipa").ok());
  std::string foreign = token;
  foreign[12] = '-';
  EXPECT_FALSE(CheckFormat(foreign, "ipa").ok());
  EXPECT_FALSE(CheckFormat("", "ipa").ok());
  // The message never repeats the token.
  EXPECT_EQ(std::string(CheckFormat(typo, "ipa").message()).find(typo), std::string::npos);
}

TEST(Tokens, KindsAreShortLowerCaseWords) {
  EXPECT_FALSE(NewToken("IPK").ok());
  EXPECT_FALSE(NewToken("i").ok());
  EXPECT_FALSE(NewToken("ipk_x").ok());
}

TEST(Tokens, TheDigestIsKeyedHmacSha256) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(Digest("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(Digest("secret-1", "ipe_x"), Digest("secret-2", "ipe_x"));
}

TEST(Tokens, ADerivedTokenIsTheSameForTheSameInputsAndPassesItsCheck) {
  auto token = DerivedToken("secret", "ipp", "demo\nintern\nrnd-1/par-1\npar-1");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(CheckFormat(*token, "ipp").ok());
  EXPECT_EQ(*DerivedToken("secret", "ipp", "demo\nintern\nrnd-1/par-1\npar-1"), *token);
  // Another secret, kind or context (tenant, role, object, person) gives another token.
  EXPECT_NE(*DerivedToken("other", "ipp", "demo\nintern\nrnd-1/par-1\npar-1"), *token);
  EXPECT_NE(DerivedToken("secret", "ipq", "demo\nintern\nrnd-1/par-1\npar-1")->substr(4),
            token->substr(4));
  EXPECT_NE(*DerivedToken("secret", "ipp", "demo\nhost\nrnd-1/par-1\npar-1"), *token);
  EXPECT_FALSE(DerivedToken("secret", "IPP", "x").ok());
  // Independently computed with Python's hmac and zlib.crc32 (HMAC-SHA-256 of the label, kind,
  // context and block counter; bytes of 248 and above skipped; base62; CRC-32 checksum).
  EXPECT_EQ(*DerivedToken("Jefe", "ipp", "demo\nintern\nrnd-1/par-1\npar-1"),
            "ipp_ISop2NzQbOG5Rynu4YezHZXOmSjJMj3rsJKv");
}

TEST(Tokens, DerivedTokensOfManyContextsAreAllDifferent) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(*DerivedToken("secret", "ipp", std::to_string(i)));
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace ipraktik::tokens
