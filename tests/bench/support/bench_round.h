#pragma once

// A round of realistic shape signed up through the registration service, as the benchmarks that
// run whole rounds need it: host offers in five regions with skewed (Zipf) popularity, created
// through the API (workplace, contact, offer, published), and interns who wish mostly within
// their region, imported through the ImportSignUps stream.

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "grpcpp/client_context.h"
#include "ipraktik/v1/registration.grpc.pb.h"

namespace ipraktik::bench {

struct RoundShape {
  int interns = 1000;
  int hosts = 200;
  int wishes = 5;
  // Added to every person's number, so that rounds of one tenant have distinct people and
  // e-mail addresses.
  int first_person = 0;
  std::string programme_name = "Innovationspraktik";
};

// A fresh client context for the tenant the round belongs to (its key, a deadline).
using ContextFactory = std::function<std::unique_ptr<grpc::ClientContext>()>;

struct OpenRound {
  std::string round_id;
  std::vector<std::pair<std::string, int>> offers;  // host offer id, region
};

// Creates the programme and its round, the host offers (each with its workplace and contact),
// and opens the round. Throws (Fail) on an error.
OpenRound OpenRoundWithHosts(v1::RegistrationService::Stub& registration,
                             const ContextFactory& context, const RoundShape& shape,
                             std::mt19937_64& random);

// Imports the round's interns through one ImportSignUps stream (batches of 500 rows) and closes
// the round. Throws (Fail) on an error or a refused row.
void ImportInternsAndClose(v1::RegistrationService::Stub& registration,
                           const ContextFactory& context, const RoundShape& shape,
                           const OpenRound& round, std::mt19937_64& random);

// Both, one after the other: the round's id.
std::string MakeRound(v1::RegistrationService::Stub& registration, const ContextFactory& context,
                      const RoundShape& shape, std::mt19937_64& random);

}  // namespace ipraktik::bench
