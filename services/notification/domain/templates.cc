#include "domain/templates.h"

#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/strings.h"
// kainjow/mustache's context stack trips GCC's -Wnull-dereference when inlined (a false alarm in
// the library's header), so that one warning is off for this file.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "kainjow/mustache.hpp"

namespace ipraktik::notification {
namespace {

namespace mustache = kainjow::mustache;

mustache::data ToMustache(const TemplateData& data) {
  mustache::data out{mustache::data::type::object};
  for (const auto& [key, value] : data.strings()) out.set(key, value);
  for (const auto& [key, value] : data.flags()) {
    out.set(key, value ? mustache::data::type::bool_true : mustache::data::type::bool_false);
  }
  for (const auto& [key, items] : data.lists()) {
    mustache::data list{mustache::data::type::list};
    for (const auto& item : items) list.push_back(ToMustache(item));
    out.set(key, list);
  }
  return out;
}

void CollectNames(const TemplateData& data, std::set<std::string>& names) {
  for (const auto& entry : data.strings()) names.insert(entry.first);
  for (const auto& entry : data.flags()) names.insert(entry.first);
  for (const auto& [key, items] : data.lists()) {
    names.insert(key);
    for (const auto& item : items) CollectNames(item, names);
  }
}

std::string KindFile(MessageKind kind) { return MessageKindName(kind); }

std::string_view Strip(std::string_view text) {
  return ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
}

}  // namespace

TemplateData& TemplateData::Set(std::string key, std::string value) {
  strings_[std::move(key)] = std::move(value);
  return *this;
}
TemplateData& TemplateData::Set(std::string key, bool value) {
  flags_[std::move(key)] = value;
  return *this;
}
TemplateData& TemplateData::Set(std::string key, std::vector<TemplateData> list) {
  lists_[std::move(key)] = std::move(list);
  return *this;
}
std::string TemplateData::Get(std::string_view key) const {
  auto it = strings_.find(std::string(key));
  return it == strings_.end() ? std::string() : it->second;
}

TemplateTags ScanTemplateTags(std::string_view text) {
  TemplateTags tags;
  std::size_t at = 0;
  while ((at = text.find("{{", at)) != std::string_view::npos) {
    bool triple = text.substr(at, 3) == "{{{";
    std::size_t start = at + (triple ? 3 : 2);
    std::size_t end = text.find(triple ? "}}}" : "}}", start);
    if (end == std::string_view::npos) break;
    std::string_view tag = Strip(text.substr(start, end - start));
    at = end + (triple ? 3 : 2);
    if (tag.empty()) continue;
    char sigil = tag.front();
    if (sigil == '!' || sigil == '/' || sigil == '=') continue;
    if (sigil == '>') {
      tags.partials.emplace_back(Strip(tag.substr(1)));
      continue;
    }
    if (sigil == '#' || sigil == '^' || sigil == '&') tag = Strip(tag.substr(1));
    if (tag == ".") continue;
    tags.variables.emplace_back(tag);
  }
  return tags;
}

absl::StatusOr<std::string> TemplateStore::ReadFile(const std::filesystem::path& path) const {
  std::error_code error;
  auto modified = std::filesystem::last_write_time(path, error);
  if (error) return absl::NotFoundError(absl::StrCat("template ", path.string(), " is missing"));
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(path);
    if (it != cache_.end() && it->second.modified == modified) return it->second.text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("template ", path.string(), " cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  std::lock_guard lock(mutex_);
  cache_[path] = CachedFile{modified, text.str()};
  return text.str();
}

absl::StatusOr<std::string> TemplateStore::Read(std::string_view tenant, Language language,
                                                std::string_view relative) const {
  const std::string code(LanguageCode(language));
  if (!tenant.empty()) {
    auto path = root_ / "tenants" / std::string(tenant) / code / std::string(relative);
    std::error_code error;
    if (std::filesystem::exists(path, error)) return ReadFile(path);
  }
  return ReadFile(root_ / code / std::string(relative));
}

absl::StatusOr<std::string> TemplateStore::RenderPart(std::string_view tenant, Language language,
                                                      std::string_view file,
                                                      std::string_view partial_suffix, bool html,
                                                      const TemplateData& data) const {
  const std::string where = absl::StrCat(LanguageCode(language), "/", ToAbsl(file));
  auto text = Read(tenant, language, file);
  if (!text.ok()) return text.status();

  std::set<std::string> known;
  CollectNames(data, known);
  mustache::data context = ToMustache(data);
  // Partials are read (and checked) up front, recursively, so that errors name the file.
  std::map<std::string, std::string> partials;
  std::vector<std::pair<std::string, std::string>> pending = {{where, *text}};
  while (!pending.empty()) {
    auto [name, body] = std::move(pending.back());
    pending.pop_back();
    TemplateTags tags = ScanTemplateTags(body);
    for (const auto& variable : tags.variables) {
      if (!known.contains(variable)) {
        return absl::InvalidArgumentError(absl::StrCat("template ", name, " uses {{", variable,
                                                       "}}, which this message does not "
                                                       "have; known: ",
                                                       absl::StrJoin(known, ", ")));
      }
    }
    for (const auto& partial : tags.partials) {
      if (partials.contains(partial)) continue;
      std::string partial_file = absl::StrCat("partials/", partial, ToAbsl(partial_suffix));
      auto partial_text = Read(tenant, language, partial_file);
      if (!partial_text.ok()) return partial_text.status();
      partials[partial] = *partial_text;
      pending.emplace_back(absl::StrCat(LanguageCode(language), "/", partial_file), *partial_text);
    }
  }
  for (const auto& [name, body] : partials) {
    // Partials and values share mustache's name space: a partial named like a value would hide it.
    if (known.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("template ", where, " includes {{> ", name,
                                                     "}}, which is also the name of a value"));
    }
    std::string copy = body;
    context.set(name, mustache::partial([copy] { return copy; }));
  }

  mustache::mustache tmpl(*text);
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  if (!tmpl.is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("template ", where, ": ", tmpl.error_message()));
  }
  std::string rendered = tmpl.render(context);
  if (!tmpl.is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat("template ", where, ": ", tmpl.error_message()));
  }
  return rendered;
}

