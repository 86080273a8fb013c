#include "certificates.h"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "local_servers.h"

namespace ipraktik::testing {
namespace {

std::string Quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::string Script() { return Quoted(SourceDir() / "deploy/local/certs.sh"); }

}  // namespace

Certificates::Certificates() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ipraktik-certs-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temp folder");
  dir_ = pattern;
  RunCommand(Script() + " ca " + Quoted(dir_));
}

Certificates::~Certificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Certificates::Pair Certificates::Issue(const std::string& name,
                                       const std::filesystem::path& out) const {
  auto folder = out.empty() ? dir_ : out;
  RunCommand(Script() + " issue " + Quoted(dir_) + " " + name + " " + Quoted(folder));
  return {folder / (name + ".pem"), folder / (name + ".key")};
}

std::string SerialOf(const std::string& pem) {
  // The openssl tool, as an operator would check a certificate, rather than a second parser.
  // PEM text holds no quote, so it passes through the shell as it is.
  std::string printed = RunCommand("printf '%s' '" + pem + "' | openssl x509 -noout -serial");
  // "serial=0A1B...\n"
  auto start = printed.find('=');
  if (start == std::string::npos) throw std::runtime_error("no serial in: " + printed);
  return printed.substr(start + 1, printed.find_first_of("\r\n", start) - start - 1);
}

std::string SerialOfFile(const std::filesystem::path& pem_file) {
  std::ifstream file(pem_file);
  std::stringstream pem;
  pem << file.rdbuf();
  return SerialOf(pem.str());
}

}  // namespace ipraktik::testing
