#include "local_servers.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "child_process.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::testing {
namespace {

// Whether `step` (bind or connect) succeeds for a new TCP socket and 127.0.0.1:port.
template <typename Step>
bool OnLoopbackPort(int port, Step step) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool succeeded = step(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return succeeded;
}

bool PortIsFree(int port) {
  return OnLoopbackPort(port, [](int fd, const sockaddr* address, socklen_t size) {
    int reuse = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse);
    return ::bind(fd, address, size);
  });
}

// Shared by every test program; like /tmp: anyone may add a file, none remove another's.
std::filesystem::path HoldFolder() {
  return std::filesystem::temp_directory_path() / "ipraktik-test-ports";
}

// What a try to hold a port came to.
struct PortLock {
  bool taken = false;  // another test program holds the port
  int fd = -1;         // the locked file, when this program holds it now
};

// Holds port for this program: a lock on its hold file. When the file cannot be made or opened
// (the folder is another user's, or read-only), the port is not held, and the check that nothing
// is bound to it is all there is, as before the files existed.
PortLock LockPort(int port) {
  // O_CLOEXEC: a server the program starts must not keep the hold after the program ends.
  // Read-only: a lock needs no more, and another user's file (0644 after the umask) allows it.
  const int fd =
      ::open(ReservedPorts::HoldFile(port).c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return {};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const bool taken = errno == EWOULDBLOCK;
    ::close(fd);
    return {.taken = taken};
  }
  return {.fd = fd};
}

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::filesystem::path MakeTempDir(const std::string& kind) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ipraktik-" + kind + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary folder for " + kind);
  }
  return pattern;
}

bool CurrentTestProgramFailed() {
  const auto* unit_test = ::testing::UnitTest::GetInstance();
  return unit_test != nullptr && unit_test->Failed();
}

}  // namespace

void ProgramServers::SetUp() {
  redis = std::make_unique<RedisServer>();
  rabbit = std::make_unique<RabbitMqServer>();
  smtp = std::make_unique<SmtpServer>();
  if (with_tls_smtp_) tls_smtp = std::make_unique<SmtpServer>(/*tls=*/true);
}

void ProgramServers::TearDown() {
  if (redis) {
    EXPECT_THAT(redis->KeysOutsideTheScheme(), ::testing::IsEmpty());
  }
  tls_smtp.reset();
  smtp.reset();
  rabbit.reset();
  redis.reset();
}

ProgramServers* AddProgramServers(bool tls_smtp) {
  return dynamic_cast<ProgramServers*>(
      ::testing::AddGlobalTestEnvironment(new ProgramServers(tls_smtp)));
}

bool SomethingListensOn(int port) {
  return OnLoopbackPort(port, [](int fd, const sockaddr* address, socklen_t size) {
    return ::connect(fd, address, size);
  });
}

std::filesystem::path SourceDir() {
  if (const char* dir = std::getenv("IPRAKTIK_SOURCE_DIR"); dir && *dir) return dir;
  return IPRAKTIK_DEFAULT_SOURCE_DIR;
}

std::filesystem::path BinaryDir() {
  if (const char* dir = std::getenv("IPRAKTIK_BINARY_DIR"); dir && *dir) return dir;
  return IPRAKTIK_DEFAULT_BINARY_DIR;
}

std::string RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  if (status != 0) {
    throw std::runtime_error("command failed (status " + std::to_string(status) + "): " + command +
                             "\n" + output);
  }
  return output;
}

std::filesystem::path ReservedPorts::HoldFile(int port) {
  return HoldFolder() / std::to_string(port);
}

ReservedPorts::ReservedPorts(int count) {
  const std::filesystem::path folder = HoldFolder();
  std::error_code ignored;
  if (std::filesystem::create_directories(folder, ignored)) {
    std::filesystem::permissions(
        folder, std::filesystem::perms::all | std::filesystem::perms::sticky_bit, ignored);
  }
  std::random_device seed;
  std::mt19937 random(seed());
  std::uniform_int_distribution<int> base(20000, 32000 - count);
  for (int attempt = 0; attempt < 200; ++attempt) {
    first_ = base(random);
    bool all_free = true;
    for (int port = first_; port < first_ + count && all_free; ++port) {
      const PortLock lock = LockPort(port);
      if (lock.fd >= 0) locked_files_.push_back(lock.fd);
      all_free = !lock.taken && PortIsFree(port);
    }
    if (all_free) return;
    Release();
  }
  throw std::runtime_error("no free block of loopback ports found");
}

