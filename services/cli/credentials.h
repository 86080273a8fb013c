#pragma once

// How every command that calls a service says who it is: the API key (--key, else
// $IPRAKTIK_API_KEY) sent as "authorization: Bearer <key>", and the tenant to act in (--tenant,
// else $IPRAKTIK_TENANT; sent only when given, and accepted only from operator and service keys
// naming a tenant other than their own). docs/security.md.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "grpcpp/client_context.h"
#include "ipraktik/config/config.h"

namespace ipraktik::cli {

// The options every calling command takes, to add to its own.
inline const std::vector<OptionSpec> kCredentialOptions = {{"key"}, {"tenant"}};
// Their lines for a command's usage text.
inline constexpr std::string_view kCredentialUsage =
    R"(  --key KEY             the API key to call with (default: $IPRAKTIK_API_KEY)
  --tenant TENANT       act in this tenant: operator keys only (default: $IPRAKTIK_TENANT;
                        other keys act in their own tenant)
)";

struct Credentials {
  std::string key;
  std::optional<std::string> tenant;
};

// The credentials of args and environment; nullopt (after saying so on err, prefixed with
// command) when there is no key.
std::optional<Credentials> ReadCredentials(const Args& args, const config::Environment& environment,
                                           std::string_view command, std::ostream& err);

// Puts credentials on a call's context.
void Authorize(grpc::ClientContext& context, const Credentials& credentials);

}  // namespace ipraktik::cli
