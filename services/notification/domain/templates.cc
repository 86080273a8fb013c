#include "domain/templates.h"

#include <algorithm>
#include <fstream>
#include <functional>
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
  return ReadFile(Resolve(tenant, language, relative));
}

// What a render of the three parts needs from the data, made once per message.
struct TemplateStore::Values {
  std::set<std::string> known;
  mustache::data context;
};

struct TemplateStore::Prepared {
  // Every file the template was made of (resolved), with its time when read; and the tenant's
  // override files that did not exist then.
  std::vector<std::pair<std::filesystem::path, std::filesystem::file_time_type>> sources;
  std::vector<std::filesystem::path> absent_overrides;
  absl::Time checked;
  // The text with its partials included, and per file (as errors name it) the variables it uses.
  std::string text;
  std::vector<std::pair<std::string, std::vector<std::string>>> variables;
  std::vector<std::string> partials;
  bool html = false;
  // Parsed copies, one per thread rendering at once (a mustache renders on one thread at a time).
  std::mutex mutex;
  std::vector<std::unique_ptr<mustache::mustache>> idle;

  bool Unchanged() const {
    for (const auto& [path, modified] : sources) {
      std::error_code error;
      auto now = std::filesystem::last_write_time(path, error);
      if (error || now != modified) return false;
    }
    for (const auto& path : absent_overrides) {
      std::error_code error;
      if (std::filesystem::exists(path, error)) return false;
    }
    return true;
  }
};

TemplateStore::TemplateStore(std::filesystem::path root, absl::Duration recheck, Clock clock)
    : root_(std::move(root)), recheck_(recheck), clock_(std::move(clock)) {}

TemplateStore::~TemplateStore() = default;

std::filesystem::path TemplateStore::Resolve(std::string_view tenant, Language language,
                                             std::string_view relative) const {
  const std::string code(LanguageCode(language));
  if (!tenant.empty()) {
    auto path = root_ / "tenants" / std::string(tenant) / code / std::string(relative);
    std::error_code error;
    if (std::filesystem::exists(path, error)) return path;
  }
  return root_ / code / std::string(relative);
}

absl::StatusOr<std::shared_ptr<TemplateStore::Prepared>> TemplateStore::Build(
    std::string_view tenant, Language language, std::string_view file,
    std::string_view partial_suffix, bool html) const {
  auto prepared = std::make_shared<Prepared>();
  prepared->html = html;
  prepared->checked = clock_();
  const std::string code(LanguageCode(language));
  // Reads a file the way Read() does, remembering what it was made of.
  auto read = [&](std::string_view relative) -> absl::StatusOr<std::string> {
    if (!tenant.empty()) {
      auto override_path = root_ / "tenants" / std::string(tenant) / code / std::string(relative);
      std::error_code error;
      if (!std::filesystem::exists(override_path, error)) {
        prepared->absent_overrides.push_back(override_path);
      }
    }
    const std::filesystem::path path = Resolve(tenant, language, relative);
    std::error_code error;
    auto modified = std::filesystem::last_write_time(path, error);
    auto text = ReadFile(path);
    if (text.ok() && !error) prepared->sources.emplace_back(path, modified);
    return text;
  };
  const std::string where = absl::StrCat(code, "/", ToAbsl(file));
  auto text = read(file);
  if (!text.ok()) return text.status();

  // Partials are read (and checked) up front, recursively, so that errors name the file; then
  // included in the text where they are named, so that a message parses nothing.
  std::map<std::string, std::string> partials;  // name -> its own text
  std::vector<std::pair<std::string, std::string>> pending = {{where, *text}};
  while (!pending.empty()) {
    auto [name, body] = std::move(pending.back());
    pending.pop_back();
    TemplateTags tags = ScanTemplateTags(body);
    prepared->variables.emplace_back(name, std::move(tags.variables));
    for (const auto& partial : tags.partials) {
      if (partials.contains(partial)) continue;
      std::string partial_file = absl::StrCat("partials/", partial, ToAbsl(partial_suffix));
      auto partial_text = read(partial_file);
      if (!partial_text.ok()) return partial_text.status();
      const std::string partial_where = absl::StrCat(code, "/", partial_file);
      mustache::mustache alone(*partial_text);
      if (!alone.is_valid()) {
        return absl::InvalidArgumentError(
            absl::StrCat("template ", partial_where, ": ", alone.error_message()));
      }
      partials[partial] = *partial_text;
      prepared->partials.push_back(partial);
      pending.emplace_back(partial_where, *partial_text);
    }
  }
  // Each {{> name}} replaced by the partial's text, itself with its partials included.
  std::function<absl::StatusOr<std::string>(std::string_view, std::vector<std::string>&)> include =
      [&](std::string_view body, std::vector<std::string>& within) -> absl::StatusOr<std::string> {
    std::string out;
    std::size_t at = 0;
    std::size_t copied = 0;
    while ((at = body.find("{{", at)) != std::string_view::npos) {
      const bool triple = body.substr(at, 3) == "{{{";
      const std::size_t start = at + (triple ? 3 : 2);
      const std::size_t end = body.find(triple ? "}}}" : "}}", start);
      if (end == std::string_view::npos) break;
      const std::string_view tag = Strip(body.substr(start, end - start));
      const std::size_t after = end + (triple ? 3 : 2);
      if (!triple && !tag.empty() && tag.front() == '>') {
        const std::string name(Strip(tag.substr(1)));
        if (std::find(within.begin(), within.end(), name) != within.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("template ", where, ": partial ", name, " includes itself"));
        }
        out.append(body.substr(copied, at - copied));
        within.push_back(name);
        auto included = include(partials[name], within);
        within.pop_back();
        if (!included.ok()) return included.status();
        out.append(*included);
        copied = after;
      }
      at = after;
    }
    out.append(body.substr(copied));
    return out;
  };
  std::vector<std::string> within;
  auto whole = include(*text, within);
  if (!whole.ok()) return whole.status();
  prepared->text = *std::move(whole);
  auto parsed = std::make_unique<mustache::mustache>(prepared->text);
  if (!parsed->is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("template ", where, ": ", parsed->error_message()));
  }
  if (!html) parsed->set_custom_escape([](const std::string& s) { return s; });
  prepared->idle.push_back(std::move(parsed));
  return prepared;
}

