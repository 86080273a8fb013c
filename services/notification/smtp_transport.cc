#include "smtp_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace ipraktik::notification {
namespace {

// What the read callback needs: the message and where it is, and the hand-over hook.
struct Upload {
  const std::string* message = nullptr;
  std::size_t offset = 0;
  const std::function<absl::Status()>* before_end_of_data = nullptr;
  bool handed_over = false;
  absl::Status hook_status{};
};

std::size_t ReadBody(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto& upload = *static_cast<Upload*>(user);
  const std::size_t room = size * count;
  const std::size_t left = upload.message->size() - upload.offset;
  // The last bytes of the body are about to go to libcurl, which sends the end-of-data dot
  // right after them (it knows the size, so it may not ask again): last chance to record that
  // from here on the server may hold the message.
  if (left <= room && !upload.handed_over) {
    if (*upload.before_end_of_data) upload.hook_status = (*upload.before_end_of_data)();
    if (!upload.hook_status.ok()) return CURL_READFUNC_ABORT;
    upload.handed_over = true;
  }
  std::size_t n = std::min(room, left);
  std::memcpy(buffer, upload.message->data() + upload.offset, n);
  upload.offset += n;
  return n;
}

}  // namespace

void InitSmtpLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

SmtpConnection::SmtpConnection(SmtpSettings settings) : settings_(std::move(settings)) {
  InitSmtpLibrary();
  curl_ = curl_easy_init();
}

SmtpConnection::~SmtpConnection() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

SmtpAttempt SmtpConnection::Send(const std::string& from, const std::string& to,
                                 const std::string& message,
                                 const std::function<absl::Status()>& before_end_of_data) {
  SmtpAttempt attempt;
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    attempt.error = "libcurl could not be initialised";
    return attempt;
  }
  // The handle keeps its connection between messages; options are set afresh each time.
  curl_easy_reset(curl);
  Upload upload{.message = &message, .before_end_of_data = &before_end_of_data};
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_slist* recipients = curl_slist_append(nullptr, absl::StrCat("<", to, ">").c_str());

  curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, absl::StrCat("<", from, ">").c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadBody);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  const bool credentials = !settings_.user.empty();
  StartTls starttls = settings_.starttls;
  if (credentials && starttls == StartTls::kTry) starttls = StartTls::kRequired;
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   starttls == StartTls::kRequired ? static_cast<long>(CURLUSESSL_ALL)
                   : starttls == StartTls::kTry    ? static_cast<long>(CURLUSESSL_TRY)
                                                   : static_cast<long>(CURLUSESSL_NONE));
  if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (credentials) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
  }

  CURLcode result = curl_easy_perform(curl);
  curl_slist_free_all(recipients);

  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  attempt.reply_code = static_cast<int>(code);
  attempt.handed_over = upload.handed_over;
  if (result == CURLE_OK) {
    attempt.accepted = true;
    attempt.stage = SmtpStage::kData;
    return attempt;
  }
  if (!upload.hook_status.ok()) {
    attempt.handed_over = false;
    attempt.error = absl::StrCat("aborted before the end of data: ", upload.hook_status.ToString());
    // The reply code of an earlier step (354) is no refusal.
    attempt.reply_code = 0;
    return attempt;
  }
  attempt.error =
      absl::StrCat(curl_easy_strerror(result), error_buffer[0] != '\0' ? ": " : "", error_buffer);
  // libcurl names the refused command in its error text ("RCPT failed: 550").
  std::string_view text(error_buffer);
  if (upload.offset > 0) {
    attempt.stage = SmtpStage::kData;
  } else if (text.find("RCPT") != std::string_view::npos) {
    attempt.stage = SmtpStage::kRecipient;
  } else if (text.find("MAIL") != std::string_view::npos) {
    attempt.stage = SmtpStage::kSender;
  }
  if (attempt.reply_code > 0) absl::StrAppend(&attempt.error, " (SMTP ", attempt.reply_code, ")");
  return attempt;
}

SmtpPool::SmtpPool(SmtpSettings settings, int size) {
  for (int i = 0; i < std::max(1, size); ++i) {
    idle_.push_back(std::make_unique<SmtpConnection>(settings));
  }
}

SmtpPool::Lease SmtpPool::Acquire() {
  std::unique_lock lock(mutex_);
  returned_.wait(lock, [this] { return !idle_.empty(); });
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(connection));
}

void SmtpPool::GiveBack(std::unique_ptr<SmtpConnection> connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace ipraktik::notification
