#pragma once

// How a subcommand reaches a service: plaintext, or TLS when given a CA bundle (and the
// caller's certificate and key where the service requires mutual TLS). Every subcommand that
// calls a service takes the same options, each defaulting to an environment variable:
//   --tls-ca FILE    ($IPRAKTIK_TLS_CA)    PEM CA bundle the server's certificate is checked by
//   --tls-cert FILE  ($IPRAKTIK_TLS_CERT)  PEM client certificate (mutual TLS)
//   --tls-key FILE   ($IPRAKTIK_TLS_KEY)   its private key

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "grpcpp/channel.h"

namespace ipraktik::cli {

// The options above, to add to a subcommand's own.
std::vector<OptionSpec> TlsOptions();
// A channel to server (host:port) as the options say; INVALID_ARGUMENT for a certificate
// without its key (or the other way round), a file that cannot be read, or a client
// certificate without a CA bundle.
absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const Args& args,
                                                       const config::Environment& environment,
                                                       const std::string& server);

}  // namespace ipraktik::cli
