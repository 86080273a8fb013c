#pragma once

// The manager's approval page, /approval/<tenant>/<ipa_ token> (the link registration e-mails
// the intern's manager): who asks, for which programme and round, on which days, with which
// wishes and why; approve or reject with an optional comment (a manager may change their mind
// until the link expires: the other decision stays on offer); the decision confirmed on the
// page. In the intern's language, as the e-mail was.

#include <string>

#include "domain/backends.h"
#include "domain/site.h"

namespace ipraktik::participant_web {

class ApprovalPage : public Page {
 public:
  ApprovalPage(PageTools tools, ApprovalBackend& backend) : tools_(tools), backend_(backend) {}

  std::string_view TokenKind() const override { return "ipa"; }
  Response Get(const PageRequest& request) override;
  Response Post(const PageRequest& request, const Form& form) override;

 private:
  PageTools tools_;
  ApprovalBackend& backend_;
};

// The approval form's model: the case in words of its language, the form's action and CSRF
// token, and (after a refused post) the comment typed and the message next to it.
PageData ApprovalData(const ApprovalCase& approval, const Views& views, const std::string& action,
                      const std::string& csrf, const std::string& comment = "",
                      const std::string& comment_error = "");

// The confirmation's model.
PageData ApprovalDoneData(const ApprovalCase& approval, ApprovalState decided, const Views& views);

}  // namespace ipraktik::participant_web
