#pragma once

// A posted HTML form (application/x-www-form-urlencoded), parsed strictly: a post that a browser
// would not send from the service's own forms is malformed, and the page answers 400 without
// calling anyone.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ipraktik::participant_web {

class Form {
 public:
  // The value of a field, nullopt when the post did not carry it.
  std::optional<std::string> Get(std::string_view name) const;
  // The value, "" when absent.
  std::string Value(std::string_view name) const { return Get(name).value_or(""); }
  const std::map<std::string, std::string, std::less<>>& fields() const { return fields_; }

  void Set(std::string name, std::string value) { fields_[std::move(name)] = std::move(value); }

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

// Whether a Content-Type header names a URL-encoded form (parameters such as charset allowed).
bool IsUrlEncodedForm(std::string_view content_type);

// Parses body: name=value pairs joined by '&', '+' for space, %XX escapes. INVALID_ARGUMENT
// (saying what, never echoing the body) for a bad escape, a name given twice, an empty name, a
// name or value that is not valid UTF-8 or holds a control character other than the line breaks
// and tabs a text area sends, or more than max_fields fields.
absl::StatusOr<Form> ParseForm(std::string_view body, std::size_t max_fields = 64);

}  // namespace ipraktik::participant_web
