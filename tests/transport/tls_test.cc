// TLS on the gRPC port as every service sets it up (libs/tls through libs/server), called with
// a real gRPC client and certificates made by deploy/local/certs.sh.

#include "ipraktik/tls/tls.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>

#include "certificates.h"
#include "child_process.h"
#include "eventually.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/auth_context.h"
#include "ipraktik/server/grpc_server.h"
#include "local_servers.h"

namespace ipraktik {
namespace {

using testing::Certificates;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// What one health check over a fresh connection saw.
struct Handshake {
  grpc::Status status;
  std::string served_certificate;  // PEM of the server's certificate; empty without TLS
};

// Checks health over a new connection of its own (a local subchannel pool, so no connection is
// shared with an earlier check): each check is a new TLS handshake. The one place this file
// sets up a client call.
Handshake CheckHealth(int port, const tls::Settings& client) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                           tls::ChannelCredentials(client), arguments);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  Handshake handshake{stub->Check(&context, request, &response), ""};
  if (handshake.status.ok() &&
      response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    handshake.status = grpc::Status(grpc::StatusCode::INTERNAL, "not SERVING");
  }
  if (auto auth = context.auth_context()) {
    for (const auto& pem : auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME)) {
      handshake.served_certificate.assign(pem.data(), pem.size());
    }
  }
  return handshake;
}

tls::Settings ServerSide(const Certificates::Pair& pair, const fs::path& ca = {}) {
  return {.enabled = true,
          .certificate_file = pair.certificate,
          .key_file = pair.key,
          .ca_file = ca,
          .refresh = std::chrono::seconds(1)};
}

tls::Settings ClientSide(const fs::path& ca, const Certificates::Pair* pair = nullptr) {
  tls::Settings settings{.enabled = true, .ca_file = ca};
  if (pair != nullptr) {
    settings.certificate_file = pair->certificate;
    settings.key_file = pair->key;
  }
  return settings;
}

std::unique_ptr<server::GrpcServer> Serve(const tls::Settings& settings) {
  server::GrpcServerOptions options;
  options.credentials = tls::ServerCredentials(settings);
  auto server = server::GrpcServer::Start(options, {});
  if (!server.ok()) throw std::runtime_error(std::string(server.status().message()));
  return std::move(*server);
}

class TlsTest : public ::testing::Test {
 protected:
  Certificates certificates;
};

TEST_F(TlsTest, ACallOverTlsIsServedWithTheConfiguredCertificate) {
  auto pair = certificates.Issue("registration");
  auto server = Serve(ServerSide(pair));

  auto handshake = CheckHealth(server->port(), ClientSide(certificates.ca()));

  ASSERT_TRUE(handshake.status.ok()) << handshake.status.error_message();
  EXPECT_EQ(testing::SerialOf(handshake.served_certificate),
            testing::SerialOfFile(pair.certificate));
}

