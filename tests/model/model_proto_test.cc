// The one mapping of the shared values to and from the API's messages.
#include "ipraktik/model_proto/model_proto.h"

#include <gtest/gtest.h>

namespace ipraktik::model {
namespace {

TEST(DateMappingTest, RoundTripsADay) {
  const Date day = ParseDate("2026-09-07").value();
  const v1::Date message = ToProto(day);
  EXPECT_EQ(message.year(), 2026);
  EXPECT_EQ(message.month(), 9);
  EXPECT_EQ(message.day(), 7);
  EXPECT_EQ(FromProto(message), day);
}

TEST(DateMappingTest, UnsetIsUnsetAndOutOfRangeIsNeverADay) {
  EXPECT_EQ(FromProto(v1::Date{}), Date{});
  using std::chrono::day;
  using std::chrono::month;
  using std::chrono::year;
  // ToProto copies the fields as they are, so it writes the wrong messages too.
  for (Date bad : {Date{year(2026), month(13), day(1)}, Date{year(2026), month(0), day(1)},
                   Date{year(2026), month(9), day(32)}, Date{year(-1), month(9), day(7)},
                   Date{year(10'000), month(1), day(1)}, Date{year(2026), month(2), day(30)}}) {
    const v1::Date message = ToProto(bad);
    EXPECT_FALSE(FromProto(message).ok()) << message.ShortDebugString();
  }
}

TEST(DateMappingTest, RepeatedDaysKeepTheirOrder) {
  google::protobuf::RepeatedPtrField<v1::Date> messages;
  ToProto({ParseDate("2026-09-08").value(), ParseDate("2026-09-07").value()}, &messages);
  ASSERT_EQ(messages.size(), 2);
  EXPECT_EQ(messages[0].day(), 8);
  auto days = FromProto(messages);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(FormatDate(days[1]), "2026-09-07");
}

TEST(SectorMappingTest, EverySectorRoundTripsAndUnknownIsUnspecified) {
  for (Sector sector : {Sector::kUnspecified, Sector::kMunicipal, Sector::kRegional, Sector::kState,
                        Sector::kPrivate}) {
    EXPECT_EQ(FromProto(ToProto(sector)), sector) << SectorName(sector);
  }
  EXPECT_EQ(ToProto(Sector::kPrivate), v1::SECTOR_PRIVATE);
  EXPECT_EQ(FromProto(static_cast<v1::Sector>(42)), Sector::kUnspecified);
}

TEST(LanguageMappingTest, UnsetMeansDanish) {
  EXPECT_EQ(FromProto(v1::LANGUAGE_ENGLISH), Language::kEnglish);
  EXPECT_EQ(FromProto(v1::LANGUAGE_DANISH), Language::kDanish);
  EXPECT_EQ(FromProto(v1::LANGUAGE_UNSPECIFIED), Language::kDanish);
  EXPECT_EQ(FromProto(static_cast<v1::Language>(9)), Language::kDanish);
  EXPECT_EQ(ToProto(Language::kEnglish), v1::LANGUAGE_ENGLISH);
  EXPECT_EQ(ToProto(Language::kDanish), v1::LANGUAGE_DANISH);
}

TEST(RoleMappingTest, InternHostOrUnspecified) {
  EXPECT_EQ(FromProto(v1::EVALUATION_ROLE_INTERN), Role::kIntern);
  EXPECT_EQ(FromProto(v1::EVALUATION_ROLE_HOST), Role::kHost);
  EXPECT_EQ(FromProto(v1::EVALUATION_ROLE_UNSPECIFIED), Role::kUnspecified);
}

}  // namespace
}  // namespace ipraktik::model
