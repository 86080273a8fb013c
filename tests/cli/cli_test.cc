// The coordinator CLI's parts without a server: the CSV reader (quotes, line breaks in fields,
// BOM, the delimiter a Danish spreadsheet uses), the sign-up columns in English and Danish, the
// problems of a row named by line and field, option parsing and the subcommand dispatch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "args.h"
#include "command.h"
#include "connection.h"
#include "csv.h"
#include "demo_data.h"
#include "encoding.h"
#include "progress.h"
#include "sign_up_csv.h"

namespace ipraktik::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  while (true) {
    auto record = reader.Next();
    EXPECT_TRUE(record.ok()) << record.status();
    if (!record.ok() || !record->has_value()) break;
    records.push_back(**record);
  }
  return records;
}

TEST(CsvReaderTest, ReadsQuotesLineBreaksAndKeepsLineNumbers) {
  auto records = ReadAll(
      "\xEF\xBB\xBFnavn;formål\r\n"
      "Lotte;\"Se et andet køkken;\r\nog \"\"lære\"\"\"\r\n"
      "\r\n"
      "Henrik;Post-its\r\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("navn", "formål"));
  EXPECT_EQ(records[1].line, 2);
  EXPECT_THAT(records[1].fields, ElementsAre("Lotte", "Se et andet køkken;\nog \"lære\""));
  EXPECT_EQ(records[2].line, 5);
  EXPECT_THAT(records[2].fields, ElementsAre("Henrik", "Post-its"));
}

TEST(CsvReaderTest, DetectsTheDelimiterAndRefusesAnOpenQuote) {
  std::istringstream commas("a,b,c\n1,2,3\n");
  CsvReader reader(commas);
  ASSERT_TRUE(reader.Next().ok());
  EXPECT_EQ(reader.delimiter(), ',');
  std::istringstream open("a,b\n\"1,2\n");
  CsvReader broken(open);
  ASSERT_TRUE(broken.Next().ok());
  auto record = broken.Next();
  EXPECT_FALSE(record.ok());
  EXPECT_EQ(broken.record_line(), 2);
  EXPECT_THAT(record.status().message(), HasSubstr("never closed"));
}

// An unclosed quote costs its own row only: the error names the line the quote opened on, and
// the rows after it are read as rows of their own, not swallowed into the field.
TEST(CsvReaderTest, AnUnclosedQuoteNamesItsLineAndTheRowsAfterItAreStillRead) {
  std::istringstream in("navn;formål\nLotte;\"åben\nHenrik;Post-its\nMaja;Kaffe\n");
  CsvReader reader(in);
  ASSERT_TRUE(reader.Next().ok());
  auto broken = reader.Next();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(reader.record_line(), 2);
  std::vector<CsvRecord> after;
  while (true) {
    auto record = reader.Next();
    ASSERT_TRUE(record.ok()) << record.status();
    if (!record->has_value()) break;
    after.push_back(**record);
  }
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].line, 3);
  EXPECT_THAT(after[0].fields, ElementsAre("Henrik", "Post-its"));
  EXPECT_EQ(after[1].line, 4);
  EXPECT_THAT(after[1].fields, ElementsAre("Maja", "Kaffe"));
}