TEST_F(TlsTest, APlaintextClientIsNotServed) {
  auto server = Serve(ServerSide(certificates.Issue("registration")));

  auto handshake = CheckHealth(server->port(), tls::Settings{.enabled = false});

  EXPECT_EQ(handshake.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheServersCaIsNotConnected) {
  auto server = Serve(ServerSide(certificates.Issue("registration")));
  Certificates strangers;

  auto handshake = CheckHealth(server->port(), ClientSide(strangers.ca()));

  EXPECT_EQ(handshake.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsServesAClientWithACertificateFromTheCa) {
  auto server = Serve(ServerSide(certificates.Issue("registration"), certificates.ca()));
  auto client = certificates.Issue("matching");

  auto handshake = CheckHealth(server->port(), ClientSide(certificates.ca(), &client));

  EXPECT_TRUE(handshake.status.ok()) << handshake.status.error_message();
}

TEST_F(TlsTest, MutualTlsRefusesAClientWithoutACertificate) {
  auto server = Serve(ServerSide(certificates.Issue("registration"), certificates.ca()));

  auto handshake = CheckHealth(server->port(), ClientSide(certificates.ca()));

  EXPECT_EQ(handshake.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRefusesAClientCertificateFromAnotherCa) {
  auto server = Serve(ServerSide(certificates.Issue("registration"), certificates.ca()));
  Certificates strangers;
  auto forged = strangers.Issue("matching");

  // The client trusts the server's CA but shows a certificate the server's CA never signed.
  auto handshake = CheckHealth(server->port(), ClientSide(certificates.ca(), &forged));

  EXPECT_EQ(handshake.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, ARotatedCertificateIsServedWithoutARestart) {
  // As a Kubernetes secret volume does it: the files are read through a symlinked folder that
  // is swapped in one rename, so certificate and key always change together.
  auto first = certificates.Issue("registration", certificates.dir() / "v1");
  auto current = certificates.dir() / "current";
  fs::create_directory_symlink("v1", current);
  Certificates::Pair watched{current / "registration.pem", current / "registration.key"};
  auto server = Serve(ServerSide(watched, certificates.ca()));
  auto client = certificates.Issue("matching");
  auto served_serial = [&] {
    auto handshake = CheckHealth(server->port(), ClientSide(certificates.ca(), &client));
    return handshake.status.ok() ? testing::SerialOf(handshake.served_certificate) : "";
  };
  ASSERT_EQ(served_serial(), testing::SerialOfFile(first.certificate));

  auto second = certificates.Issue("registration", certificates.dir() / "v2");
  auto next = certificates.dir() / "next";
  fs::create_directory_symlink("v2", next);
  fs::rename(next, current);
  auto second_serial = testing::SerialOfFile(second.certificate);
  ASSERT_NE(second_serial, testing::SerialOfFile(first.certificate));

  // The server re-reads the files every second (IPRAKTIK_TLS_REFRESH): wait for a handshake
  // that shows the new certificate.
  EXPECT_TRUE(testing::Eventually([&] { return served_serial() == second_serial; }));
}

// The settings path a service binary takes: IPRAKTIK_TLS* read by the server core.
class TlsServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<testing::ChildProcess> StartBareService(
      std::map<std::string, std::string> environment) {
    environment.emplace("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0");
    environment.emplace("IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0");
    return std::make_unique<testing::ChildProcess>(
        testing::BinaryDir() / "tests" / "ipraktik-bare-service", std::vector<std::string>{},
        environment, certificates.dir() / "service.log");
  }

  static int GrpcPort(const testing::ChildProcess& process) {
    std::smatch match;
    std::string output = process.Output();
    if (!std::regex_search(output, match, std::regex("\"grpc_port\":([0-9]+)"))) return 0;
    return std::stoi(match[1].str());
  }

  Certificates certificates;
};

TEST_F(TlsServiceTest, AServiceServesMutualTlsFromItsSettings) {
  auto pair = certificates.Issue("bare");
  auto process = StartBareService({{"IPRAKTIK_TLS", "on"},
                                   {"IPRAKTIK_TLS_CERT", pair.certificate},
                                   {"IPRAKTIK_TLS_KEY", pair.key},
                                   {"IPRAKTIK_TLS_CA", certificates.ca()}});
  ASSERT_TRUE(process->WaitForOutput("\"msg\":\"serving\"", std::chrono::seconds(30)))
      << process->Output();
  EXPECT_THAT(process->Output(), HasSubstr("\"grpc_tls\":\"mutual\""));
  auto client = certificates.Issue("client");

  EXPECT_TRUE(CheckHealth(GrpcPort(*process), ClientSide(certificates.ca(), &client)).status.ok());
  EXPECT_EQ(CheckHealth(GrpcPort(*process), ClientSide(certificates.ca())).status.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  process->Signal(SIGTERM);
  EXPECT_TRUE(process->WaitFor(std::chrono::seconds(15)).has_value());
}

TEST_F(TlsServiceTest, TlsWithoutACertificateStopsStartUpNamingTheSetting) {
  auto process = StartBareService({{"IPRAKTIK_TLS", "on"}});

  auto status = process->WaitFor(std::chrono::seconds(30));

  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 2);
  EXPECT_THAT(process->Output(), HasSubstr("\"variable\":\"IPRAKTIK_TLS_CERT\""));
  EXPECT_THAT(process->Output(), HasSubstr("\"variable\":\"IPRAKTIK_TLS_KEY\""));
}

}  // namespace
}  // namespace ipraktik
