#pragma once

// kainjow/mustache (Debian's libkainjow-mustache-dev, as the notification service uses it), with
// the one warning its header trips under GCC (a false -Wnull-dereference in its context stack)
// kept off for the header alone.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include "kainjow/mustache.hpp"
#pragma GCC diagnostic pop

namespace ipraktik::participant_web {

// What a page's template sees: strings, lists and nested objects.
using PageData = kainjow::mustache::data;

}  // namespace ipraktik::participant_web
