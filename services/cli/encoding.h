#pragma once

// The encoding of a file the CLI reads: UTF-8 as the services take it, or Windows-1252 (the
// superset of ISO-8859-1 that a spreadsheet on Windows saves "CSV" in) converted to UTF-8. A
// file that is not UTF-8 is refused up front, naming the encoding it most likely is in and the
// line of the first byte that gives it away, so no row of it is half-imported.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ipraktik::cli {

enum class SourceEncoding { kUtf8, kWindows1252 };

// "utf-8"/"utf8", "windows-1252"/"cp1252", "iso-8859-1"/"latin1" (read as Windows-1252),
// without regard to case; nullopt otherwise.
std::optional<SourceEncoding> ParseEncoding(std::string_view name);

// bytes as UTF-8. For kUtf8, bytes themselves when they are well-formed UTF-8, otherwise
// INVALID_ARGUMENT saying where (line, byte), which encoding the file is likely in, and how to
// read it (--encoding windows-1252, or save it as UTF-8). name is the file's, for the message.
absl::StatusOr<std::string> ToUtf8(std::string bytes, SourceEncoding encoding,
                                   std::string_view name);

}  // namespace ipraktik::cli
