#include "ipraktik/rpc_status/rpc_status.h"

#include <string>

#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "ipraktik/errors/errors.h"

namespace ipraktik::rpc_status {
namespace {

// Both use the canonical codes 0..16; anything else is UNKNOWN.
constexpr int kLastCode = grpc::StatusCode::UNAUTHENTICATED;

// Payload keys that are protobuf type URLs ("type.googleapis.com/<message>") can be details.
bool IsProtobufTypeUrl(std::string_view type_url) {
  auto slash = type_url.rfind('/');
  return slash != std::string_view::npos && slash + 1 < type_url.size();
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  int code = static_cast<int>(status.code());
  auto grpc_code = code > 0 && code <= kLastCode ? static_cast<grpc::StatusCode>(code)
                                                 : grpc::StatusCode::UNKNOWN;
  // Whatever built the status, its message never carries more than a bounded echo of the input.
  std::string message = errors::Cut(
      std::string_view(status.message().data(), status.message().size()), errors::kMaxMessageBytes);
  google::rpc::Status rich;
  rich.set_code(grpc_code);
  rich.set_message(message);
  status.ForEachPayload([&rich](absl::string_view type_url, const absl::Cord& payload) {
    if (!IsProtobufTypeUrl(std::string_view(type_url.data(), type_url.size()))) return;
    auto* detail = rich.add_details();
    detail->set_type_url(std::string(type_url));
    detail->set_value(std::string(payload));
  });
  if (rich.details_size() == 0) return grpc::Status(grpc_code, message);
  grpc::Status converted;
  grpc::SetErrorDetails(rich, &converted);
  return converted;
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  int code = status.error_code();
  auto absl_code = code > 0 && code <= kLastCode ? static_cast<absl::StatusCode>(code)
                                                 : absl::StatusCode::kUnknown;
  absl::Status converted(absl_code, status.error_message());
  google::rpc::Status rich;
  if (!status.error_details().empty() && rich.ParseFromString(status.error_details())) {
    for (const auto& detail : rich.details()) {
      converted.SetPayload(detail.type_url(), absl::Cord(detail.value()));
    }
  }
  return converted;
}

}  // namespace ipraktik::rpc_status
