#pragma once

// Private redis-server, rabbitmq-server and SMTP sink for integration tests: each one started by
// the same deploy/local scripts that `make run` uses, in a fresh temporary folder, on free
// loopback ports, so test programs run in parallel and beside a running `make run`.
// A server is stopped and its folder removed when the object is destroyed (the folder is kept,
// and its path printed, when a test failed). Failures to start throw std::runtime_error.

#include <filesystem>
#include <string>
#include <vector>

namespace ipraktik::testing {

class LocalServer {
 public:
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  virtual ~LocalServer();

  int port() const { return port_; }
  // "127.0.0.1:PORT"
  std::string address() const;
  const std::filesystem::path& dir() const { return dir_; }

  // Graceful stop; the data stays, so Start() brings the same server back on the same port.
  void Stop();
  // SIGKILL, as in a crash.
  void Kill();
  void Start();
  void Restart();

 protected:
  // kind names the script in deploy/local (redis, rabbitmq, smtp); ports_needed consecutive free
  // ports are reserved, the first being port().
  LocalServer(std::string kind, int ports_needed, std::vector<std::string> extra_start_args = {});

 private:
  void RunScript(const std::vector<std::string>& args) const;

  std::string kind_;
  std::vector<std::string> extra_start_args_;
  std::filesystem::path dir_;
  int port_ = 0;
};

class RedisServer : public LocalServer {
 public:
  RedisServer();
};

class RabbitMqServer : public LocalServer {
 public:
  RabbitMqServer();
  // amqp://guest:guest@127.0.0.1:PORT/
  std::string url() const;
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

// The project's source folder (for scripts and fixtures).
std::filesystem::path SourceDir();
// The build folder (for the programs in bin/).
std::filesystem::path BinaryDir();

// Runs a command through /bin/sh and returns its standard output; throws when it exits non-zero.
std::string RunCommand(const std::string& command);

}  // namespace ipraktik::testing
