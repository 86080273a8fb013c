#include "domain/views.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ipraktik::participant_web {
namespace {

namespace mustache = kainjow::mustache;

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path.string(), " cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

PageData WordingData(const Wording& wording) {
  PageData words{PageData::type::object};
  for (const auto& [key, value] : wording) words.set(key, value);
  return words;
}

}  // namespace

absl::StatusOr<Wording> ParseWording(std::string_view text) {
  Wording wording;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    ++number;
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || stripped.front() == '#') continue;
    const std::size_t equals = stripped.find('=');
    if (equals == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("line ", number, " is not 'key = value'"));
    }
    std::string key(absl::StripAsciiWhitespace(stripped.substr(0, equals)));
    if (key.empty())
      return absl::InvalidArgumentError(absl::StrCat("line ", number, " has no key"));
    wording[key] = std::string(absl::StripAsciiWhitespace(stripped.substr(equals + 1)));
  }
  return wording;
}

absl::StatusOr<Views> Views::Load(const std::filesystem::path& root) {
  Views views;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    if (entry.path().extension() != ".html") continue;
    auto text = ReadFile(entry.path());
    if (!text.ok()) return text.status();
    mustache::mustache parsed(*text);
    if (!parsed.is_valid()) {
      return absl::InvalidArgumentError(
          absl::StrCat("template ", entry.path().string(), ": ", parsed.error_message()));
    }
    views.templates_[entry.path().stem().string()] = *std::move(text);
  }
  if (error) {
    return absl::NotFoundError(
        absl::StrCat("templates folder ", root.string(), ": ", error.message()));
  }
  if (!views.templates_.contains("layout")) {
    return absl::NotFoundError(
        absl::StrCat("template ", (root / "layout.html").string(), " is missing"));
  }
  for (auto [code, wording] : {std::pair{"da", &views.danish_}, std::pair{"en", &views.english_}}) {
    const auto path = root / "text" / absl::StrCat(code, ".txt");
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    auto parsed = ParseWording(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path.string(), ": ", parsed.status().message()));
    }
    *wording = *std::move(parsed);
  }
  for (const auto& [key, value] : views.danish_) {
    if (!views.english_.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("text/en.txt lacks '", key, "'"));
    }
  }
  for (const auto& [key, value] : views.english_) {
    if (!views.danish_.contains(key)) {
      return absl::InvalidArgumentError(absl::StrCat("text/da.txt lacks '", key, "'"));
    }
  }
  return views;
}

std::string Views::Word(model::Language language, std::string_view key) const {
  const Wording& wording = language == model::Language::kEnglish ? english_ : danish_;
  auto found = wording.find(key);
  return found == wording.end() ? std::string() : found->second;
}

absl::StatusOr<std::string> Views::Render(std::string_view page, model::Language language,
                                          PageData data) const {
  auto found = templates_.find(page);
  if (found == templates_.end() || page == "layout") {
    return absl::InternalError(absl::StrCat("no template for the page '", std::string(page), "'"));
  }
  data.set("t", WordingData(language == model::Language::kEnglish ? english_ : danish_));
  data.set("lang", std::string(model::LanguageCode(language)));
  mustache::mustache body(found->second);
  std::string content = body.render(data);
  if (!body.is_valid()) {
    return absl::InternalError(
        absl::StrCat("template ", std::string(page), ": ", body.error_message()));
  }
  data.set("content", content);
  mustache::mustache layout(templates_.at("layout"));
  std::string html = layout.render(data);
  if (!layout.is_valid()) {
    return absl::InternalError(absl::StrCat("template layout: ", layout.error_message()));
  }
  return html;
}

}  // namespace ipraktik::participant_web