ReservedPorts::ReservedPorts(ReservedPorts&& other) noexcept
    : first_(std::exchange(other.first_, 0)),
      locked_files_(std::exchange(other.locked_files_, {})) {}

ReservedPorts& ReservedPorts::operator=(ReservedPorts&& other) noexcept {
  if (this != &other) {
    Release();
    first_ = std::exchange(other.first_, 0);
    locked_files_ = std::exchange(other.locked_files_, {});
  }
  return *this;
}

ReservedPorts::~ReservedPorts() { Release(); }

void ReservedPorts::Release() noexcept {
  // The files stay: removing one could let two programs hold the same port through two files.
  for (int fd : locked_files_) ::close(fd);
  locked_files_.clear();
}

LocalServer::LocalServer(std::string kind, int ports_needed,
                         std::vector<std::string> extra_start_args)
    : kind_(std::move(kind)),
      extra_start_args_(std::move(extra_start_args)),
      dir_(MakeTempDir(kind_)),
      ports_(ports_needed) {
  // A program that reserves no ports (a server of the machine's, `make run`'s) may take them
  // between the check and the start: try a few blocks.
  for (int attempt = 1;; ++attempt) {
    try {
      Start();
      return;
    } catch (const std::runtime_error& error) {
      if (attempt == 3) throw;
      std::cerr << kind_ << " did not start on port " << port() << " (attempt " << attempt
                << "), trying other ports: " << error.what() << "\n";
      Discard();
      // A new folder: a server's folder remembers the ports it was made for, so the next ports
      // need one of their own (the old one stays, for inspection).
      dir_ = MakeTempDir(kind_);
      ports_ = ReservedPorts(ports_needed);
    }
  }
}

void LocalServer::Discard() noexcept {
  try {
    // Test data is thrown away: kill at once, then let stop clean up what outlives the server
    // (RabbitMQ's private epmd).
    Kill();
    Stop();
  } catch (const std::exception& error) {
    std::cerr << "stopping " << kind_ << " failed: " << error.what() << "\n";
  }
}