absl::StatusOr<RenderedText> TemplateStore::Render(std::string_view tenant, Language language,
                                                   MessageKind kind,
                                                   const TemplateData& data) const {
  const std::string base(KindFile(kind));
  RenderedText out;
  auto subject = RenderPart(tenant, language, base + ".subject", ".txt", false, data);
  if (!subject.ok()) return subject.status();
  // One line: a template's trailing newline or a value's line break must not end the header.
  std::string line;
  for (char c : *subject) line.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
  out.subject = std::string(Strip(line));
  auto text = RenderPart(tenant, language, base + ".txt", ".txt", false, data);
  if (!text.ok()) return text.status();
  out.text = std::move(*text);
  auto html = RenderPart(tenant, language, base + ".html", ".html", true, data);
  if (!html.ok()) return html.status();
  out.html = std::move(*html);
  return out;
}

absl::StatusOr<std::string> TemplateStore::RenderText(std::string_view tenant, Language language,
                                                      std::string_view relative,
                                                      const TemplateData& data) const {
  return RenderPart(tenant, language, relative, ".txt", false, data);
}

absl::Status TemplateStore::Check() const {
  std::vector<std::string> problems;
  for (Language language : {Language::kDanish, Language::kEnglish}) {
    for (MessageKind kind : kAllMessageKinds) {
      for (std::string_view suffix : {".subject", ".txt", ".html"}) {
        std::string file = absl::StrCat(KindFile(kind), ToAbsl(suffix));
        auto text = Read("", language, file);
        if (!text.ok()) {
          problems.push_back(std::string(text.status().message()));
          continue;
        }
        mustache::mustache tmpl(*text);
        if (!tmpl.is_valid()) {
          problems.push_back(
              absl::StrCat(LanguageCode(language), "/", file, ": ", tmpl.error_message()));
        }
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("templates under ", root_.string(), ": ", absl::StrJoin(problems, "; ")));
}

}  // namespace ipraktik::notification
