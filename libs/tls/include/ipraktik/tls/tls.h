#pragma once

// TLS for gRPC, from the same settings in every program (IPRAKTIK_TLS, IPRAKTIK_TLS_CERT,
// IPRAKTIK_TLS_KEY, IPRAKTIK_TLS_CA, IPRAKTIK_TLS_REFRESH; docs/security.md, "Transport").
//
// The certificate files are watched (gRPC's FileWatcherCertificateProvider): every refresh
// interval they are read again, and new connections get the new certificate, so a rotated
// certificate is served without a restart. Replace the files atomically (a Kubernetes secret
// volume swaps a symlinked folder; by hand, write elsewhere and rename), certificate and key
// together: a pair that does not match is not taken up.
//
// With a CA bundle the server requires every caller to present a certificate that CA signed
// (mutual TLS), and the program's own channels to other services check the server's
// certificate against it and present the program's certificate in turn.

#include <chrono>
#include <memory>
#include <string>

#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "ipraktik/config/config.h"

namespace ipraktik::tls {

struct Settings {
  // false only where plaintext was asked for explicitly (IPRAKTIK_TLS=off).
  bool enabled = true;
  std::string certificate_file{};  // PEM chain: the program's own certificate
  std::string key_file{};          // PEM private key of that certificate
  std::string ca_file{};           // PEM bundle; empty: no client certificates asked for
  std::chrono::seconds refresh{10};
};

// Reads the settings; with TLS on, a missing certificate or key, or a file that cannot be read,
// is an error naming its variable (reported by reader.Finish()).
Settings ReadSettings(config::Reader& reader);

// Plaintext when !settings.enabled; else TLS with the watched files, requiring and verifying
// client certificates when there is a CA bundle.
std::shared_ptr<grpc::ServerCredentials> ServerCredentials(const Settings& settings);

// For channels to another service (or from a client program): plaintext when
// !settings.enabled; else TLS checking the server's certificate against the CA bundle (the
// system's roots when there is none), presenting the certificate and key when they are set.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials(const Settings& settings);

}  // namespace ipraktik::tls
