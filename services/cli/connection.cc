#include "connection.h"

#include <fstream>

#include "grpcpp/create_channel.h"
#include "ipraktik/tls/tls.h"

namespace ipraktik::cli {

std::vector<OptionSpec> TlsOptions() { return {{"tls-ca"}, {"tls-cert"}, {"tls-key"}}; }

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const Args& args,
                                                       const config::Environment& environment,
                                                       const std::string& server) {
  auto file = [&](std::string_view option, std::string_view variable) {
    return args.Value(option).value_or(environment.Get(variable).value_or(""));
  };
  tls::Settings settings;
  settings.ca_file = file("tls-ca", "IPRAKTIK_TLS_CA");
  settings.certificate_file = file("tls-cert", "IPRAKTIK_TLS_CERT");
  settings.key_file = file("tls-key", "IPRAKTIK_TLS_KEY");
  settings.enabled = !settings.ca_file.empty();
  if (settings.certificate_file.empty() != settings.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!settings.enabled && !settings.certificate_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert needs --tls-ca (the server's CA bundle)");
  }
  for (const auto& path : {settings.ca_file, settings.certificate_file, settings.key_file}) {
    if (!path.empty() && !std::ifstream(path).good()) {
      return absl::InvalidArgumentError("cannot read " + path);
    }
  }
  return grpc::CreateChannel(server, tls::ChannelCredentials(settings));
}

}  // namespace ipraktik::cli
