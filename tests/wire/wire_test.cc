// libs/wire against protobuf itself: appended fields are the bytes protobuf writes, and a walk
// finds the fields protobuf wrote.
#include "ipraktik/wire/wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::wire {
namespace {

v1::VisitingIntern Visitor() {
  v1::VisitingIntern visitor;
  visitor.mutable_intern()->set_participant_id("par-1");
  visitor.mutable_intern()->set_name("Kirsten Holm");
  visitor.set_purpose(std::string(200, 'x'));  // a length of two bytes
  visitor.add_days()->set_year(2026);
  visitor.set_placement_id("rnd-1/par-1");
  return visitor;
}

TEST(WireTest, AppendedFieldsAreWhatProtobufWrites) {
  const v1::VisitingIntern visitor = Visitor();
  std::string appended;
  AppendField(appended, v1::VisitingIntern::kInternFieldNumber, visitor.intern());
  AppendField(appended, v1::VisitingIntern::kPurposeFieldNumber, visitor.purpose());
  AppendField(appended, v1::VisitingIntern::kDaysFieldNumber, visitor.days(0).SerializeAsString());
  AppendField(appended, v1::VisitingIntern::kPlacementIdFieldNumber, visitor.placement_id());
  EXPECT_EQ(appended, visitor.SerializeAsString());

  // A varint field, negative numbers sign-extended to ten bytes as protobuf writes an int32.
  v1::InternPlaced placed;
  placed.set_rank(-1);
  std::string varint;
  AppendTag(varint, v1::InternPlaced::kRankFieldNumber, WireType::kVarint);
  AppendVarint(varint, static_cast<std::uint64_t>(std::int64_t{-1}));
  EXPECT_EQ(varint, placed.SerializeAsString());
  EXPECT_EQ(varint.size(), 11u);
}

TEST(WireTest, AWalkFindsEachFieldAsWrittenAndRefusesBrokenBytes) {
  const std::string bytes = Visitor().SerializeAsString();
  std::vector<int> numbers;
  std::string whole;
  std::string purpose;
  ASSERT_TRUE(ForEachField(bytes, [&](const Field& field) {
    numbers.push_back(field.number);
    whole.append(field.whole);
    if (field.number == v1::VisitingIntern::kPurposeFieldNumber) purpose = field.value;
  }));
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(whole, bytes);
  EXPECT_EQ(purpose, std::string(200, 'x'));
  // Cut short inside a field, or a length past the end: not a message.
  EXPECT_FALSE(ForEachField(bytes.substr(0, bytes.size() - 1), [](const Field&) {}));
  EXPECT_FALSE(ForEachField(std::string("\x12\x7f", 2), [](const Field&) {}));
}

}  // namespace
}  // namespace ipraktik::wire
