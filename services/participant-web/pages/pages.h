#pragma once

// Every page of the site, added in this one place: a new page is its handler and template
// (pages/<name>_page.*, templates/<name>.html), its backend here, and one line in AddPages.

#include "domain/backends.h"
#include "domain/site.h"

namespace ipraktik::participant_web {

// The services behind the pages (not owned; they outlive the site).
struct Backends {
  ApprovalBackend& approval;
  EvaluationBackend& evaluation;
  PlacementBackend& placement;
};

void AddPages(Site& site, const Backends& backends);

}  // namespace ipraktik::participant_web
