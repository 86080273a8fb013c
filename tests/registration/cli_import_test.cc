// `ipraktik import` (the real build/bin/ipraktik) against the registration service served
// in-process with real Redis and RabbitMQ: a Danish form export with a few bad rows among
// 1,500 is imported except for those rows, each reported with its line number; running it
// again updates everyone and duplicates nobody.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "child_process.h"
#include "registration_harness.h"

namespace ipraktik::registration::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Stub = v1::RegistrationService::Stub;

// One Redis, RabbitMQ and in-process service for the program; each test has its own tenant.
struct Shared {
  ipraktik::testing::RedisServer redis;
  ipraktik::testing::RabbitMqServer rabbit;
  TestClock clock{absl::FromCivil(absl::CivilSecond(2026, 8, 1, 10, 0, 0), absl::UTCTimeZone())};
  InProcessRegistration service{redis, rabbit.url(), clock};
};

class CliImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = new Shared(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }

  template <typename Request, typename Response>
  Response Ok(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
              const Request& request) {
    return MustCall(*shared_->service.NewStub(), method, request, tenant_);
  }

  // An open round with one published host offer; returns the offer's id.
  std::string MakeRound() {
    v1::Date start = Day(2026, 9, 7);
    auto stub = shared_->service.NewStub();
    auto local = MakeLocalRound(*stub, tenant_, Day(2026, 8, 15), start, Day(2026, 9, 8));
    round_id_ = local.round.round_id();
    return local.offer.host_offer_id();
  }

  // Runs build/bin/ipraktik with args; returns its exit code, its output in output.
  int RunCli(const std::vector<std::string>& args, std::string& output) {
    auto log = shared_->redis.dir() / absl::StrCat(tenant_, "-cli-", ++runs_, ".log");
    ipraktik::testing::ChildProcess cli(
        ipraktik::testing::BinaryDir() / "bin" / "ipraktik", args,
        {{"IPRAKTIK_API_KEY", shared_->service.keys().Key(tenant_)}}, log);
    auto status = cli.WaitFor(120s);
    output = cli.Output();
    EXPECT_TRUE(status.has_value()) << output;
    return status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  }

  std::string Server() const { return absl::StrCat("127.0.0.1:", shared_->service.port()); }

  static inline Shared* shared_ = nullptr;
  std::string tenant_ = "holstebro";
  std::string round_id_;
  int runs_ = 0;
};

