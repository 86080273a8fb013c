// The values every service shares: dates as the API writes them, sectors by name, languages by
// code.
#include <gtest/gtest.h>

#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"
#include "ipraktik/model/sector.h"

namespace ipraktik::model {
namespace {

Date D(std::string_view text) { return ParseDate(text).value(); }

TEST(DateTest, ParsesAndFormatsIsoDays) {
  EXPECT_EQ(D("2026-09-07"),
            Date(std::chrono::year(2026), std::chrono::September, std::chrono::day(7)));
  EXPECT_EQ(FormatDate(D("2026-09-07")), "2026-09-07");
  EXPECT_EQ(FormatDate(D("0999-01-02")), "0999-01-02");
  EXPECT_EQ(D("2028-02-29"), AddDays(D("2028-02-28"), 1));
}

TEST(DateTest, RefusesWhatIsNoDay) {
  for (std::string_view text : {"2026-02-30", "2027-02-29", "2026-13-01", "2026-00-10", "2026-9-7",
                                "2026-09-07T10:00", "07-09-2026", "2026/09/07", "+026-09-07", ""}) {
    EXPECT_EQ(ParseDate(text), std::nullopt) << text;
  }
  EXPECT_FALSE(Date{}.ok());
}

TEST(DateTest, AddsAndCountsDaysAcrossMonthsAndYears) {
  EXPECT_EQ(AddDays(D("2026-12-31"), 1), D("2027-01-01"));
  EXPECT_EQ(AddDays(D("2026-03-01"), -1), D("2026-02-28"));
  EXPECT_EQ(AddDays(D("2026-09-07"), 0), D("2026-09-07"));
  EXPECT_EQ(DaysBetween(D("2026-09-07"), D("2026-09-11")), 4);
  EXPECT_EQ(DaysBetween(D("2026-09-11"), D("2026-09-07")), -4);
  EXPECT_EQ(DaysBetween(D("2026-12-31"), D("2027-01-01")), 1);
  EXPECT_EQ(DaysBetweenInclusive(D("2026-09-07"), D("2026-09-11")), 5);
  EXPECT_EQ(DaysBetweenInclusive(D("2026-09-07"), D("2026-09-07")), 1);
}

TEST(SectorTest, NamesRoundTrip) {
  for (Sector sector : {Sector::kMunicipal, Sector::kRegional, Sector::kState, Sector::kPrivate}) {
    EXPECT_EQ(ParseSector(SectorName(sector)), sector) << SectorName(sector);
  }
  EXPECT_EQ(SectorName(Sector::kState), "state");
  EXPECT_EQ(SectorName(Sector::kUnspecified), "unspecified");
  EXPECT_EQ(ParseSector("unspecified"), std::nullopt);
  EXPECT_EQ(ParseSector("State"), std::nullopt);
}

TEST(LanguageTest, CodesAreDanishUnlessEnglish) {
  EXPECT_STREQ(LanguageCode(Language::kDanish), "da");
  EXPECT_STREQ(LanguageCode(Language::kEnglish), "en");
}

}  // namespace
}  // namespace ipraktik::model
