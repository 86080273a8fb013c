#include "src/json_input.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "ipraktik/matching/json.h"
#include "src/text.h"

namespace ipraktik::matching {

PaddedText PaddedText::Copy(std::string_view text) {
  PaddedText padded;
  padded.size_ = text.size();
  padded.buffer_.resize(text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.buffer_.data(), text.data(), text.size());
  return padded;
}

absl::StatusOr<PaddedText> PaddedText::ReadFile(const std::string& path) {
  struct Closer {
    void operator()(std::FILE* file) const {
      if (file != stdin) std::fclose(file);
    }
  };
  std::unique_ptr<std::FILE, Closer> file(path == "-" ? stdin : std::fopen(path.c_str(), "rb"));
  if (!file) {
    return absl::NotFoundError(Cat("cannot open ", path, ": ", std::strerror(errno)));
  }
  PaddedText padded;
  // A regular file's size is known; a pipe grows the buffer as it goes.
  std::size_t chunk = 1 << 20;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) {
    long end = std::ftell(file.get());
    if (end > 0) chunk = static_cast<std::size_t>(end) + 1;
    std::rewind(file.get());
  }
  for (;;) {
    padded.buffer_.resize(padded.size_ + chunk);
    std::size_t got = std::fread(padded.buffer_.data() + padded.size_, 1, chunk, file.get());
    padded.size_ += got;
    if (got < chunk) break;
    chunk = padded.size_;  // double
  }
  if (std::ferror(file.get())) {
    return absl::UnavailableError(Cat("cannot read ", path, ": ", std::strerror(errno)));
  }
  padded.buffer_.resize(padded.size_ + simdjson::SIMDJSON_PADDING);
  std::memset(padded.buffer_.data() + padded.size_, 0, simdjson::SIMDJSON_PADDING);
  return padded;
}

absl::StatusOr<Instance> ReadInstanceFile(const std::string& path) {
  auto text = PaddedText::ReadFile(path);
  if (!text.ok()) return text.status();
  return ReadInstance(*text);
}

absl::StatusOr<Result> ReadResultFile(const std::string& path) {
  auto text = PaddedText::ReadFile(path);
  if (!text.ok()) return text.status();
  return ReadResult(*text);
}

}  // namespace ipraktik::matching
