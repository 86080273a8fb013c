#pragma once

// The pages' HTML: one mustache template per page (<root>/<page>.html), rendered inside the
// common layout (<root>/layout.html, which gets the page as {{{content}}}), and the words of
// every page in each language (<root>/text/da.txt, en.txt: "key = value" lines), which a
// template reads as {{t.key}}. Values are HTML-escaped unless a template asks otherwise. Read
// once at start-up; Load fails naming the file when a template does not parse or the two
// languages do not have the same keys.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "domain/mustache.h"
#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

using Wording = std::map<std::string, std::string, std::less<>>;

class Views {
 public:
  static absl::StatusOr<Views> Load(const std::filesystem::path& root);

  // page's template in the layout, in language; data's values plus "t" (the wording) and "lang".
  // INTERNAL when the page has no template or rendering fails (a template error).
  absl::StatusOr<std::string> Render(std::string_view page, model::Language language,
                                     PageData data) const;

  // A word of the wording ("" when the key is unknown).
  std::string Word(model::Language language, std::string_view key) const;

 private:
  std::map<std::string, std::string, std::less<>> templates_;  // by page name; "layout" too
  Wording danish_;
  Wording english_;
};

// "key = value" lines; blank lines and lines starting with '#' skipped; INVALID_ARGUMENT naming
// the line that is neither.
absl::StatusOr<Wording> ParseWording(std::string_view text);

}  // namespace ipraktik::participant_web
