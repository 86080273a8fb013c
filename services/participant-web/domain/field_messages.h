#pragma once

// The services' messages about a field (google.rpc.BadRequest descriptions such as "is required"
// or "must be 1 to 5"), as a page shows them next to the field: the same rule in the person's
// language, a whole sentence. A message this does not know is shown as the service wrote it.

#include <string>
#include <string_view>

#include "ipraktik/model/language.h"

namespace ipraktik::participant_web {

std::string FieldMessage(std::string_view description, model::Language language);

}  // namespace ipraktik::participant_web
