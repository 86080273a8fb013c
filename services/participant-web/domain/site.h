#pragma once

// The participant pages as one site: the routes, and what every request goes through before a
// page sees it. A page is one small unit (pages/*.h: a handler and its template), added in one
// place (pages/pages.cc); the site does for all of them what none may forget:
//
//   GET  /style.css                    the one style sheet (cacheable); /favicon.ico: 204
//   GET  /<page>/<tenant>/<token>      the page's Get, with the link's tenant and token checked
//                                      for their shape first (a bad one: 404, nobody called)
//   POST /<page>/<tenant>/<token>      a URL-encoded form (else 400) parsed strictly (400), its
//                                      CSRF token verified against this page and link (403),
//                                      then the page's Post
//   anything else                      404 (an unknown address) or 405 (another method)
//
// Size limits and rate limits are the HTTP server's (http_server.h), before a request gets here.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "domain/csrf.h"
#include "domain/form.h"
#include "domain/http.h"
#include "domain/problem.h"
#include "domain/views.h"
#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

// The name of the hidden field that carries a form's CSRF token.
inline constexpr char kCsrfField[] = "csrf";

// A request to one page's link.
struct PageRequest {
  const Request& http;
  std::string tenant;
  std::string token;
  absl::Time now;
  // The visitor's language by their browser (Accept-Language), for pages that know no person.
  model::Language browser_language = model::Language::kDanish;
};

// What a page needs from the site: its templates and the CSRF tokens of its forms.
struct PageTools {
  const Views& views;
  const CsrfTokens& csrf;

  // The CSRF token of the page's form for this link.
  std::string CsrfFor(std::string_view page, const PageRequest& request) const {
    return csrf.Issue({page, request.tenant, request.token}, request.now);
  }
  Response Render(std::string_view page, model::Language language, PageData data,
                  int status = 200) const;
  Response Problem(participant_web::Problem problem, model::Language language) const {
    return ProblemPage(views, problem, language);
  }
};

class Page {
 public:
  virtual ~Page() = default;
  // The kind of personal link the page takes (libs/tokens: "ipa" approval, "ipe" evaluation).
  virtual std::string_view TokenKind() const = 0;
  virtual Response Get(const PageRequest& request) = 0;
  // Only with a form whose CSRF token was verified. The default: no form here (405).
  virtual Response Post(const PageRequest& request, const Form& form);
};

struct Handled {
  Response response;
  // The route's name, for metrics and logs: the page's name, "style", or "none".
  std::string page;
};

class Site {
 public:
  // style_sheet: the CSS served at /style.css.
  Site(const Views& views, const CsrfTokens& csrf, std::string style_sheet);

  // Serves name (a word, [a-z-]) at /<name>/<tenant>/<token>.
  void Add(std::string name, std::unique_ptr<Page> page);

  Handled Handle(const Request& request, absl::Time now) const;

  const Views& views() const { return views_; }
  PageTools tools() const { return PageTools{views_, csrf_}; }

 private:
  struct Route {
    std::string name;
    std::unique_ptr<Page> page;
  };

  const Views& views_;
  const CsrfTokens& csrf_;
  std::string style_sheet_;
  std::vector<Route> routes_;
};

// The language a browser prefers of the two (Accept-Language; Danish unless English comes
// first).
model::Language BrowserLanguage(std::string_view accept_language);

// Whether text may be a tenant in a link: 1-63 of a-z, 0-9 and '-', not at either end (the
// services' rule; anything else never reaches them).
bool LooksLikeTenant(std::string_view text);

}  // namespace ipraktik::participant_web
