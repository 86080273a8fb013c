#include "pages/pages.h"

#include <memory>

#include "pages/approval_page.h"
#include "pages/evaluation_page.h"
#include "pages/placement_page.h"

namespace ipraktik::participant_web {

void AddPages(Site& site, const Backends& backends) {
  site.Add("approval", std::make_unique<ApprovalPage>(site.tools(), backends.approval));
  site.Add("evaluation", std::make_unique<EvaluationPage>(site.tools(), backends.evaluation));
  site.Add("placement", std::make_unique<PlacementPage>(site.tools(), backends.placement));
  site.Add("calendar", std::make_unique<PlacementCalendarPage>(site.tools(), backends.placement));
}

}  // namespace ipraktik::participant_web