LocalServer::~LocalServer() {
  Discard();
  if (CurrentTestProgramFailed()) {
    std::cerr << kind_ << " files kept for inspection in " << dir_ << "\n";
  } else {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string LocalServer::address() const { return "127.0.0.1:" + std::to_string(port()); }

void LocalServer::RunScript(const std::vector<std::string>& args) const {
  std::string command = "IPRAKTIK_OWNER_PID=" + std::to_string(::getpid()) + " " +
                        ShellQuote((SourceDir() / "deploy/local" / (kind_ + ".sh")).string());
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  RunCommand(command + " 2>&1");
}

void LocalServer::Start() {
  std::vector<std::string> args = {"start", dir_.string(), std::to_string(port())};
  args.insert(args.end(), extra_start_args_.begin(), extra_start_args_.end());
  RunScript(args);
}

void LocalServer::Stop() { RunScript({"stop", dir_.string()}); }

void LocalServer::Kill() { RunScript({"kill", dir_.string()}); }

void LocalServer::Restart() {
  Stop();
  Start();
}

void LocalServer::MakeServiceUsers() { RunScript({"users", dir_.string()}); }

std::string LocalServer::Password(const std::string& user) const {
  std::ifstream file(dir_ / "users" / (user + ".password"));
  std::string password;
  if (!std::getline(file, password)) throw std::runtime_error("no password for " + user);
  return password;
}

RedisServer::RedisServer() : LocalServer("redis", 1) {}

RedisServer::RedisServer(int primary_port)
    : LocalServer("redis", 1, {std::to_string(primary_port)}) {}

void RedisServer::StartAsReplicaOf(int primary_port) {
  RunScript({"start", dir().string(), std::to_string(port()), std::to_string(primary_port)});
}

namespace {

// "field:value" lines (INFO) as a map; other lines ignored.
std::map<std::string, std::string> InfoFields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon != std::string::npos) fields[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return fields;
}

// A flat reply of alternating names and values, one a line (redis-cli without a terminal).
std::map<std::string, std::string> PairedLines(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  for (std::string name, value; std::getline(lines, name) && std::getline(lines, value);) {
    fields[name] = value;
  }
  return fields;
}

}  // namespace

std::string RedisServer::Cli() const {
  std::string cli = "redis-cli -p " + std::to_string(port());
  // Once the users are made (MakeServiceUsers) the default user is off: the admin asks.
  if (std::filesystem::exists(dir() / "users" / "admin.password")) {
    cli = "REDISCLI_AUTH=" + ShellQuote(Password("admin")) + " " + cli + " --user admin";
  }
  return cli;
}

std::map<std::string, std::string> RedisServer::Replication() const {
  return InfoFields(RunCommand(Cli() + " INFO replication"));
}

SentinelServer::SentinelServer(int primary_port, std::chrono::milliseconds down_after)
    : LocalServer("sentinel", 1,
                  {std::to_string(primary_port), std::to_string(down_after.count())}) {}

int SentinelServer::PrimaryPort() const {
  std::istringstream reply(RunCommand("redis-cli -p " + std::to_string(port()) +
                                      " SENTINEL get-master-addr-by-name ipraktik"));
  std::string host;
  int primary = 0;
  if (std::getline(reply, host) && reply >> primary) return primary;
  return 0;
}

std::map<std::string, std::string> SentinelServer::Master() const {
  return PairedLines(
      RunCommand("redis-cli -p " + std::to_string(port()) + " SENTINEL MASTER ipraktik"));
}

std::vector<std::string> RedisServer::KeysOutsideTheScheme() const {
  static const std::regex kTenantRegistry("ipraktik:[a-z]+:tenants");
  // The API keys' records (libs/access): looked up by digest before the tenant is known.
  static const std::regex kAccessRecord("ipraktik:access:(key|id|tenant):[^:]+");
  // Quoted, one key a line even when a key holds a newline (a workplace's name may); the escapes
  // can only be in the part after the tenant's tag.
  std::istringstream keys(RunCommand(Cli() + " --no-raw --scan"));
  std::vector<std::string> outside;
  for (std::string line; std::getline(keys, line);) {
    const std::string key =
        line.size() >= 2 && line.front() == '"' ? line.substr(1, line.size() - 2) : line;
    if (!store::TenantOfKey(key) && !std::regex_match(key, kTenantRegistry) &&
        !std::regex_match(key, kAccessRecord)) {
      outside.push_back(line);
    }
  }
  return outside;
}

RabbitMqServer::RabbitMqServer() : LocalServer("rabbitmq", 5) {}

std::string RabbitMqServer::url() const {
  return "amqp://guest:guest@127.0.0.1:" + std::to_string(port()) + "/";
}

std::string RabbitMqServer::UrlOf(const std::string& user) const {
  return "amqp://" + user + ":" + Password(user) + "@127.0.0.1:" + std::to_string(port()) + "/";
}

std::string RabbitMqServer::Ctl(const std::vector<std::string>& args) const {
  std::string command = ShellQuote((SourceDir() / "deploy/local/rabbitmq.sh").string()) + " ctl " +
                        ShellQuote(dir().string());
  for (const auto& arg : args) command += " " + ShellQuote(arg);
  return RunCommand(command + " 2>&1");
}

SmtpServer::SmtpServer(bool tls)
    : LocalServer("smtp", 1, tls ? std::vector<std::string>{"--tls"} : std::vector<std::string>{}) {
}

std::string SmtpServer::url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }

std::vector<std::string> SmtpServer::Messages() const {
  std::vector<std::filesystem::directory_entry> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir() / "mail" / "new")) {
    files.push_back(entry);
  }
  // Maildir names begin with the delivery time in seconds; the write time orders within one.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::pair(a.last_write_time(), a.path()) < std::pair(b.last_write_time(), b.path());
  });
  std::vector<std::string> messages;
  for (const auto& file : files) {
    std::ifstream in(file.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    messages.push_back(text.str());
  }
  return messages;
}

}  // namespace ipraktik::testing