// A file that is not UTF-8 is refused up front, naming the encoding and where it shows; asked
// to, the CLI reads it as Windows-1252 (ISO-8859-1) and converts it.
TEST(EncodingTest, RefusesLatin1NamingItAndConvertsItWhenAsked) {
  const std::string latin1 = "navn;by\nS\xF8ren;Kge\nAnna;\x80 5\n";
  auto refused = ToUtf8(latin1, SourceEncoding::kUtf8, "tilmeldinger.csv");
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("tilmeldinger.csv is not UTF-8: line 2"));
  EXPECT_THAT(refused.status().message(), HasSubstr("0xF8 (\"ø\" in ISO-8859-1/Windows-1252"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--encoding windows-1252"));
  auto converted = ToUtf8(latin1, SourceEncoding::kWindows1252, "tilmeldinger.csv");
  ASSERT_TRUE(converted.ok());
  EXPECT_EQ(*converted, "navn;by\nSøren;Kge\nAnna;€ 5\n");
  EXPECT_EQ(*ToUtf8("navn\nSøren\n", SourceEncoding::kUtf8, "x.csv"), "navn\nSøren\n");
  auto utf16 = ToUtf8(std::string("\xFF\xFEn\0a\0", 6), SourceEncoding::kUtf8, "x.csv");
  EXPECT_THAT(utf16.status().message(), HasSubstr("UTF-16"));
  // Overlong forms and surrogates are not UTF-8 either (protobuf would refuse them).
  EXPECT_FALSE(ToUtf8("\xC0\xAF", SourceEncoding::kUtf8, "x.csv").ok());
  EXPECT_FALSE(ToUtf8("\xED\xA0\x80", SourceEncoding::kUtf8, "x.csv").ok());
  EXPECT_EQ(ParseEncoding("Latin1"), SourceEncoding::kWindows1252);
  EXPECT_EQ(ParseEncoding("ISO-8859-1"), SourceEncoding::kWindows1252);
  EXPECT_EQ(ParseEncoding("UTF-8"), SourceEncoding::kUtf8);
  EXPECT_EQ(ParseEncoding("ebcdic"), std::nullopt);
}

// A service the CLI cannot reach is said as such: the address tried and what to check, not a
// raw gRPC error; any other refusal lists its fields.
TEST(RefusalTest, AnUnreachableServiceSaysWhereItTriedAndWhatToCheck) {
  std::ostringstream err;
  PrintRefusal(err, "ipraktik match status",
               absl::UnavailableError("failed to connect to all addresses; last error: "
                                      "UNKNOWN: ipv4:127.0.0.1:7999: Connection refused"),
               {.server = "127.0.0.1:7999", .tls = false});
  EXPECT_THAT(err.str(), HasSubstr("could not reach the service at 127.0.0.1:7999"));
  EXPECT_THAT(err.str(), HasSubstr("make run"));
  EXPECT_THAT(err.str(), HasSubstr("--server HOST:PORT"));
  EXPECT_THAT(err.str(), HasSubstr("a TLS server needs --tls-ca"));
  std::ostringstream tls;
  PrintRefusal(tls, "ipraktik keys list",
               absl::UnavailableError("failed to connect to all addresses; last error: "
                                      "handshake failed"),
               {.server = "svc:443", .tls = true});
  EXPECT_THAT(tls.str(), HasSubstr("this call used TLS"));
  std::ostringstream refused;
  PrintRefusal(refused, "ipraktik match pin", absl::NotFoundError("round rnd-1 not found"),
               {.server = "svc:443", .tls = true});
  EXPECT_EQ(refused.str(), "ipraktik match pin: NOT_FOUND: round rnd-1 not found\n");
  // A service that answered UNAVAILABLE (its store away for a moment) is quoted as it said it.
  std::ostringstream busy;
  PrintRefusal(busy, "ipraktik import", absl::UnavailableError("Redis is unavailable: retry"),
               {.server = "svc:443", .tls = true});
  EXPECT_EQ(busy.str(), "ipraktik import: UNAVAILABLE: Redis is unavailable: retry\n");
}

CsvRecord Header(std::vector<std::string> fields) {
  return {.line = 1, .fields = std::move(fields)};
}

const std::vector<std::string> kDanishHeader = {
    "Navn",   "E-mail", "Stilling", "Samtykke", "Arbejdsplads", "Sektor",     "Region", "Kommune",
    "Formål", "Dage",   "Ønske 1",  "Ønske 2",  "Leder e-mail", "Leder navn", "Sprog"};

TEST(SignUpCsvTest, MapsADanishFormExportToImportRows) {
  auto csv = SignUpCsv::FromHeader(Header(kDanishHeader));
  ASSERT_TRUE(csv.ok()) << csv.status();
  std::vector<RowProblem> problems;
  auto row = csv->ToRow(
      {.line = 2,
       .fields = {"Lotte Lind", "lotte.lind@holstebro.dk", "Økonomisk konsulent", "Ja",
                  "Holstebro Kommune", "kommunal", "Midtjylland", "Holstebro",
                  "Dele gode løsninger på tværs", "07-09-2026; 2026-09-08", "off-123",
                  "fagområde=køkken & region=Midtjylland", "chef@holstebro.dk", "Chef", "en"}},
      problems);
  ASSERT_TRUE(row.has_value());
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_EQ(row->line(), 2);
  EXPECT_EQ(row->participant().name(), "Lotte Lind");
  EXPECT_TRUE(row->participant().consent());
  EXPECT_EQ(row->participant().language(), v1::LANGUAGE_ENGLISH);
  EXPECT_EQ(row->workplace().sector(), v1::SECTOR_MUNICIPAL);
  EXPECT_EQ(row->workplace().municipality(), "Holstebro");
  ASSERT_EQ(row->application().available_days_size(), 2);
  EXPECT_EQ(row->application().available_days(0).day(), 7);
  EXPECT_EQ(row->application().available_days(0).month(), 9);
  ASSERT_EQ(row->application().wishes_size(), 2);
  EXPECT_EQ(row->application().wishes(0).host_offer_id(), "off-123");
  EXPECT_EQ(row->application().wishes(1).criteria().field(), "køkken");
  EXPECT_EQ(row->application().wishes(1).criteria().region(), "Midtjylland");
  EXPECT_EQ(row->application().manager().email(), "chef@holstebro.dk");
}

TEST(SignUpCsvTest, NamesTheWrongFieldsOfARowByLine) {
  auto csv = SignUpCsv::FromHeader(Header(kDanishHeader));
  ASSERT_TRUE(csv.ok());
  std::vector<RowProblem> problems;
  auto row = csv->ToRow({.line = 9,
                         .fields = {"X", "x@y.dk", "X", "måske", "X", "kommunalt", "X", "X", "X",
                                    "2026-13-01", "sektor=kongelig", "", "", "", "fransk"}},
                        problems);
  EXPECT_FALSE(row.has_value());
  std::vector<std::string> fields;
  for (const auto& problem : problems) {
    EXPECT_EQ(problem.line, 9);
    fields.push_back(problem.field);
  }
  EXPECT_THAT(fields, ElementsAre("participant.consent", "workplace.sector",
                                  "application.available_days[0]", "participant.language",
                                  "application.wishes[0]"));
  std::vector<RowProblem> short_row;
  EXPECT_FALSE(csv->ToRow({.line = 3, .fields = {"only", "two"}}, short_row).has_value());
  EXPECT_THAT(short_row.at(0).description, HasSubstr("has 2 fields, the header 15"));
}

TEST(SignUpCsvTest, RefusesAHeaderWithUnknownRepeatedOrMissingColumns) {
  auto csv = SignUpCsv::FromHeader(Header({"name", "email", "shoe size", "email"}));
  ASSERT_FALSE(csv.ok());
  EXPECT_THAT(csv.status().message(), HasSubstr("\"shoe size\" is not a sign-up field"));
  EXPECT_THAT(csv.status().message(), HasSubstr("\"email\" repeats another column"));
  EXPECT_THAT(csv.status().message(), HasSubstr("\"purpose\" is missing"));
  EXPECT_THAT(csv.status().message(), HasSubstr("\"wish_1\" is missing"));
}

TEST(ArgsTest, ParsesValuesFlagsAndPositionalArguments) {
  std::vector<std::string_view> raw = {"--tenant", "holstebro", "--round=rnd-1", "--dry-run",
                                       "file.csv"};
  auto args = Args::Parse(raw, {{"tenant"}, {"round"}, {"dry-run", false}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(args->Value("tenant"), "holstebro");
  EXPECT_EQ(args->Value("round"), "rnd-1");
  EXPECT_TRUE(args->Flag("dry-run"));
  EXPECT_THAT(args->positional(), ElementsAre("file.csv"));
  std::vector<std::string_view> typo = {"--tennant", "x"};
  EXPECT_THAT(Args::Parse(typo, {{"tenant"}}).status().message(), HasSubstr("--tennant"));
  std::vector<std::string_view> missing = {"--tenant"};
  EXPECT_THAT(Args::Parse(missing, {{"tenant"}}).status().message(), HasSubstr("needs a value"));
}

TEST(DispatchTest, RunsTheNamedCommandAndExplainsUnknownOnes) {
  std::ostringstream out;
  std::ostringstream err;
  config::Environment environment({});
  CommandIo io{.out = out, .err = err, .environment = environment};
  std::vector<std::string_view> unknown = {"frobnicate"};
  EXPECT_EQ(Dispatch(unknown, io), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(err.str(), HasSubstr("import"));
  std::vector<std::string_view> help = {"import", "--help"};
  EXPECT_EQ(Dispatch(help, io), kExitOk);
  EXPECT_THAT(out.str(), HasSubstr("usage: ipraktik import"));
  std::vector<std::string_view> incomplete = {"import", "file.csv"};
  EXPECT_EQ(Dispatch(incomplete, io), kExitUsage);
  EXPECT_THAT(err.str(), HasSubstr("missing --key (or IPRAKTIK_API_KEY), --round"));
}

}  // namespace
}  // namespace ipraktik::cli

namespace ipraktik::cli {
namespace {

TEST(ProgressTest, StaysQuietForShortRunsAndThenReportsRowsAndShare) {
  Progress::Clock::time_point now{};
  auto clock = [&now] { return now; };
  std::ostringstream log;
  Progress to_log(log, /*terminal=*/false, "rows sent", 1000, clock);
  to_log.Update(10, 100);
  EXPECT_EQ(log.str(), "");  // the first second is quiet
  now += std::chrono::milliseconds(1500);
  to_log.Update(200, 250);
  EXPECT_EQ(log.str(), "200 rows sent (25%)\n");
  now += std::chrono::seconds(1);
  to_log.Update(300, 300);  // a log gets a line every few seconds only
  now += std::chrono::seconds(5);
  to_log.Update(900, 1000);
  EXPECT_EQ(log.str(), "200 rows sent (25%)\n900 rows sent (100%)\n");

  std::ostringstream terminal;
  Progress redrawn(terminal, /*terminal=*/true, "rows sent", 0, clock);
  now += std::chrono::seconds(2);
  redrawn.Update(5, 0);
  now += std::chrono::seconds(1);
  redrawn.Update(7, 0);
  redrawn.Done();
  EXPECT_EQ(terminal.str(), "\r5 rows sent\r7 rows sent\n");
}

}  // namespace
}  // namespace ipraktik::cli

namespace ipraktik::cli {
namespace {

std::chrono::sys_days Day(int y, unsigned m, unsigned d) {
  return std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
}

TEST(DemoWeeksTest, HolidayWeeksAreChristmasTheSchoolHolidaysAndWeeksWithAPublicHoliday) {
  using demo::IsHolidayWeek;
  EXPECT_TRUE(IsHolidayWeek(Day(2026, 12, 21)));  // Christmas, week 52
  EXPECT_TRUE(IsHolidayWeek(Day(2026, 12, 28)));  // week 53
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 1, 4)));    // New Year, week 1
  EXPECT_FALSE(IsHolidayWeek(Day(2027, 1, 11)));
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 2, 15)));  // winter holidays, week 7
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 3, 22)));  // Easter 2027 is 28 March: Maundy Thursday
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 3, 29)));  // Easter Monday
  EXPECT_FALSE(IsHolidayWeek(Day(2027, 4, 5)));
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 5, 3)));    // Ascension Day, 6 May
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 5, 17)));   // Whit Monday
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 7, 12)));   // summer, week 28
  EXPECT_TRUE(IsHolidayWeek(Day(2027, 10, 18)));  // autumn, week 42
  EXPECT_EQ(demo::WorkingWeekFrom(Day(2026, 12, 19)), Day(2027, 1, 11));
}

TEST(DemoWeeksTest, EveryDemoRoundLiesInAWorkingWeekAheadWhateverTheDay) {
  for (std::chrono::sys_days today = Day(2026, 1, 1); today < Day(2029, 1, 1);
       today += std::chrono::days(5)) {
    const std::chrono::year_month_day ymd(today);
    v1::Date date;
    date.set_year(static_cast<int>(ymd.year()));
    date.set_month(static_cast<int>(static_cast<unsigned>(ymd.month())));
    date.set_day(static_cast<int>(static_cast<unsigned>(ymd.day())));
    const demo::Demo made = demo::MakeDemo(2015, date);
    for (const auto& programme : made.programmes) {
      for (const auto& round : programme.rounds) {
        const auto& start = round.round.window_start();
        const auto first = Day(start.year(), start.month(), start.day());
        const auto monday =
            first - std::chrono::days(std::chrono::weekday(first).iso_encoding() - 1);
        EXPECT_FALSE(demo::IsHolidayWeek(monday))
            << round.round.name() << " made on " << date.ShortDebugString();
        EXPECT_GT(first, today + std::chrono::days(7)) << round.round.name();
      }
    }
  }
}

}  // namespace
}  // namespace ipraktik::cli
