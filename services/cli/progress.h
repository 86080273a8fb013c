#pragma once

// How far a long-running command has come, on standard error: nothing during the first second
// (short runs stay quiet), then the items done and the share of the input read, redrawn in place
// on a terminal and as a line every few seconds when the output goes to a log.

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace ipraktik::cli {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  // what names the items ("rows sent"); total_bytes 0 when the input's size is unknown.
  Progress(std::ostream& err, bool terminal, std::string what, std::uint64_t total_bytes,
           std::function<Clock::time_point()> now = Clock::now);

  void Update(std::int64_t items, std::uint64_t bytes_read);
  // Ends the redrawn line, if one was drawn.
  void Done();

 private:
  std::ostream& err_;
  bool terminal_;
  std::string what_;
  std::uint64_t total_bytes_;
  std::function<Clock::time_point()> now_;
  Clock::time_point start_;
  Clock::time_point last_{};
  bool shown_ = false;
};

}  // namespace ipraktik::cli
