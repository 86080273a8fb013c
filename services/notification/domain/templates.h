#pragma once

// Message templates in files, read at run time so that a coordinator can edit them without a
// rebuild: <root>/<language>/<kind>.subject, <kind>.txt, <kind>.html, and partials
// <root>/<language>/partials/<name>.txt|.html used as {{> name}}. A tenant may override any file
// under <root>/tenants/<tenant>/<language>/. Mustache syntax (kainjow/mustache); an unknown
// variable is an error rather than an empty string, so a typo shows in the preview.
//
// A template is read and parsed once, its partials included in its text, and kept until one of
// its files changes (or a tenant's override appears or goes): the files are looked at again at
// most once per `recheck` (a second by default), not for every message.

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "domain/delivery.h"
#include "domain/model.h"

namespace ipraktik::notification {

// The values a template sees: strings, flags and lists of nested values.
class TemplateData {
 public:
  TemplateData& Set(std::string key, std::string value);
  TemplateData& Set(std::string key, const char* value) {
    return Set(std::move(key), std::string(value));
  }
  TemplateData& Set(std::string key, bool value);
  TemplateData& Set(std::string key, std::vector<TemplateData> list);

  const std::map<std::string, std::string>& strings() const { return strings_; }
  const std::map<std::string, bool>& flags() const { return flags_; }
  const std::map<std::string, std::vector<TemplateData>>& lists() const { return lists_; }
  // A string value ("" when absent), for tests and logs.
  std::string Get(std::string_view key) const;

 private:
  std::map<std::string, std::string> strings_;
  std::map<std::string, bool> flags_;
  std::map<std::string, std::vector<TemplateData>> lists_;
};

struct RenderedText {
  std::string subject;  // one line
  std::string text;
  std::string html;
};

class TemplateStore {
 public:
  // recheck: how long a parsed template is used before its files are looked at again (zero:
  // at every use).
  explicit TemplateStore(
      std::filesystem::path root, absl::Duration recheck = absl::Seconds(1),
      Clock clock = [] { return absl::Now(); });
  ~TemplateStore();
  TemplateStore(const TemplateStore&) = delete;
  TemplateStore& operator=(const TemplateStore&) = delete;

  const std::filesystem::path& root() const { return root_; }

  // Renders the three parts of a kind for a tenant and language. NOT_FOUND when a file is
  // missing, INVALID_ARGUMENT when a template does not parse or names an unknown variable (the
  // message names the file).
  absl::StatusOr<RenderedText> Render(std::string_view tenant, Language language, MessageKind kind,
                                      const TemplateData& data) const;

  // One text file (e.g. "partials/guide.txt") rendered without HTML escaping, its partials
  // included: what a page shows of an e-mail (the placement link's preparation guide).
  absl::StatusOr<std::string> RenderText(std::string_view tenant, Language language,
                                         std::string_view relative, const TemplateData& data) const;

  // Every file of every kind and language exists and parses (not: every variable is known,
  // which needs data). For start-up.
  absl::Status Check() const;

  // A file's text (the tenant's override first); files are read again when they changed.
  absl::StatusOr<std::string> Read(std::string_view tenant, Language language,
                                   std::string_view relative) const;

 private:
  struct CachedFile {
    std::filesystem::file_time_type modified;
    std::string text;
  };
  // One template file with its partials, parsed (Prepared), and the data a render needs once.
  struct Prepared;
  struct Values;
  absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) const;
  // The file a tenant's template name resolves to (the override first), and its time.
  std::filesystem::path Resolve(std::string_view tenant, Language language,
                                std::string_view relative) const;
  absl::StatusOr<std::shared_ptr<Prepared>> Prepare(std::string_view tenant, Language language,
                                                    std::string_view file,
                                                    std::string_view partial_suffix,
                                                    bool html) const;
  absl::StatusOr<std::shared_ptr<Prepared>> Build(std::string_view tenant, Language language,
                                                  std::string_view file,
                                                  std::string_view partial_suffix, bool html) const;
  absl::StatusOr<std::string> RenderPart(std::string_view tenant, Language language,
                                         std::string_view file, std::string_view partial_suffix,
                                         bool html, const Values& values) const;

  std::filesystem::path root_;
  absl::Duration recheck_;
  Clock clock_;
  mutable std::mutex mutex_;
  mutable std::map<std::filesystem::path, CachedFile> cache_;
  // tenant/language/file/html -> the parsed template.
  mutable std::map<std::string, std::shared_ptr<Prepared>, std::less<>> prepared_;
};

// The variable names a template uses ({{name}}, {{{name}}}, {{&name}}, sections), and the
// partials it includes ({{> name}}).
struct TemplateTags {
  std::vector<std::string> variables;
  std::vector<std::string> partials;
};
TemplateTags ScanTemplateTags(std::string_view text);

}  // namespace ipraktik::notification
