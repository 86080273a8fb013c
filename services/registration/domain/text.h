#pragma once

// The registration domain's text rules are the shared ones (libs/text), named here so the
// domain's code reads them unqualified.

#include "ipraktik/text/text.h"

namespace ipraktik::registration {

using text::CanonicalRegion;
using text::CharacterCount;
using text::FoldCase;
using text::IsCleanText;
using text::IsEmailAddress;
using text::IsPhoneNumber;
using text::Trim;

}  // namespace ipraktik::registration
