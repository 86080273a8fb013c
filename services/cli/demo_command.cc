// `ipraktik demo load`: the demo of demo_data.h, sent to the registration service as a partner
// would send it (workplaces, programmes, rounds, host contacts and offers one call each, the
// interns' sign-ups as one import stream per round), into a tenant that has no programme yet.
// A tenant with programmes is left alone: the demo is loaded once, into an empty stack.
#include <chrono>
#include <memory>
#include <optional>
#include <ostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "demo_data.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/registration.grpc.pb.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik demo load [options]

Loads the demo into the key's tenant when it has no programme yet (a tenant with programmes is
left as it is, and the command says so): the national Innovationspraktik (1-5 days in one week,
hosts in municipalities, regions, state agencies and private companies) and three municipal
programmes (Holstebro's 1-2 day lynpraktik, Silkeborg's copycat internships, and Gladsaxe's,
where each sign-up waits for the manager's approval). A few hundred made-up people with
.example addresses, ranked wishes by name and by criteria. Every round but Gladsaxe's is closed,
ready to match; Gladsaxe's is open and its managers get their approval e-mails. `make run` runs
this on a new stack.

Options:
{credentials}  --server HOST:PORT    the registration service (default: $IPRAKTIK_REGISTRATION_ADDRESS,
                        else 127.0.0.1:7101)
  --tls-ca, --tls-cert, --tls-key FILE
                        TLS with this CA bundle (without one: plaintext), and the client
                        certificate and key where the service requires mutual TLS
                        (default: $IPRAKTIK_TLS_CA, $IPRAKTIK_TLS_CERT, $IPRAKTIK_TLS_KEY)
  --seed N              another demo (default 2015, the year of the first national round)
  --help                this text

Exit codes: 0 loaded (or left alone: the tenant has programmes), 2 bad arguments, 3 the service
refused a call or is unreachable (what was loaded until then stays).
)";

using Stub = v1::RegistrationService::Stub;

class Loader {
 public:
  Loader(std::unique_ptr<Stub> stub, Credentials credentials, Target target, CommandIo& io)
      : stub_(std::move(stub)),
        credentials_(std::move(credentials)),
        target_(std::move(target)),
        io_(io) {}

