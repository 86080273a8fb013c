#include "domain/site.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::participant_web {

Response PageTools::Render(std::string_view page, model::Language language, PageData data,
                           int status) const {
  auto html = views.Render(page, language, std::move(data));
  if (!html.ok()) return ProblemPage(views, Problem::kInternal, language);
  Response response;
  response.status = status;
  response.body = *std::move(html);
  return response;
}

Response Page::Post(const PageRequest& /*request*/, const Form& /*form*/) {
  Response response;
  response.status = 405;
  return response;
}

Site::Site(const Views& views, const CsrfTokens& csrf, std::string style_sheet)
    : views_(views), csrf_(csrf), style_sheet_(std::move(style_sheet)) {}

void Site::Add(std::string name, std::unique_ptr<Page> page) {
  routes_.push_back(Route{std::move(name), std::move(page)});
}

model::Language BrowserLanguage(std::string_view accept_language) {
  // The first language named decides ("en-GB,en;q=0.9,da;q=0.8" is English); q-values are
  // rarely out of order in what browsers send.
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(accept_language.data(), accept_language.size()), ',')) {
    std::string tag =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(part.substr(0, part.find(';'))));
    if (tag == "da" || absl::StartsWith(tag, "da-")) return model::Language::kDanish;
    if (tag == "en" || absl::StartsWith(tag, "en-")) return model::Language::kEnglish;
  }
  return model::Language::kDanish;
}

bool LooksLikeTenant(std::string_view text) {
  if (text.empty() || text.size() > 63 || text.front() == '-' || text.back() == '-') return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Handled Site::Handle(const Request& request, absl::Time now) const {
  const model::Language language = BrowserLanguage(request.Header("accept-language"));
  const bool reads = request.method == "GET" || request.method == "HEAD";
  if (request.path == "/style.css") {
    if (!reads) return {ProblemPage(views_, Problem::kMethod, language), "style"};
    Response css;
    css.content_type = "text/css; charset=utf-8";
    css.body = style_sheet_;
    css.cacheable = true;
    return {std::move(css), "style"};
  }
  if (request.path == "/favicon.ico") {
    // Browsers ask for it on every page; there is none (an answer, not a 404 page).
    Response none;
    none.status = 204;
    none.cacheable = true;
    return {std::move(none), "style"};
  }
  std::vector<std::string> parts = absl::StrSplit(request.path, '/');
  // "/<page>/<tenant>/<token>" splits into "", page, tenant, token.
  const Route* route = nullptr;
  if (parts.size() == 4 && parts[0].empty()) {
    for (const Route& candidate : routes_) {
      if (candidate.name == parts[1]) route = &candidate;
    }
  }
  if (route == nullptr) return {ProblemPage(views_, Problem::kNoSuchPage, language), "none"};
  const std::string& name = route->name;
  if (!LooksLikeTenant(parts[2]) || !tokens::CheckFormat(parts[3], route->page->TokenKind()).ok()) {
    return {ProblemPage(views_, Problem::kUnknownLink, language), name};
  }
  PageRequest page_request{.http = request,
                           .tenant = parts[2],
                           .token = parts[3],
                           .now = now,
                           .browser_language = language};
  if (reads) return {route->page->Get(page_request), name};
  if (request.method != "POST") return {ProblemPage(views_, Problem::kMethod, language), name};
  if (!IsUrlEncodedForm(request.Header("content-type"))) {
    return {ProblemPage(views_, Problem::kMalformed, language), name};
  }
  auto form = ParseForm(request.body);
  if (!form.ok()) return {ProblemPage(views_, Problem::kMalformed, language), name};
  if (!csrf_.Verify(form->Value(kCsrfField), {name, page_request.tenant, page_request.token},
                    now)) {
    return {ProblemPage(views_, Problem::kForbidden, language), name};
  }
  Response response = route->page->Post(page_request, *form);
  if (response.status == 405 && response.body.empty()) {
    return {ProblemPage(views_, Problem::kMethod, language), name};
  }
  return {std::move(response), name};
}

}  // namespace ipraktik::participant_web