TEST_F(CliImportTest, ImportsTheGoodRowsAndListsTheBadOnesByLine) {
  const std::string offer_id = MakeRound();
  auto path = shared_->redis.dir() / "tilmeldinger.csv";
  {
    std::ofstream csv(path);
    csv << "Navn;E-mail;Stilling;Samtykke;Arbejdsplads;Sektor;Region;Kommune;Formål;Dage;"
           "Ønske 1;Ønske 2\r\n";
    for (int i = 1; i <= 1500; ++i) {
      std::string email = absl::StrCat("medarbejder", i, "@holstebro.dk");
      std::string consent = "ja";
      std::string day = "07-09-2026";
      std::string wish = offer_id;
      if (i == 10) email = "ikke-en-adresse";   // the service refuses it
      if (i == 500) day = "31-09-2026";         // the CLI refuses it
      if (i == 1200) wish = "off-findes-ikke";  // the service refuses it
      csv << "Medarbejder " << i << ";" << email << ";Kok;" << consent
          << ";Det Gode Køkken;kommunal;Midtjylland;Holstebro;"
          << "\"Prøve en anden måde at arbejde i et køkken på;\r\nog lære af det\";" << day << ";"
          << wish << ";\"fagområde=køkken; region=Midtjylland\"\r\n";
    }
  }
  // Each record spans two lines (a line break in the purpose): record i starts on line 2i.
  std::string output;
  int code = RunCli({"import", "--server", Server(), "--round", round_id_, path.string()}, output);
  EXPECT_EQ(code, 1) << output;
  EXPECT_THAT(output, HasSubstr("line 20: participant.email: is not an e-mail address"));
  EXPECT_THAT(output, HasSubstr("line 1000: application.available_days[0]: \"31-09-2026\""));
  EXPECT_THAT(output, HasSubstr("line 2400: application.wishes[0].host_offer_id: names no host "
                                "offer in this round: off-findes-ikke"));
  EXPECT_THAT(output, HasSubstr("imported 1497 of 1500 rows (1497 new, 0 updated), 3 failed"));

  v1::ListApplicationsRequest list;
  list.set_round_id(round_id_);
  list.set_page_size(500);
  int applications = 0;
  do {
    auto page = Ok(&Stub::ListApplications, list);
    applications += page.applications_size();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_EQ(applications, 1497);

  // The same file again: everyone is updated, nobody duplicated.
  code = RunCli(
      {"import", "--server", Server(), "--round", round_id_, "--batch-size", "1000", path.string()},
      output);
  EXPECT_EQ(code, 1) << output;
  EXPECT_THAT(output, HasSubstr("imported 1497 of 1500 rows (0 new, 1497 updated), 3 failed"));
}

TEST_F(CliImportTest, AWrongHeaderOrAnUnknownRoundImportsNothing) {
  tenant_ = "holstebro-header";
  MakeRound();
  auto path = shared_->redis.dir() / "wrong.csv";
  {
    std::ofstream csv(path);
    csv << "name,email,shoe size\nLotte,lotte@holstebro.dk,38\n";
  }
  std::string output;
  EXPECT_EQ(RunCli({"import", "--server", Server(), "--round", round_id_, path.string()}, output),
            3);
  EXPECT_THAT(output, HasSubstr("\"shoe size\" is not a sign-up field"));

  EXPECT_EQ(
      RunCli({"import", "--server", Server(), "--round", "rnd-unknown", path.string()}, output), 3);
  EXPECT_THAT(output, Not(HasSubstr("imported")));
}

// The header of the small files below, and one row of it (line: the row's line number).
constexpr std::string_view kSmallHeader =
    "Navn;E-mail;Stilling;Samtykke;Arbejdsplads;Sektor;Region;Kommune;Formål;Dage;Ønske 1\n";
std::string SmallRow(const std::string& name, const std::string& email,
                     const std::string& workplace, const std::string& offer_id) {
  return absl::StrCat(name, ";", email, ";Kok;ja;", workplace,
                      ";kommunal;Midtjylland;Holstebro;Prøve en anden måde at arbejde på;"
                      "07-09-2026;",
                      offer_id, "\n");
}

TEST_F(CliImportTest, AFileInLatin1IsRefusedUpFrontOrConvertedWhenAsked) {
  tenant_ = "holstebro-latin1";
  const std::string offer_id = MakeRound();
  auto path = shared_->redis.dir() / "latin1.csv";
  {
    std::ofstream csv(path, std::ios::binary);
    // "Søren Ærø" and "Det Gode Køkken" in ISO-8859-1, as a spreadsheet on Windows saves them.
    csv << "Navn;E-mail;Stilling;Samtykke;Arbejdsplads;Sektor;Region;Kommune;Form\xE5l;Dage;"
           "\xD8nske 1\n"
        << "Lotte Lind;lotte@holstebro.dk;Kok;ja;Det Gode K\xF8kken;kommunal;Midtjylland;"
           "Holstebro;Pr\xF8ve en anden m\xE5"
           "de at arbejde p\xE5;07-09-2026;"
        << offer_id << "\n"
        << "S\xF8ren \xC6r\xF8;soeren@holstebro.dk;Kok;ja;Det Gode K\xF8kken;kommunal;Midtjylland;"
           "Holstebro;Pr\xF8ve en anden m\xE5"
           "de at arbejde p\xE5;07-09-2026;"
        << offer_id << "\n";
  }
  std::string output;
  EXPECT_EQ(RunCli({"import", "--server", Server(), "--round", round_id_, path.string()}, output),
            3);
  EXPECT_THAT(output, HasSubstr("is not UTF-8: line 1 has the byte 0xE5"));
  EXPECT_THAT(output, HasSubstr("ISO-8859-1/Windows-1252"));
  EXPECT_THAT(output, HasSubstr("nothing was imported"));
  EXPECT_THAT(output, Not(HasSubstr("rows (")));  // no row was sent
  v1::ListApplicationsRequest list;
  list.set_round_id(round_id_);
  EXPECT_EQ(Ok(&Stub::ListApplications, list).applications_size(), 0);

  EXPECT_EQ(RunCli({"import", "--server", Server(), "--round", round_id_, "--encoding",
                    "iso-8859-1", path.string()},
                   output),
            0)
      << output;
  EXPECT_THAT(output, HasSubstr("note: read " + path.string() +
                                " as Windows-1252 and converted it to UTF-8"));
  EXPECT_THAT(output, HasSubstr("imported 2 of 2 rows (2 new, 0 updated), 0 failed"));
  v1::ListParticipantsRequest soeren;
  soeren.set_email("soeren@holstebro.dk");
  auto found = Ok(&Stub::ListParticipants, soeren);
  ASSERT_EQ(found.participants_size(), 1);
  EXPECT_EQ(found.participants(0).name(), "Søren Ærø");
}

// The dry run sends the rows to the service, which checks them as it would import them: it
// reports what the import would refuse, and stores nothing (no workplace either).
TEST_F(CliImportTest, ADryRunReportsWhatTheImportRefusesAndStoresNothing) {
  tenant_ = "holstebro-dry";
  const std::string offer_id = MakeRound();
  auto path = shared_->redis.dir() / "dry.csv";
  {
    std::ofstream csv(path);
    csv << kSmallHeader << SmallRow("Lotte Lind", "lotte@holstebro.dk", "Nyt Køkken", offer_id)
        << SmallRow("Henrik Hansen", "ikke-en-adresse", "Det Gode Køkken", "off-findes-ikke");
  }
  std::string output;
  EXPECT_EQ(
      RunCli({"import", "--server", Server(), "--round", round_id_, "--dry-run", path.string()},
             output),
      1);
  EXPECT_THAT(output, HasSubstr("line 3: participant.email: is not an e-mail address"));
  EXPECT_THAT(output, HasSubstr("line 3: application.wishes[0].host_offer_id: names no host "
                                "offer in this round: off-findes-ikke"));
  EXPECT_THAT(output, HasSubstr("2 rows read, 1 with problems (dry run: nothing imported; 1 "
                                "would be new, 0 updated)"));
  v1::ListApplicationsRequest applications;
  applications.set_round_id(round_id_);
  EXPECT_EQ(Ok(&Stub::ListApplications, applications).applications_size(), 0);
  auto workplaces = Ok(&Stub::ListWorkplaces, v1::ListWorkplacesRequest());
  for (const auto& workplace : workplaces.workplaces()) {
    EXPECT_NE(workplace.name(), "Nyt Køkken") << "a dry run created a workplace";
  }

  // The real import refuses the same row with the same errors.
  std::string imported;
  EXPECT_EQ(RunCli({"import", "--server", Server(), "--round", round_id_, path.string()}, imported),
            1);
  EXPECT_THAT(imported, HasSubstr("line 3: participant.email: is not an e-mail address"));
  EXPECT_THAT(imported, HasSubstr("imported 1 of 2 rows (1 new, 0 updated), 1 failed"));
}

// A refused row writes nothing: the new workplace it names is not created. An unclosed quote
// costs its own row, reported on the line it opened on, and the rows after it are imported.
TEST_F(CliImportTest, ARefusedRowCreatesNoWorkplaceAndAnOpenQuoteLosesNoOtherRow) {
  tenant_ = "holstebro-atomic";
  const std::string offer_id = MakeRound();
  auto path = shared_->redis.dir() / "atomic.csv";
  {
    std::ofstream csv(path);
    csv << kSmallHeader
        << SmallRow("Lotte Lind", "ikke-en-adresse", "Kantinen ved Søen", offer_id)   // line 2
        << "Maja Mik;maja@holstebro.dk;Kok;ja;\"Det Gode Køkken;kommunal\n"           // line 3
        << SmallRow("Henrik Hansen", "henrik@holstebro.dk", "Nyt Køkken", offer_id)   // line 4
        << SmallRow("Ida Iversen", "ida@holstebro.dk", "Det Gode Køkken", offer_id);  // line 5
  }
  std::string output;
  EXPECT_EQ(RunCli({"import", "--server", Server(), "--round", round_id_, path.string()}, output),
            1);
  EXPECT_THAT(output, HasSubstr("line 2: participant.email: is not an e-mail address"));
  EXPECT_THAT(output, HasSubstr("line 3: a quoted field opens on this line and is never closed"));
  EXPECT_THAT(output, Not(HasSubstr("line 0")));
  EXPECT_THAT(output, HasSubstr("imported 2 of 4 rows (2 new, 0 updated), 2 failed"));
  std::set<std::string> names;
  auto workplaces = Ok(&Stub::ListWorkplaces, v1::ListWorkplacesRequest());
  for (const auto& workplace : workplaces.workplaces()) {
    names.insert(workplace.name());
  }
  EXPECT_FALSE(names.contains("Kantinen ved Søen")) << "the refused row created its workplace";
  EXPECT_TRUE(names.contains("Nyt Køkken"));
}

// On a port where no service listens the CLI says which address it tried and what to check.
TEST_F(CliImportTest, AWrongPortSaysWhereItTriedAndWhatToCheck) {
  tenant_ = "holstebro-port";
  auto path = shared_->redis.dir() / "port.csv";
  {
    std::ofstream csv(path);
    csv << kSmallHeader << SmallRow("Lotte Lind", "lotte@holstebro.dk", "Køkkenet", "off-1");
  }
  const ipraktik::testing::ReservedPorts unused;  // nothing listens there
  const std::string nowhere = absl::StrCat("127.0.0.1:", unused.first());
  std::string output;
  EXPECT_EQ(RunCli({"import", "--server", nowhere, "--round", "rnd-1", path.string()}, output), 3);
  EXPECT_THAT(output, HasSubstr("could not reach the service at " + nowhere));
  EXPECT_THAT(output, HasSubstr("make run"));
}

}  // namespace
}  // namespace ipraktik::registration::testing
