#pragma once

// Private redis-server, rabbitmq-server and SMTP sink for integration tests: each one started by
// the same deploy/local scripts that `make run` uses, in a fresh temporary folder, on free
// loopback ports, so test programs run in parallel and beside a running `make run`.
// A server is stopped and its folder removed when the object is destroyed (the folder is kept,
// and its path printed, when a test failed). Failures to start throw std::runtime_error.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ipraktik::testing {

// Loopback ports this test program holds. Test programs run in parallel and all take their ports
// here, so a port another one holds is never picked, even while nothing listens on it: a server
// stopped to be started again on the same port would otherwise find it taken by a program whose
// random pick saw it free. A hold is a lock on a file named after the port, which the kernel lets
// go when the program ends, however it ends. The ports lie below the kernel's ephemeral range
// (32768+), so outgoing connections never take them either.
class ReservedPorts {
 public:
  // count consecutive ports, held by no other test program and with nothing bound to them now.
  explicit ReservedPorts(int count = 1);
  ReservedPorts(ReservedPorts&& other) noexcept;
  ReservedPorts& operator=(ReservedPorts&& other) noexcept;
  ~ReservedPorts();

  int first() const { return first_; }

  // The file whose lock is the hold of port (what another test program tries to lock).
  static std::filesystem::path HoldFile(int port);

 private:
  void Release() noexcept;

  int first_ = 0;
  std::vector<int> locked_files_;
};

class LocalServer {
 public:
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  virtual ~LocalServer();

  int port() const { return ports_.first(); }
  // "127.0.0.1:PORT"
  std::string address() const;
  const std::filesystem::path& dir() const { return dir_; }

  // Graceful stop; the data stays, so Start() brings the same server back on the same port.
  void Stop();
  // SIGKILL, as in a crash.
  void Kill();
  void Start();
  void Restart();

  // A user per service as `make run` has them (deploy/local/access.sh: `<kind>.sh users`), and
  // the password of one of them (a service's name, or "admin").
  void MakeServiceUsers();
  std::string Password(const std::string& user) const;

 protected:
  // kind names the script in deploy/local (redis, rabbitmq, smtp, sentinel); ports_needed
  // consecutive ports are reserved for the server's life, the first being port().
  LocalServer(std::string kind, int ports_needed, std::vector<std::string> extra_start_args = {});

  void RunScript(const std::vector<std::string>& args) const;

 private:
  // Kill and stop, reporting (not throwing) what fails: at the end, and before a failed start
  // is tried again elsewhere.
  void Discard() noexcept;

  std::string kind_;
  std::vector<std::string> extra_start_args_;
  std::filesystem::path dir_;
  ReservedPorts ports_;
};

class RedisServer : public LocalServer {
 public:
  RedisServer();
  // A replica of the redis on loopback port primary_port (redis.sh start's PRIMARY_PORT).
  explicit RedisServer(int primary_port);

  // Starts again (after Kill or Stop) as a replica of the redis on primary_port: a former primary
  // coming back after a failover, as start-redis.sh in k8s/base/redis.yaml brings it back.
  void StartAsReplicaOf(int primary_port);
  // "redis-cli -p PORT", as the admin once MakeServiceUsers made the users: a shell command to
  // which arguments are added.
  std::string Cli() const;
  // INFO replication as field -> value (role, master_link_status, connected_slaves, ...).
  std::map<std::string, std::string> Replication() const;

  // The keys that break the key scheme (docs/store-and-events.md): neither a tenant's
  // (ipraktik:{<tenant>}:..., store::TenantOfKey) nor a registry of tenants
  // (ipraktik:<name>:tenants). Tests that ran the services check it is empty at the end, so every
  // key the services write keeps its tenant's Redis Cluster hash tag (docs/deploy.md).
  std::vector<std::string> KeysOutsideTheScheme() const;
};

// A Redis Sentinel (deploy/local/sentinel.sh) watching the primary "ipraktik" on primary_port,
// with quorum 2: tests run three.
class SentinelServer : public LocalServer {
 public:
  SentinelServer(int primary_port, std::chrono::milliseconds down_after);
  // The port of the primary it names now (get-master-addr-by-name), 0 when it names none.
  int PrimaryPort() const;
  // SENTINEL MASTER ipraktik as field -> value (num-slaves, num-other-sentinels, flags, ...).
  std::map<std::string, std::string> Master() const;
};

class RabbitMqServer : public LocalServer {
 public:
  RabbitMqServer();
  // amqp://guest:guest@127.0.0.1:PORT/ (guest is gone after MakeServiceUsers)
  std::string url() const;
  // amqp://USER:PASSWORD@127.0.0.1:PORT/ for a user MakeServiceUsers made.
  std::string UrlOf(const std::string& user) const;
  int management_port() const { return port() + 1; }
  // Runs rabbitmqctl against this node and returns what it printed.
  std::string Ctl(const std::vector<std::string>& args) const;
};

class SmtpServer : public LocalServer {
 public:
  // With tls, STARTTLS is offered and required, with a self-signed certificate in dir().
  explicit SmtpServer(bool tls = false);
  // smtp://127.0.0.1:PORT
  std::string url() const;
  std::filesystem::path certificate() const { return dir() / "cert.pem"; }
  // Every message received so far, raw (headers and body), oldest first.
  std::vector<std::string> Messages() const;
};

// One Redis, RabbitMQ and SMTP sink (and a STARTTLS one when asked for) shared by every test of
// a program: gtest starts them before the first test and stops them after the last.
class ProgramServers : public ::testing::Environment {
 public:
  explicit ProgramServers(bool with_tls_smtp = false) : with_tls_smtp_(with_tls_smtp) {}
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<RabbitMqServer> rabbit;
  std::unique_ptr<SmtpServer> smtp;
  std::unique_ptr<SmtpServer> tls_smtp;  // with tls_smtp only

 private:
  bool with_tls_smtp_;
};

// Registers ProgramServers with gtest, which owns them; call it at namespace scope.
ProgramServers* AddProgramServers(bool tls_smtp = false);

// The project's source folder (for scripts and fixtures).
std::filesystem::path SourceDir();
// The build folder (for the programs in bin/).
std::filesystem::path BinaryDir();

// Runs a command through /bin/sh and returns its standard output; throws when it exits non-zero.
std::string RunCommand(const std::string& command);

}  // namespace ipraktik::testing
