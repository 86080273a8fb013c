#include "progress.h"

#include <algorithm>

namespace ipraktik::cli {

Progress::Progress(std::ostream& err, bool terminal, std::string what, std::uint64_t total_bytes,
                   std::function<Clock::time_point()> now)
    : err_(err),
      terminal_(terminal),
      what_(std::move(what)),
      total_bytes_(total_bytes),
      now_(std::move(now)),
      start_(now_()) {}

void Progress::Update(std::int64_t items, std::uint64_t bytes_read) {
  auto now = now_();
  if (now - start_ < std::chrono::seconds(1)) return;
  auto interval = terminal_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (shown_ && now - last_ < interval) return;
  last_ = now;
  shown_ = true;
  err_ << (terminal_ ? "\r" : "") << items << " " << what_;
  if (total_bytes_ > 0) {
    err_ << " (" << std::min<std::uint64_t>(100, bytes_read * 100 / total_bytes_) << "%)";
  }
  if (!terminal_) err_ << "\n";
  err_.flush();
}

void Progress::Done() {
  if (shown_ && terminal_) err_ << "\n";
}

}  // namespace ipraktik::cli
