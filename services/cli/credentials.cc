#include "credentials.h"

namespace ipraktik::cli {

std::optional<Credentials> ReadCredentials(const Args& args, const config::Environment& environment,
                                           std::string_view command, std::ostream& err) {
  Credentials credentials;
  credentials.key = args.Value("key").value_or(environment.Get("IPRAKTIK_API_KEY").value_or(""));
  credentials.tenant = args.Value("tenant");
  if (!credentials.tenant) credentials.tenant = environment.Get("IPRAKTIK_TENANT");
  if (credentials.key.empty()) {
    err << "ipraktik " << command << ": missing --key (or IPRAKTIK_API_KEY): every call needs an "
        << "API key (`ipraktik keys create`, docs/security.md)\n";
    return std::nullopt;
  }
  return credentials;
}

void Authorize(grpc::ClientContext& context, const Credentials& credentials) {
  context.AddMetadata("authorization", "Bearer " + credentials.key);
  if (credentials.tenant) context.AddMetadata("x-ipraktik-tenant", *credentials.tenant);
}

}  // namespace ipraktik::cli
