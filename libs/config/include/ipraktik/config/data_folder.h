#pragma once

// Where a program finds the files it reads at run time (templates, style sheets).

#include <filesystem>
#include <string_view>

namespace ipraktik::config {

// A folder relative to the running program (<prefix>/bin/<program>): <prefix>/<relative>, e.g.
// ProgramDataFolder("share/ipraktik/notification/templates"). The build tree (build/bin,
// build/share), an install (`cmake --install`) and the image (/usr/local) all have this layout,
// so one default serves each without a path fixed at compile time.
std::filesystem::path ProgramDataFolder(std::string_view relative);

}  // namespace ipraktik::config