  // Calls method; on refusal prints why (naming what) and returns false.
  template <typename Request, typename Response>
  bool Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
            const Request& request, Response& response, std::string_view what) {
    grpc::ClientContext context;
    Authorize(context, credentials_);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status status = ((*stub_).*method)(&context, request, &response);
    if (status.ok()) return true;
    PrintRefusal(io_.err, absl::StrCat("ipraktik demo: ", std::string(what)),
                 rpc_status::FromGrpcStatus(status), target_);
    return false;
  }

  // The tenant's first programme's name, "" when it has none; nullopt when the call failed.
  std::optional<std::string> FirstProgramme() {
    v1::ListProgrammesRequest request;
    request.set_page_size(1);
    v1::ListProgrammesResponse response;
    if (!Call(&Stub::ListProgrammes, request, response, "listing the tenant's programmes")) {
      return std::nullopt;
    }
    return response.programmes().empty() ? "" : response.programmes(0).name();
  }

  bool Load(demo::Demo& demo) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> workplace_ids;
    for (const v1::Workplace& workplace : demo.workplaces) {
      v1::CreateWorkplaceRequest request;
      *request.mutable_workplace() = workplace;
      v1::CreateWorkplaceResponse response;
      if (!Call(&Stub::CreateWorkplace, request, response, "creating a workplace")) return false;
      workplace_ids.push_back(response.workplace().workplace_id());
    }
    io_.err << "demo: " << workplace_ids.size() << " host workplaces\n";
    for (demo::Programme& programme : demo.programmes) {
      v1::CreateProgrammeRequest request;
      *request.mutable_programme() = programme.programme;
      v1::CreateProgrammeResponse created;
      if (!Call(&Stub::CreateProgramme, request, created, "creating a programme")) return false;
      for (demo::Round& round : programme.rounds) {
        round.round.set_programme_id(created.programme().programme_id());
        if (!LoadRound(created.programme(), round, workplace_ids)) return false;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    io_.out << "demo loaded in " << absl::StrFormat("%.1f", seconds)
            << " s: " << demo.programmes.size() << " programmes, " << participants_
            << " participants (" << interns_ << " interns, " << offers_
            << " host offers with a contact each), " << pending_
            << " sign-ups awaiting their manager's approval\n\n";
    io_.out << "rounds (`ipraktik round overview ROUND`; match a closed one with "
               "`ipraktik match request --round ROUND --preview --wait`):\n";
    for (const std::string& line : summary_) io_.out << "  " << line << "\n";
    return true;
  }

 private:
  bool LoadRound(const v1::Programme& programme, demo::Round& round,
                 const std::vector<std::string>& workplace_ids) {
    v1::CreateRoundRequest create;
    *create.mutable_round() = round.round;
    v1::CreateRoundResponse created;
    if (!Call(&Stub::CreateRound, create, created, "creating a round")) return false;
    const std::string round_id = created.round().round_id();

    // Each offer's contact first (a participant of the host workplace), then the offer.
    std::vector<std::string> offer_ids;
    for (demo::Offer& offer : round.offers) {
      v1::RegisterParticipantRequest contact;
      *contact.mutable_participant() = offer.contact;
      contact.mutable_participant()->set_workplace_id(workplace_ids.at(offer.workplace));
      v1::RegisterParticipantResponse registered;
      if (!Call(&Stub::RegisterParticipant, contact, registered, "registering a host contact")) {
        return false;
      }
      v1::CreateHostOfferRequest request;
      *request.mutable_host_offer() = offer.offer;
      request.mutable_host_offer()->set_round_id(round_id);
      request.mutable_host_offer()->set_workplace_id(workplace_ids.at(offer.workplace));
      request.mutable_host_offer()->set_contact_participant_id(
          registered.participant().participant_id());
      v1::CreateHostOfferResponse made;
      if (!Call(&Stub::CreateHostOffer, request, made, "creating a host offer")) return false;
      v1::PublishHostOfferRequest publish;
      publish.set_host_offer_id(made.host_offer().host_offer_id());
      v1::PublishHostOfferResponse published;
      if (!Call(&Stub::PublishHostOffer, publish, published, "publishing a host offer")) {
        return false;
      }
      offer_ids.push_back(made.host_offer().host_offer_id());
    }
    if (!Transition(round_id, v1::ROUND_STATE_OPEN)) return false;

    // The interns' sign-ups, as a partner's form exports them, in one import stream.
    grpc::ClientContext context;
    Authorize(context, credentials_);
    v1::ImportSignUpsResponse imported;
    auto writer = stub_->ImportSignUps(&context, &imported);
    v1::ImportSignUpsRequest message;
    message.set_round_id(round_id);
    for (demo::SignUp& sign_up : round.sign_ups) {
      v1::ImportRow& row = *message.add_rows();
      row = sign_up.row;
      for (const demo::Wish& wish : sign_up.wishes) {
        v1::Wish* added = row.mutable_application()->add_wishes();
        if (wish.offer >= 0) {
          added->set_host_offer_id(offer_ids.at(wish.offer));
        } else {
          *added->mutable_criteria() = wish.criteria;
        }
      }
      if (message.rows_size() == 200) {
        if (!writer->Write(message)) break;
        message.clear_rows();
      }
    }
    if (message.rows_size() > 0) writer->Write(message);
    writer->WritesDone();
    grpc::Status status = writer->Finish();
    if (!status.ok()) {
      PrintRefusal(io_.err, "ipraktik demo: importing the sign-ups",
                   rpc_status::FromGrpcStatus(status), target_);
      return false;
    }
    for (const auto& error : imported.errors()) {
      io_.err << "ipraktik demo: sign-up on line " << error.line() << " refused: " << error.field()
              << ": " << error.description() << "\n";
    }
    if (imported.rows_failed() > 0) return false;
    if (round.final_state == v1::ROUND_STATE_CLOSED &&
        !Transition(round_id, v1::ROUND_STATE_CLOSED)) {
      return false;
    }

    const int interns = imported.applications_created();
    const bool approval = programme.requires_manager_approval();
    participants_ += interns + static_cast<int>(round.offers.size());
    interns_ += interns;
    offers_ += static_cast<int>(round.offers.size());
    if (approval) pending_ += interns;
    const bool closed = round.final_state == v1::ROUND_STATE_CLOSED;
    io_.err << "demo: " << programme.name() << ": round \"" << round.round.name() << "\", "
            << round.offers.size() << " host offers, " << interns << " sign-ups"
            << (approval ? " (approval e-mails to their managers)" : "") << ", "
            << (closed ? "closed" : "open") << "\n";
    summary_.push_back(absl::StrCat(round_id, "  ", programme.name(), ": ", round.round.name(),
                                    " (", closed ? "closed, ready to match" : "open", ", ", interns,
                                    " interns, ", round.offers.size(), " host offers",
                                    approval ? ", awaiting approval" : "", ")"));
    return true;
  }

  bool Transition(const std::string& round_id, v1::RoundState state) {
    v1::TransitionRoundRequest request;
    request.set_round_id(round_id);
    request.set_state(state);
    v1::TransitionRoundResponse response;
    return Call(&Stub::TransitionRound, request, response,
                state == v1::ROUND_STATE_OPEN ? "opening a round" : "closing a round");
  }

  std::unique_ptr<Stub> stub_;
  Credentials credentials_;
  Target target_;
  CommandIo& io_;
  int participants_ = 0;
  int interns_ = 0;
  int offers_ = 0;
  int pending_ = 0;
  std::vector<std::string> summary_;
};

