#include "domain/form.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "ipraktik/text/text.h"

namespace ipraktik::participant_web {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= encoded.size()) return absl::InvalidArgumentError("a cut %-escape");
      int high = HexValue(encoded[i + 1]);
      int low = HexValue(encoded[i + 2]);
      if (high < 0 || low < 0) return absl::InvalidArgumentError("a bad %-escape");
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (text::FirstInvalidUtf8(out).has_value()) {
    return absl::InvalidArgumentError("a field that is not valid UTF-8");
  }
  for (unsigned char byte : out) {
    if ((byte < 0x20 && byte != '\n' && byte != '\r' && byte != '\t') || byte == 0x7f) {
      return absl::InvalidArgumentError("a control character in a field");
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Form::Get(std::string_view name) const {
  auto found = fields_.find(name);
  if (found == fields_.end()) return std::nullopt;
  return found->second;
}

bool IsUrlEncodedForm(std::string_view content_type) {
  std::string type = text::Trim(content_type.substr(0, content_type.find(';')));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/x-www-form-urlencoded";
}

absl::StatusOr<Form> ParseForm(std::string_view body, std::size_t max_fields) {
  Form form;
  std::size_t count = 0;
  while (!body.empty()) {
    std::size_t end = body.find('&');
    std::string_view pair = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (pair.empty()) continue;
    if (++count > max_fields) {
      return absl::InvalidArgumentError(absl::StrCat("more than ", max_fields, " fields"));
    }
    std::size_t equals = pair.find('=');
    auto name = Decode(pair.substr(0, equals));
    if (!name.ok()) return name.status();
    if (name->empty()) return absl::InvalidArgumentError("a field without a name");
    std::string_view encoded_value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    auto value = Decode(encoded_value);
    if (!value.ok()) return value.status();
    if (form.Get(*name).has_value()) {
      return absl::InvalidArgumentError("a field given twice");
    }
    form.Set(*std::move(name), *std::move(value));
  }
  return form;
}

}  // namespace ipraktik::participant_web
