#include "connection.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "credentials.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tls/tls.h"

namespace ipraktik::cli {

namespace {

// UNAVAILABLE because no connection came about (gRPC's own words for it), not a service that
// answered it is briefly unable (its store away: that one says so itself).
bool Unreachable(const absl::Status& error) {
  if (error.code() != absl::StatusCode::kUnavailable) return false;
  for (const char* words :
       {"failed to connect", "onnection refused", "DNS", "handshake", "Socket closed",
        "connections to all backends failing", "No route to host", "Connection reset"}) {
    if (absl::StrContains(error.message(), words)) return true;
  }
  return false;
}

std::string TlsCa(const Args& args, const config::Environment& environment) {
  return args.Value("tls-ca").value_or(environment.Get("IPRAKTIK_TLS_CA").value_or(""));
}

}  // namespace

std::vector<OptionSpec> TlsOptions() { return {{"tls-ca"}, {"tls-cert"}, {"tls-key"}}; }

absl::StatusOr<std::shared_ptr<grpc::Channel>> Connect(const Args& args,
                                                       const config::Environment& environment,
                                                       const std::string& server) {
  auto file = [&](std::string_view option, std::string_view variable) {
    return args.Value(option).value_or(environment.Get(variable).value_or(""));
  };
  tls::Settings settings;
  settings.ca_file = TlsCa(args, environment);
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

std::optional<Args> ParseServiceArgs(std::span<const std::string_view> raw_args,
                                     std::vector<OptionSpec> options,
                                     std::string_view usage_template, std::string_view command,
                                     CommandIo& io, std::string& usage, int& exit_code) {
  options.insert(options.end(), kCredentialOptions.begin(), kCredentialOptions.end());
  std::ranges::copy(TlsOptions(), std::back_inserter(options));
  usage = absl::StrReplaceAll(std::string(usage_template),
                              {{"{credentials}", std::string(kCredentialUsage)}});
  auto args = Args::Parse(raw_args, options);
  if (!args.ok()) {
    io.err << "ipraktik " << command << ": " << args.status().message() << "\n\n" << usage;
    exit_code = kExitUsage;
    return std::nullopt;
  }
  if (args->Flag("help")) {
    io.out << usage;
    exit_code = kExitOk;
    return std::nullopt;
  }
  return *std::move(args);
}

Target TargetOf(const Args& args, const config::Environment& environment,
                const std::string& server) {
  return {.server = server, .tls = !TlsCa(args, environment).empty()};
}

void PrintRefusal(std::ostream& err, std::string_view prefix, const absl::Status& error,
                  const Target& target) {
  if (Unreachable(error)) {
    err << prefix << ": could not reach the service at " << target.server << " (" << error.message()
        << ").\n"
        << "  Check that the service runs there (`make run` starts the local stack), that the "
           "port is right (--server HOST:PORT),\n"
        << "  and that the TLS options fit the server: "
        << (target.tls ? "this call used TLS (--tls-ca or $IPRAKTIK_TLS_CA); a plaintext server "
                         "needs none"
                       : "this call used plaintext; a TLS server needs --tls-ca (or "
                         "$IPRAKTIK_TLS_CA)")
        << ".\n";
    return;
  }
  err << prefix << ": " << absl::StatusCodeToString(error.code()) << ": " << error.message()
      << "\n";
  for (const auto& violation : errors::FieldViolationsOf(error)) {
    err << "  " << violation.field << ": " << violation.description << "\n";
  }
  for (const auto& violation : errors::PreconditionViolationsOf(error)) {
    err << "  " << violation.type << " " << violation.subject << ": " << violation.description
        << "\n";
  }
}

}  // namespace ipraktik::cli
