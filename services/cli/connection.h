#pragma once

// How a subcommand reaches a service: plaintext, or TLS when given a CA bundle (and the
// caller's certificate and key where the service requires mutual TLS). Every subcommand that
// calls a service takes the same options, each defaulting to an environment variable:
//   --tls-ca FILE    ($IPRAKTIK_TLS_CA)    PEM CA bundle the server's certificate is checked by
//   --tls-cert FILE  ($IPRAKTIK_TLS_CERT)  PEM client certificate (mutual TLS)
//   --tls-key FILE   ($IPRAKTIK_TLS_KEY)   its private key

#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
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

// Where a subcommand's calls go, for what it says when they fail.
struct Target {
  std::string server;  // host:port
  bool tls = false;    // a CA bundle was given
};
Target TargetOf(const Args& args, const config::Environment& environment,
                const std::string& server);

// The arguments of a command that calls a service: its own options and the credential and TLS
// ones, with usage_template's "{credentials}" filled in. For --help prints the usage on out
// (exit_code kExitOk), for arguments it cannot parse what is wrong and the usage on err
// (kExitUsage), and returns nullopt; usage gets the filled-in text.
std::optional<Args> ParseServiceArgs(std::span<const std::string_view> raw_args,
                                     std::vector<OptionSpec> options,
                                     std::string_view usage_template, std::string_view command,
                                     CommandIo& io, std::string& usage, int& exit_code);

// A refused call, for a person: "<prefix>: CODE: message" and every field (and every failed
// precondition) the service named.
// When no connection to the service came about (UNAVAILABLE with gRPC's words for that), instead
// the address it tried and what to check: that the service runs there (`make run` for the local
// stack), the port, and that the TLS options fit the server.
void PrintRefusal(std::ostream& err, std::string_view prefix, const absl::Status& error,
                  const Target& target);

}  // namespace ipraktik::cli
