#include "ipraktik/tls/tls.h"

#include <fstream>

#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace ipraktik::tls {
namespace {

using namespace std::chrono_literals;
using grpc::experimental::FileWatcherCertificateProvider;

// gRPC's watcher only logs a file it cannot read; a start-up error names the setting instead.
void CheckReadable(config::Reader& reader, std::string_view variable, const std::string& path) {
  if (path.empty()) return;
  if (!std::ifstream(path).good()) {
    reader.AddError(variable, "'" + path + "' cannot be read");
  }
}

bool HasIdentity(const Settings& settings) {
  return !settings.certificate_file.empty() && !settings.key_file.empty();
}

std::shared_ptr<FileWatcherCertificateProvider> WatchFiles(const Settings& settings) {
  bool identity = HasIdentity(settings);
  return std::make_shared<FileWatcherCertificateProvider>(
      identity ? settings.key_file : "", identity ? settings.certificate_file : "",
      settings.ca_file, static_cast<unsigned>(settings.refresh.count()));
}

}  // namespace

Settings ReadSettings(config::Reader& reader) {
  Settings settings;
  settings.enabled =
      reader.Choice("IPRAKTIK_TLS", "on", {"on", "off"},
                    "gRPC over TLS (on: IPRAKTIK_TLS_CERT and IPRAKTIK_TLS_KEY are required) or "
                    "plaintext (off: tests and a trusted loopback only).") == "on";
  settings.certificate_file = reader.String(
      "IPRAKTIK_TLS_CERT", "",
      "PEM certificate chain this program serves (and presents when it calls another service).");
  settings.key_file =
      reader.String("IPRAKTIK_TLS_KEY", "", "PEM private key of IPRAKTIK_TLS_CERT.");
  settings.ca_file = reader.String(
      "IPRAKTIK_TLS_CA", "",
      "PEM CA bundle: when set, every caller must present a certificate it signed (mutual TLS), "
      "and calls to other services check their certificates against it.");
  settings.refresh = std::chrono::duration_cast<std::chrono::seconds>(
      reader.Duration("IPRAKTIK_TLS_REFRESH", 10s, 1s, 1h,
                      "How often the certificate files are read again (rotation without a "
                      "restart)."));
  if (!settings.enabled) return settings;
  if (settings.certificate_file.empty()) {
    reader.AddError("IPRAKTIK_TLS_CERT", "is required with IPRAKTIK_TLS=on");
  }
  if (settings.key_file.empty()) {
    reader.AddError("IPRAKTIK_TLS_KEY", "is required with IPRAKTIK_TLS=on");
  }
  CheckReadable(reader, "IPRAKTIK_TLS_CERT", settings.certificate_file);
  CheckReadable(reader, "IPRAKTIK_TLS_KEY", settings.key_file);
  CheckReadable(reader, "IPRAKTIK_TLS_CA", settings.ca_file);
  return settings;
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const Settings& settings) {
  if (!settings.enabled) return grpc::InsecureServerCredentials();
  grpc::experimental::TlsServerCredentialsOptions options(WatchFiles(settings));
  options.watch_identity_key_cert_pairs();
  if (settings.ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const Settings& settings) {
  if (!settings.enabled) return grpc::InsecureChannelCredentials();
  grpc::experimental::TlsChannelCredentialsOptions options;
  if (HasIdentity(settings) || !settings.ca_file.empty()) {
    options.set_certificate_provider(WatchFiles(settings));
  }
  if (HasIdentity(settings)) options.watch_identity_key_cert_pairs();
  if (!settings.ca_file.empty()) options.watch_root_certs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace ipraktik::tls