absl::StatusOr<std::shared_ptr<TemplateStore::Prepared>> TemplateStore::Prepare(
    std::string_view tenant, Language language, std::string_view file,
    std::string_view partial_suffix, bool html) const {
  const std::string key = absl::StrCat(ToAbsl(tenant), "/", LanguageCode(language), "/",
                                       ToAbsl(file), html ? "/h" : "");
  std::shared_ptr<Prepared> found;
  {
    std::lock_guard lock(mutex_);
    auto it = prepared_.find(key);
    if (it != prepared_.end()) found = it->second;
  }
  if (found) {
    const absl::Time now = clock_();
    bool fresh;
    {
      std::lock_guard lock(found->mutex);
      fresh = now - found->checked < recheck_;
      // One caller looks at the files; the others use the template meanwhile.
      if (!fresh) found->checked = now;
    }
    if (fresh || found->Unchanged()) return found;
  }
  auto built = Build(tenant, language, file, partial_suffix, html);
  std::lock_guard lock(mutex_);
  if (!built.ok()) {
    prepared_.erase(key);
    return built.status();
  }
  prepared_[key] = *built;
  return *built;
}

absl::StatusOr<std::string> TemplateStore::RenderPart(std::string_view tenant, Language language,
                                                      std::string_view file,
                                                      std::string_view partial_suffix, bool html,
                                                      const Values& values) const {
  auto prepared = Prepare(tenant, language, file, partial_suffix, html);
  if (!prepared.ok()) return prepared.status();
  Prepared& part = **prepared;
  const std::string where = absl::StrCat(LanguageCode(language), "/", ToAbsl(file));
  for (const auto& [name, variables] : part.variables) {
    for (const auto& variable : variables) {
      if (!values.known.contains(variable)) {
        return absl::InvalidArgumentError(absl::StrCat("template ", name, " uses {{", variable,
                                                       "}}, which this message does not "
                                                       "have; known: ",
                                                       absl::StrJoin(values.known, ", ")));
      }
    }
  }
  for (const auto& name : part.partials) {
    // Partials and values share mustache's name space: a partial named like a value would hide it.
    if (values.known.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat("template ", where, " includes {{> ", name,
                                                     "}}, which is also the name of a value"));
    }
  }
  std::unique_ptr<mustache::mustache> tmpl;
  {
    std::lock_guard lock(part.mutex);
    if (!part.idle.empty()) {
      tmpl = std::move(part.idle.back());
      part.idle.pop_back();
    }
  }
  if (!tmpl) {
    tmpl = std::make_unique<mustache::mustache>(part.text);
    if (!part.html) tmpl->set_custom_escape([](const std::string& s) { return s; });
  }
  std::string rendered = tmpl->render(values.context);
  if (!tmpl->is_valid()) {
    // Not given back: its error stays with it.
    return absl::InvalidArgumentError(
        absl::StrCat("template ", where, ": ", tmpl->error_message()));
  }
  std::lock_guard lock(part.mutex);
  part.idle.push_back(std::move(tmpl));
  return rendered;
}

absl::StatusOr<RenderedText> TemplateStore::Render(std::string_view tenant, Language language,
                                                   MessageKind kind,
                                                   const TemplateData& data) const {
  const std::string base(KindFile(kind));
  RenderedText out;
  Values values;
  CollectNames(data, values.known);
  values.context = ToMustache(data);
  auto subject = RenderPart(tenant, language, base + ".subject", ".txt", false, values);
  if (!subject.ok()) return subject.status();
  // One line: a template's trailing newline or a value's line break must not end the header.
  std::string line;
  for (char c : *subject) line.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
  out.subject = std::string(Strip(line));
  auto text = RenderPart(tenant, language, base + ".txt", ".txt", false, values);
  if (!text.ok()) return text.status();
  out.text = std::move(*text);
  auto html = RenderPart(tenant, language, base + ".html", ".html", true, values);
  if (!html.ok()) return html.status();
  out.html = std::move(*html);
  return out;
}

absl::StatusOr<std::string> TemplateStore::RenderText(std::string_view tenant, Language language,
                                                      std::string_view relative,
                                                      const TemplateData& data) const {
  Values values;
  CollectNames(data, values.known);
  values.context = ToMustache(data);
  return RenderPart(tenant, language, relative, ".txt", false, values);
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
