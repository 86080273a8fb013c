// libs/wire against protobuf itself: appended fields are the bytes protobuf writes, and a walk
// finds the fields protobuf wrote.
#include "ipraktik/wire/wire.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "google/protobuf/empty.pb.h"
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

TEST(WireTest, AReaderTakesEveryWireTypeAsProtobufDoesAndRefusesWhatItRefuses) {
  // A field of each wire type, as unknown fields of a message that has none of them: varint
  // (a ten-byte one), fixed64, a length-delimited value, a group holding a varint, fixed32.
  std::string bytes;
  AppendTag(bytes, 1, WireType::kVarint);
  AppendVarint(bytes, ~std::uint64_t{0});
  AppendTag(bytes, 2, WireType::kFixed64);
  bytes.append(8, '\x01');
  AppendField(bytes, 3, std::string(300, 'x'));
  bytes.append("\x23\x08\x05\x24", 4);      // group 4 { field 1: 5 }
  bytes.append("\x2d\x01\x02\x03\x04", 5);  // field 5, fixed32
  EXPECT_TRUE(google::protobuf::Empty().ParseFromString(bytes)) << "protobuf reads it";
  FieldReader reader(bytes);
  std::vector<int> numbers;
  std::string whole;
  std::string_view value;
  for (Field field; reader.Next(field);) {
    numbers.push_back(field.number);
    whole.append(field.whole);
    if (field.number == 3) value = field.value;
  }
  EXPECT_TRUE(reader.valid());
  EXPECT_EQ(numbers, (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(whole, bytes);
  EXPECT_EQ(value, std::string(300, 'x'));

  // What protobuf refuses, the reader refuses.
  for (const std::string& broken :
       {std::string("\x08", 1),                                               // a varint cut short
        std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),  // eleven bytes
        std::string("\x11\x01\x02", 3),                                       // a fixed64 cut short
        std::string("\x23\x08\x05", 3),                                       // a group never ended
        std::string("\x23\x08\x05\x2c", 4),  // a group ended with another number
        std::string("\x24", 1),              // an end of group outside one
        std::string("\x0e\x00", 2),          // wire type 6
        std::string("\x00\x00", 2)}) {       // field number 0
    EXPECT_FALSE(google::protobuf::Empty().ParseFromString(broken)) << "protobuf refuses it";
    FieldReader refused(broken);
    Field field;
    while (refused.Next(field)) {
    }
    EXPECT_FALSE(refused.valid());
    EXPECT_FALSE(ForEachField(broken, [](const Field&) {}));
  }
  // Random bytes and valid messages damaged at random: read as protobuf reads them.
  std::mt19937 random(20261206);
  const std::string valid = Visitor().SerializeAsString() + bytes;
  int protobuf_read = 0;
  for (int i = 0; i < 50'000; ++i) {
    std::string sample;
    if (i % 2 == 0) {
      const std::size_t size = random() % 12;
      for (std::size_t k = 0; k < size; ++k) {
        // Mostly bytes that make tags and short values, now and then any byte.
        static constexpr char kCommon[] =
            "\x08\x0a\x10\x11\x1b\x1c\x23\x24\x2d\x00\x01\x02\x80\xff";
        sample.push_back(random() % 4 == 0 ? static_cast<char>(random())
                                           : kCommon[random() % (sizeof(kCommon) - 1)]);
      }
    } else {
      sample = valid.substr(0, random() % (valid.size() + 1));
      for (int k = random() % 3; k > 0 && !sample.empty(); --k) {
        sample[random() % sample.size()] = static_cast<char>(random());
      }
    }
    const bool parsed = google::protobuf::Empty().ParseFromString(sample);
    protobuf_read += parsed ? 1 : 0;
    EXPECT_EQ(ForEachField(sample, [](const Field&) {}), parsed) << testing::PrintToString(sample);
  }
  EXPECT_GT(protobuf_read, 1000) << "the samples include messages protobuf reads";
  EXPECT_LT(protobuf_read, 49'000) << "and bytes it refuses";

  FieldReader empty("");
  Field field;
  EXPECT_FALSE(empty.Next(field));
  EXPECT_TRUE(empty.valid()) << "no bytes are an empty message";
}

}  // namespace
}  // namespace ipraktik::wire
