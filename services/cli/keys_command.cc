// `ipraktik keys ...`: API keys for administrators (KeyService, hosted by the registration
// service), and the bootstrap of the first operator key, written straight to Redis with the
// server secret, since no key exists yet to call the service with. create and revoke are calls of
// KeyService, recorded in the audit log by the service's call shell; bootstrap goes around the
// service, so it writes its audit entry itself (libs/audit).
#include <memory>
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "ipraktik/access/access.h"
#include "ipraktik/access/key_administration.h"
#include "ipraktik/access/key_store.h"
#include "ipraktik/audit/audit.h"
#include "ipraktik/audit/declaration.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/store/pool.h"
#include "ipraktik/v1/keys.grpc.pb.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik keys <action> [options]

Actions:
  create --role ROLE [--label TEXT] [--valid-days N]
                      a new key of ROLE (coordinator, partner, reader; operators also
                      operator, service) in the tenant; the key is printed once, on stdout
  list                the tenant's keys (never the keys themselves)
  revoke KEY_ID       the key stops working at once
  bootstrap --tenant TENANT [--role ROLE] [--label TEXT] [--valid-days N]
                      the first operator key (or one of ROLE), written straight to Redis
                      ($IPRAKTIK_REDIS_ADDRESS, $IPRAKTIK_REDIS_PASSWORD) under the server
                      secret ($IPRAKTIK_TOKEN_SECRET); run it where the services run

Options:
{credentials}  --server HOST:PORT    the registration service (default: $IPRAKTIK_REGISTRATION_ADDRESS,
                        else 127.0.0.1:7101)
  --help                this text

Exit codes: 0 done, 2 bad arguments, 3 the service refused (the reason is printed) or is
unreachable.
)";

// How a bootstrap is named in the audit log (it is no gRPC method).
constexpr std::string_view kBootstrapMethod = "ipraktik keys bootstrap";

std::string Time(const google::protobuf::Timestamp& time) {
  return time.seconds() == 0 ? "-" : google::protobuf::util::TimeUtil::ToString(time);
}

void PrintKey(std::ostream& out, const v1::ApiKey& key) {
  out << key.key_id() << "  " << key.tenant() << "  " << access::RoleName(key.role())
      << (key.revoked() ? "  revoked" : "") << "  created " << Time(key.create_time())
      << "  expires " << Time(key.expire_time()) << "  last used " << Time(key.last_used_time())
      << (key.label().empty() ? "" : "  # ") << key.label() << "\n";
}

int Refused(CommandIo& io, std::string_view action, const absl::Status& error,
            const Target& target) {
  PrintRefusal(io.err, absl::StrCat("ipraktik keys ", std::string(action)), error, target);
  return kExitFailed;
}

// --valid-days: 0 when absent; nullopt (after saying so) when it is no number.
std::optional<int> ValidDays(const Args& args, CommandIo& io) {
  int days = 0;
  if (auto text = args.Value("valid-days"); text && !absl::SimpleAtoi(*text, &days)) {
    io.err << "ipraktik keys: --valid-days must be a number of days\n";
    return std::nullopt;
  }
  return days;
}

std::optional<v1::AccessRole> Role(const Args& args, CommandIo& io) {
  auto role = access::ParseRole(args.Value("role").value_or(""));
  if (!role)
    io.err << "ipraktik keys: --role must be coordinator, partner, reader, operator or "
              "service\n";
  return role;
}