// Today in Denmark (the rounds are planned from it).
v1::Date Today() {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone("Europe/Copenhagen", &zone)) zone = absl::UTCTimeZone();
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone);
  v1::Date date;
  date.set_year(static_cast<int>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  std::string usage;
  int exit_code = kExitUsage;
  auto args = ParseServiceArgs(raw_args, {{"server"}, {"seed"}, {"help", false}}, kUsage, "demo",
                               io, usage, exit_code);
  if (!args) return exit_code;
  if (args->positional().size() != 1 || args->positional()[0] != "load") {
    io.err << usage;
    return kExitUsage;
  }
  std::uint64_t seed = 2015;
  if (auto text = args->Value("seed"); text && !absl::SimpleAtoi(*text, &seed)) {
    io.err << "ipraktik demo: --seed must be a whole number\n";
    return kExitUsage;
  }
  auto credentials = ReadCredentials(*args, io.environment, "demo", io.err);
  if (!credentials) return kExitUsage;
  const std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_REGISTRATION_ADDRESS").value_or("127.0.0.1:7101"));
  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik demo: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  Loader loader(v1::RegistrationService::NewStub(*channel), *std::move(credentials),
                TargetOf(*args, io.environment, server), io);
  auto first = loader.FirstProgramme();
  if (!first) return kExitFailed;
  if (!first->empty()) {
    io.out << "demo not loaded: the tenant has programmes already (\"" << *first
           << "\", ...); the demo is loaded into an empty tenant only\n";
    return kExitOk;
  }
  demo::Demo demo = demo::MakeDemo(seed, Today());
  return loader.Load(demo) ? kExitOk : kExitFailed;
}

}  // namespace

Command DemoCommand() {
  return {.name = "demo",
          .summary = "load the demo programmes, rounds and sign-ups into an empty tenant",
          .run = Run};
}

}  // namespace ipraktik::cli
