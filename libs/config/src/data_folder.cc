#include "ipraktik/config/data_folder.h"

#include <system_error>

namespace ipraktik::config {

std::filesystem::path ProgramDataFolder(std::string_view relative) {
  std::error_code error;
  std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return std::filesystem::path(relative);
  return program.parent_path().parent_path() / std::filesystem::path(relative);
}

}  // namespace ipraktik::config
