#pragma once

// JSON text with the zero padding simdjson needs behind it, read from a file or stdin without a
// second copy (a national round is a few hundred megabytes).

#include <simdjson.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ipraktik/matching/instance.h"
#include "ipraktik/matching/result.h"

namespace ipraktik::matching {

class PaddedText {
 public:
  static PaddedText Copy(std::string_view text);
  // "-" reads standard input.
  static absl::StatusOr<PaddedText> ReadFile(const std::string& path);

  const char* data() const { return buffer_.data(); }
  std::size_t size() const { return size_; }
  simdjson::padded_string_view view() const {
    return simdjson::padded_string_view(buffer_.data(), size_, buffer_.size());
  }

 private:
  std::string buffer_;  // the text, then at least SIMDJSON_PADDING zero bytes
  std::size_t size_ = 0;
};

absl::StatusOr<Instance> ReadInstance(const PaddedText& text);
absl::StatusOr<Result> ReadResult(const PaddedText& text);

}  // namespace ipraktik::matching
