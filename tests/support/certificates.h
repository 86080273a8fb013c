#pragma once

// Certificates for TLS tests, made by deploy/local/certs.sh (the script `make run` uses) in a
// temporary folder: a CA of their own, and certificates it signs, each with a fresh serial.

#include <filesystem>
#include <string>

namespace ipraktik::testing {

class Certificates {
 public:
  // A new CA in a fresh temporary folder, removed again by the destructor.
  Certificates();
  ~Certificates();
  Certificates(const Certificates&) = delete;
  Certificates& operator=(const Certificates&) = delete;

  struct Pair {
    std::filesystem::path certificate;
    std::filesystem::path key;
  };

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path ca() const { return dir_ / "ca.pem"; }
  // A certificate for name (localhost, 127.0.0.1 and name) signed by this CA, written to out
  // (default dir()) as name.pem and name.key, replacing any earlier one.
  Pair Issue(const std::string& name, const std::filesystem::path& out = {}) const;

 private:
  std::filesystem::path dir_;
};

// The serial number of a PEM certificate, in upper-case hex as `openssl x509 -serial` prints it.
std::string SerialOf(const std::string& pem);
// The same for a PEM file.
std::string SerialOfFile(const std::filesystem::path& pem_file);

}  // namespace ipraktik::testing
