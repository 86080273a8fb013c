#include "pages/approval_page.h"

#include "absl/strings/str_cat.h"
#include "domain/field_messages.h"
#include "domain/page_text.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model/date_text.h"

namespace ipraktik::participant_web {
namespace {

std::string StateKey(ApprovalState state) {
  switch (state) {
    case ApprovalState::kApproved:
      return "approval_state_approved";
    case ApprovalState::kRejected:
      return "approval_state_rejected";
    case ApprovalState::kNotRequired:
      return "approval_state_not_required";
    case ApprovalState::kPending:
      break;
  }
  return "approval_state_pending";
}

}  // namespace

PageData ApprovalData(const ApprovalCase& approval, const Views& views, const std::string& action,
                      const std::string& csrf, const std::string& comment,
                      const std::string& comment_error) {
  const model::Language language = approval.language;
  PageData data{PageData::type::object};
  data.set("title", views.Word(language, "approval_title"));
  data.set("intern_name", approval.intern_name);
  data.set("intern_job_title", approval.intern_job_title);
  data.set("has_job_title", !approval.intern_job_title.empty());
  SetText(data, "manager_name", approval.manager_name);
  data.set("programme_name", approval.programme_name);
  data.set("has_programme", !approval.programme_name.empty());
  data.set("round_name", approval.round_name);
  SetText(data, "window", PeriodText(approval.window_start, approval.window_end, language));
  data.set("days", model::FormatDays(approval.available_days, language));
  data.set("has_days", !approval.available_days.empty());
  data.set("purpose", approval.purpose);
  PageData wishes{PageData::type::list};
  for (const ApprovalWish& wish : approval.wishes) {
    PageData item{PageData::type::object};
    item.set("rank", std::to_string(wish.rank));
    item.set("title",
             wish.title.empty() ? views.Word(language, "approval_wish_by_criteria") : wish.title);
    wishes.push_back(item);
  }
  data.set("wishes", wishes);
  data.set("has_wishes", !approval.wishes.empty());
  SetText(data, "respond_by", LongDateText(approval.respond_by, language));

  const bool decided =
      approval.state == ApprovalState::kApproved || approval.state == ApprovalState::kRejected;
  data.set("decided", decided);
  data.set("state_text", views.Word(language, StateKey(approval.state)));
  data.set("current_comment", approval.comment);
  data.set("has_current_comment", decided && !approval.comment.empty());
  const bool open = approval.state != ApprovalState::kNotRequired;
  data.set("form", open);
  data.set("not_required", !open);
  data.set("can_approve", open && approval.state != ApprovalState::kApproved);
  data.set("can_reject", open && approval.state != ApprovalState::kRejected);
  data.set("action", action);
  data.set("csrf", csrf);
  data.set("comment", comment);
  data.set("comment_error", comment_error);
  data.set("has_comment_error", !comment_error.empty());
  return data;
}

PageData ApprovalDoneData(const ApprovalCase& approval, ApprovalState decided, const Views& views) {
  const model::Language language = approval.language;
  PageData data{PageData::type::object};
  const bool approved = decided == ApprovalState::kApproved;
  data.set("title", views.Word(language, approved ? "approval_done_approved_title"
                                                  : "approval_done_rejected_title"));
  data.set("decision_text",
           views.Word(language, approved ? "approval_done_approved" : "approval_done_rejected"));
  data.set("intern_name", approval.intern_name);
  SetText(data, "respond_by", LongDateText(approval.respond_by, language));
  return data;
}

Response ApprovalPage::Get(const PageRequest& request) {
  auto approval = backend_.Lookup(request.tenant, request.token);
  if (!approval.ok()) return tools_.Problem(ProblemOf(approval.status()), request.browser_language);
  return tools_.Render("approval", approval->language,
                       ApprovalData(*approval, tools_.views, request.http.path,
                                    tools_.CsrfFor("approval", request)));
}

Response ApprovalPage::Post(const PageRequest& request, const Form& form) {
  const std::string decision = form.Value("decision");
  if (decision != "approve" && decision != "reject") {
    return tools_.Problem(Problem::kMalformed, request.browser_language);
  }
  // The case first: the confirmation names the intern, in the intern's language.
  auto approval = backend_.Lookup(request.tenant, request.token);
  if (!approval.ok()) return tools_.Problem(ProblemOf(approval.status()), request.browser_language);
  const std::string comment = form.Value("comment");
  auto decided = backend_.Decide(request.tenant, request.token, decision == "approve", comment);
  if (!decided.ok()) {
    // A comment the service refuses (too long): the form again, the message next to the field.
    for (const errors::FieldViolation& violation : errors::FieldViolationsOf(decided.status())) {
      if (violation.field == "comment") {
        return tools_.Render("approval", approval->language,
                             ApprovalData(*approval, tools_.views, request.http.path,
                                          tools_.CsrfFor("approval", request), comment,
                                          FieldMessage(violation.description, approval->language)),
                             422);
      }
    }
    return tools_.Problem(ProblemOf(decided.status()), approval->language);
  }
  return tools_.Render("approval_done", approval->language,
                       ApprovalDoneData(*approval, *decided, tools_.views));
}

}  // namespace ipraktik::participant_web