int Bootstrap(const Args& args, CommandIo& io) {
  const std::string tenant = args.Value("tenant").value_or("");
  auto days = ValidDays(args, io);
  std::optional<v1::AccessRole> role = v1::ACCESS_ROLE_OPERATOR;
  if (args.Value("role")) role = Role(args, io);
  if (tenant.empty() || !days || !role) {
    if (tenant.empty()) io.err << "ipraktik keys bootstrap: --tenant is required\n";
    return kExitUsage;
  }
  auto address = config::ParseHostPort(
      io.environment.Get("IPRAKTIK_REDIS_ADDRESS").value_or("127.0.0.1:7379"));
  auto secret = io.environment.Get("IPRAKTIK_TOKEN_SECRET");
  if (!address || !secret) {
    io.err << "ipraktik keys bootstrap: set IPRAKTIK_TOKEN_SECRET (the services' secret) and "
              "IPRAKTIK_REDIS_ADDRESS (host:port)\n";
    return kExitUsage;
  }
  store::Options options;
  options.host = address->host;
  options.port = address->port;
  options.user = io.environment.Get("IPRAKTIK_REDIS_USER").value_or("");
  options.password = io.environment.Get("IPRAKTIK_REDIS_PASSWORD").value_or("");
  store::Pool redis(options);
  access::KeyStore keys(redis, *secret);
  // The one way around KeyService: the caller is the operator the key is for.
  access::KeyAdministration administration(keys);
  v1::CreateApiKeyRequest request;
  request.set_role(*role);
  request.set_label(args.Value("label").value_or("bootstrap"));
  request.set_valid_days(*days);
  auto created = administration.Create(
      {.tenant = tenant, .key_id = "", .role = v1::ACCESS_ROLE_OPERATOR}, request);
  // On record like KeyService's CreateApiKey: the new key's id (never the key), the outcome. No
  // caller key: whoever reached Redis with the secret made it.
  audit::Entry entry{
      .kind = audit::KindName(v1::AUDIT_KIND_PRIVILEGED),
      .method = std::string(kBootstrapMethod),
      .peer = "local",
      .outcome = created.ok() ? "OK" : absl::StatusCodeToString(created.status().code())};
  if (created.ok()) entry.object_ids.emplace_back("key_id", created->api_key().key_id());
  auto recorded = audit::Log(redis).Append(tenant, entry);
  if (!created.ok()) {
    return Refused(io, "bootstrap", created.status(),
                   {.server = absl::StrCat(options.host, ":", options.port), .tls = false});
  }
  if (!recorded.ok()) {
    // The key exists: it is printed, and the missing entry is said (the operator records it).
    io.err << "ipraktik keys bootstrap: the key was made but its audit entry was not written: "
           << recorded.status().message() << "\n";
  }
  PrintKey(io.err, created->api_key());
  io.out << created->key() << "\n";
  return kExitOk;
}

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  std::vector<OptionSpec> options = {
      {"server"}, {"role"}, {"label"}, {"valid-days"}, {"help", false}};
  options.insert(options.end(), kCredentialOptions.begin(), kCredentialOptions.end());
  std::ranges::copy(TlsOptions(), std::back_inserter(options));
  const std::string usage =
      absl::StrReplaceAll(std::string(kUsage), {{"{credentials}", std::string(kCredentialUsage)}});
  auto args = Args::Parse(raw_args, options);
  if (!args.ok()) {
    io.err << "ipraktik keys: " << args.status().message() << "\n\n" << usage;
    return kExitUsage;
  }
  if (args->Flag("help") || args->positional().empty()) {
    (args->Flag("help") ? io.out : io.err) << usage;
    return args->Flag("help") ? kExitOk : kExitUsage;
  }
  const std::string action = args->positional()[0];
  if (action == "bootstrap") return Bootstrap(*args, io);
  auto credentials = ReadCredentials(*args, io.environment, "keys", io.err);
  if (!credentials) return kExitUsage;
  const std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_REGISTRATION_ADDRESS").value_or("127.0.0.1:7101"));
  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik keys: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  const Target target = TargetOf(*args, io.environment, server);
  auto stub = v1::KeyService::NewStub(*channel);
  grpc::ClientContext context;
  Authorize(context, *credentials);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (action == "create") {
    auto role = Role(*args, io);
    auto days = ValidDays(*args, io);
    if (!role || !days) return kExitUsage;
    v1::CreateApiKeyRequest request;
    request.set_role(*role);
    request.set_label(args->Value("label").value_or(""));
    request.set_valid_days(*days);
    v1::CreateApiKeyResponse response;
    auto status = stub->CreateApiKey(&context, request, &response);
    if (!status.ok()) return Refused(io, action, rpc_status::FromGrpcStatus(status), target);
    PrintKey(io.err, response.api_key());
    io.out << response.key() << "\n";
    return kExitOk;
  }
  if (action == "list") {
    v1::ListApiKeysResponse response;
    auto status = stub->ListApiKeys(&context, v1::ListApiKeysRequest(), &response);
    if (!status.ok()) return Refused(io, action, rpc_status::FromGrpcStatus(status), target);
    for (const auto& key : response.api_keys()) PrintKey(io.out, key);
    return kExitOk;
  }
  if (action == "revoke" && args->positional().size() == 2) {
    v1::RevokeApiKeyRequest request;
    request.set_key_id(args->positional()[1]);
    v1::RevokeApiKeyResponse response;
    auto status = stub->RevokeApiKey(&context, request, &response);
    if (!status.ok()) return Refused(io, action, rpc_status::FromGrpcStatus(status), target);
    PrintKey(io.out, response.api_key());
    return kExitOk;
  }
  io.err << "ipraktik keys: unknown action or missing KEY_ID: " << action << "\n\n" << usage;
  return kExitUsage;
}

}  // namespace

Command KeysCommand() {
  return {.name = "keys",
          .summary = "create, list and revoke API keys; bootstrap the first",
          .run = Run};
}

}  // namespace ipraktik::cli
