#include "ipraktik/records/records.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ipraktik/wire/wire.h"

namespace ipraktik::records {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr std::string_view kDate = "ipraktik.v1.Date";
constexpr std::string_view kTimestamp = "google.protobuf.Timestamp";

enum class Conversion { kNone, kSame, kEnumName, kDateNumber, kTimeMicros, kNested };

// How an API field and the record field of the same name convert.
Conversion Between(const FieldDescriptor& api, const FieldDescriptor& record) {
  if (api.is_repeated() != record.is_repeated() || api.is_map() || record.is_map()) {
    return Conversion::kNone;
  }
  const auto api_type = api.cpp_type();
  const auto record_type = record.cpp_type();
  if (api_type == FieldDescriptor::CPPTYPE_ENUM) {
    if (record_type == FieldDescriptor::CPPTYPE_STRING) return Conversion::kEnumName;
    return record.enum_type() == api.enum_type() ? Conversion::kSame : Conversion::kNone;
  }
  if (api_type != FieldDescriptor::CPPTYPE_MESSAGE) {
    return api_type == record_type ? Conversion::kSame : Conversion::kNone;
  }
  const std::string& api_message = api.message_type()->full_name();
  if (api_message == kDate && record_type == FieldDescriptor::CPPTYPE_INT32) {
    return Conversion::kDateNumber;
  }
  if (api_message == kTimestamp && record_type == FieldDescriptor::CPPTYPE_INT64) {
    return Conversion::kTimeMicros;
  }
  if (record_type != FieldDescriptor::CPPTYPE_MESSAGE) return Conversion::kNone;
  return record.message_type() == api.message_type() ? Conversion::kSame : Conversion::kNested;
}

// "ROUND_STATE_" for RoundState: its zero value is ROUND_STATE_UNSPECIFIED (buf lint's rule).
absl::string_view EnumPrefix(const EnumDescriptor& type) {
  return absl::StripSuffix(type.value(0)->name(), "UNSPECIFIED");
}

// One element of a field: index -1 stands for a singular field.
struct Element {
  const Message& message;
  // The message's, looked up once per message: GetReflection() is a virtual call and a check
  // that the descriptors are built, each time.
  const Reflection& reflection;
  const FieldDescriptor& field;
  int index;

  std::int32_t Int32() const {
    return index < 0 ? reflection.GetInt32(message, &field)
                     : reflection.GetRepeatedInt32(message, &field, index);
  }
  std::int64_t Int64() const {
    return index < 0 ? reflection.GetInt64(message, &field)
                     : reflection.GetRepeatedInt64(message, &field, index);
  }
  const std::string& String(std::string& scratch) const {
    return index < 0 ? reflection.GetStringReference(message, &field, &scratch)
                     : reflection.GetRepeatedStringReference(message, &field, index, &scratch);
  }
  int EnumValue() const {
    return index < 0 ? reflection.GetEnumValue(message, &field)
                     : reflection.GetRepeatedEnumValue(message, &field, index);
  }
  bool Bool() const {
    return index < 0 ? reflection.GetBool(message, &field)
                     : reflection.GetRepeatedBool(message, &field, index);
  }
  double Double() const {
    return index < 0 ? reflection.GetDouble(message, &field)
                     : reflection.GetRepeatedDouble(message, &field, index);
  }
  const Message& Nested() const {
    return index < 0 ? reflection.GetMessage(message, &field)
                     : reflection.GetRepeatedMessage(message, &field, index);
  }
};

// Where an element goes: set on a singular field, appended to a repeated one.
struct Target {
  Message& message;
  const FieldDescriptor& field;

  const Reflection& reflection() const { return *message.GetReflection(); }
  bool repeated() const { return field.is_repeated(); }
  void Int32(std::int32_t value) const {
    repeated() ? reflection().AddInt32(&message, &field, value)
               : reflection().SetInt32(&message, &field, value);
  }
  void Int64(std::int64_t value) const {
    repeated() ? reflection().AddInt64(&message, &field, value)
               : reflection().SetInt64(&message, &field, value);
  }
  void String(const std::string& value) const {
    repeated() ? reflection().AddString(&message, &field, value)
               : reflection().SetString(&message, &field, value);
  }
  void EnumValue(int value) const {
    repeated() ? reflection().AddEnumValue(&message, &field, value)
               : reflection().SetEnumValue(&message, &field, value);
  }
  void Bool(bool value) const {
    repeated() ? reflection().AddBool(&message, &field, value)
               : reflection().SetBool(&message, &field, value);
  }
  void Double(double value) const {
    repeated() ? reflection().AddDouble(&message, &field, value)
               : reflection().SetDouble(&message, &field, value);
  }
  Message& Nested() const {
    return repeated() ? *reflection().AddMessage(&message, &field)
                      : *reflection().MutableMessage(&message, &field);
  }
};

// The same type on both sides: the element as it is.
void CopySame(const Element& from, const Target& to) {
  switch (from.field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return to.Int32(from.Int32());
    case FieldDescriptor::CPPTYPE_INT64:
      return to.Int64(from.Int64());
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      return to.String(from.String(scratch));
    }
    case FieldDescriptor::CPPTYPE_ENUM:
      return to.EnumValue(from.EnumValue());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return to.Nested().CopyFrom(from.Nested());
    case FieldDescriptor::CPPTYPE_BOOL:
      return to.Bool(from.Bool());
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return to.Double(from.Double());
    default:
      return;  // unsigned and float fields: none in our protos (CheckCounterparts refuses them)
  }
}

bool Supported(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return false;
    default:
      return true;
  }
}

}  // namespace

struct Mapping::Step {
  const FieldDescriptor* api = nullptr;
  const FieldDescriptor* record = nullptr;
  Conversion conversion = Conversion::kNone;
  std::unique_ptr<Mapping> nested;                 // kNested
  std::vector<std::pair<int, std::string>> names;  // kEnumName: number -> stored name
  // kDateNumber: the Date's year, month, day; kTimeMicros: the Timestamp's seconds, nanos.
  std::array<const FieldDescriptor*, 3> parts{};
};

namespace {

// Calls convert(step, element, target) for every element present in `from` of every step, after
// copying what has the same type on both sides itself. `from` is the API message when storing
// (from_is_api), the record when loading.
template <typename Convert>
absl::Status ForEachElement(const std::vector<Mapping::Step>& steps, const Message& from,
                            Message& to, bool from_is_api, Convert convert) {
  const Reflection& reflection = *from.GetReflection();
  for (const Mapping::Step& step : steps) {
    const FieldDescriptor& source = from_is_api ? *step.api : *step.record;
    const Target target{to, from_is_api ? *step.record : *step.api};
    const int count = source.is_repeated()                 ? reflection.FieldSize(from, &source)
                      : reflection.HasField(from, &source) ? 1
                                                           : 0;
    for (int i = 0; i < count; ++i) {
      const Element element{from, reflection, source, source.is_repeated() ? i : -1};
      if (step.conversion == Conversion::kSame) {
        CopySame(element, target);
      } else if (absl::Status status = convert(step, element, target); !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

std::int64_t Get(const Message& message, const FieldDescriptor* field) {
  const Reflection& reflection = *message.GetReflection();
  return field->cpp_type() == FieldDescriptor::CPPTYPE_INT64 ? reflection.GetInt64(message, field)
                                                             : reflection.GetInt32(message, field);
}

void Set(Message& message, const FieldDescriptor* field, std::int64_t value) {
  const Reflection& reflection = *message.GetReflection();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    reflection.SetInt64(&message, field, value);
  } else {
    reflection.SetInt32(&message, field, static_cast<std::int32_t>(value));
  }
}

// The record field types StoredBytes writes itself: all our records use (others are written by
// building the record, as Store does).
bool WrittenDirectly(FieldDescriptor::Type type) {
  switch (type) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_BOOL:
    case FieldDescriptor::TYPE_ENUM:
    case FieldDescriptor::TYPE_DOUBLE:
    case FieldDescriptor::TYPE_STRING:
    case FieldDescriptor::TYPE_BYTES:
    case FieldDescriptor::TYPE_MESSAGE:
      return true;
    default:
      return false;
  }
}

// A number as the record stores it: a varint's value (int32 and enum sign-extended, as protobuf
// writes them), or a double's bits.
void AppendNumber(std::string& out, const FieldDescriptor& record, std::uint64_t value) {
  if (record.type() != FieldDescriptor::TYPE_DOUBLE) return wire::AppendVarint(out, value);
  for (int byte = 0; byte < 8; ++byte) out.push_back(static_cast<char>(value >> (8 * byte)));
}

std::uint64_t SignExtended(std::int64_t value) { return static_cast<std::uint64_t>(value); }

}  // namespace

Mapping::Mapping(const Descriptor& record, const Descriptor& api) : record_(record) {
  for (int n = 0; n < record.field_count(); ++n) {
    const FieldDescriptor& record_field = *record.field(n);
    const FieldDescriptor* api_field = api.FindFieldByName(record_field.name());
    if (api_field == nullptr) continue;
    Step step;
    step.api = api_field;
    step.record = &record_field;
    step.conversion = Between(*api_field, record_field);
    switch (step.conversion) {
      case Conversion::kNone:
        continue;
      case Conversion::kNested:
        step.nested =
            std::make_unique<Mapping>(*record_field.message_type(), *api_field->message_type());
        break;
      case Conversion::kEnumName: {
        const EnumDescriptor& type = *api_field->enum_type();
        for (int v = 0; v < type.value_count(); ++v) {
          const auto& value = *type.value(v);
          if (value.number() == 0) continue;
          step.names.emplace_back(value.number(), absl::AsciiStrToLower(absl::StripPrefix(
                                                      value.name(), EnumPrefix(type))));
        }
        break;
      }
      case Conversion::kDateNumber:
      case Conversion::kTimeMicros: {
        const Descriptor& type = *api_field->message_type();
        const bool date = step.conversion == Conversion::kDateNumber;
        step.parts = {type.FindFieldByName(date ? "year" : "seconds"),
                      type.FindFieldByName(date ? "month" : "nanos"),
                      date ? type.FindFieldByName("day") : nullptr};
        break;
      }
      case Conversion::kSame:
        break;
    }
    steps_.push_back(std::move(step));
  }
  std::sort(steps_.begin(), steps_.end(),
            [](const Step& a, const Step& b) { return a.record->number() < b.record->number(); });
  // A nested record that is not is written by its own mapping, which knows.
  written_directly_ = std::all_of(steps_.begin(), steps_.end(), [](const Step& step) {
    return WrittenDirectly(step.record->type());
  });
}

Mapping::~Mapping() = default;

void Mapping::Store(const Message& api, Message& record) const {
  record.Clear();
  (void)ForEachElement(
      steps_, api, record, /*from_is_api=*/true,
      [](const Step& step, const Element& from, const Target& to) {
        switch (step.conversion) {
          case Conversion::kEnumName: {
            const int number = from.EnumValue();
            std::string name;  // unspecified, or a number the enum does not declare
            for (const auto& [known, text] : step.names) {
              if (known == number) name = text;
            }
            to.String(name);
            break;
          }
          case Conversion::kDateNumber: {
            const Message& date = from.Nested();
            to.Int32(static_cast<std::int32_t>(Get(date, step.parts[0]) * 10000 +
                                               Get(date, step.parts[1]) * 100 +
                                               Get(date, step.parts[2])));
            break;
          }
          case Conversion::kTimeMicros: {
            const Message& time = from.Nested();
            to.Int64(Get(time, step.parts[0]) * 1'000'000 + Get(time, step.parts[1]) / 1000);
            break;
          }
          case Conversion::kNested:
            step.nested->Store(from.Nested(), to.Nested());
            break;
          default:
            break;
        }
        return absl::OkStatus();
      });
}

std::string Mapping::StoredBytes(const Message& api) const {
  std::string out;
  AppendStored(api, out);
  return out;
}

void Mapping::AppendStored(const Message& api, std::string& out) const {
  out.reserve(out.size() + 128);  // most records are short: one allocation, not four
  if (!written_directly_) {
    std::unique_ptr<Message> record(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(&record_)->New());
    Store(api, *record);
    record->AppendToString(&out);
    return;
  }
  const Reflection& reflection = *api.GetReflection();
  for (const Step& step : steps_) {
    const FieldDescriptor& source = *step.api;
    const FieldDescriptor& target = *step.record;
    // A singular field that is not a message has no presence in proto3: its value decides
    // (zero and empty are not written), so HasField, which reads it too, is not asked.
    const int count =
        source.is_repeated() ? reflection.FieldSize(api, &source)
        : source.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || reflection.HasField(api, &source)
            ? 1
            : 0;
    if (count == 0) continue;
    const int number = target.number();
    auto element = [&](int i) {
      return Element{api, reflection, source, source.is_repeated() ? i : -1};
    };

    if (target.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      for (int i = 0; i < count; ++i) {
        std::string scratch;
        std::string_view value;
        if (step.conversion == Conversion::kEnumName) {
          const int enum_number = element(i).EnumValue();
          for (const auto& [known, text] : step.names) {
            if (known == enum_number) value = text;
          }
        } else {
          value = element(i).String(scratch);
        }
        // A singular string is written unless empty; each element of a repeated one is.
        if (!target.is_repeated() && value.empty()) continue;
        wire::AppendField(out, number, value);
      }
      continue;
    }
    if (target.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // A message present in the API message is written even when empty, as the record's would.
      for (int i = 0; i < count; ++i) {
        std::string nested;
        if (step.conversion == Conversion::kNested) {
          step.nested->AppendStored(element(i).Nested(), nested);
        } else {
          element(i).Nested().AppendToString(&nested);
        }
        wire::AppendField(out, number, nested);
      }
      continue;
    }
    // A number: what Store sets, as the record's type writes it.
    auto value = [&](int i) -> std::uint64_t {
      const Element from = element(i);
      switch (step.conversion) {
        case Conversion::kDateNumber: {
          const Message& date = from.Nested();
          // An int32 field, as Store sets it.
          return SignExtended(static_cast<std::int32_t>(Get(date, step.parts[0]) * 10000 +
                                                        Get(date, step.parts[1]) * 100 +
                                                        Get(date, step.parts[2])));
        }
        case Conversion::kTimeMicros: {
          const Message& time = from.Nested();
          return SignExtended(Get(time, step.parts[0]) * 1'000'000 +
                              Get(time, step.parts[1]) / 1000);
        }
        default:
          break;
      }
      switch (target.cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          return SignExtended(from.Int32());
        case FieldDescriptor::CPPTYPE_INT64:
          return SignExtended(from.Int64());
        case FieldDescriptor::CPPTYPE_BOOL:
          return from.Bool() ? 1 : 0;
        case FieldDescriptor::CPPTYPE_ENUM:
          return SignExtended(from.EnumValue());
        case FieldDescriptor::CPPTYPE_DOUBLE:
          return std::bit_cast<std::uint64_t>(from.Double());
        default:
          return 0;  // not written directly (WrittenDirectly)
      }
    };
    const wire::WireType wire_type = target.type() == FieldDescriptor::TYPE_DOUBLE
                                         ? wire::WireType::kFixed64
                                         : wire::WireType::kVarint;
    if (target.is_packed()) {
      std::string packed;
      for (int i = 0; i < count; ++i) AppendNumber(packed, target, value(i));
      wire::AppendField(out, number, packed);
      continue;
    }
    for (int i = 0; i < count; ++i) {
      const std::uint64_t bits = value(i);
      // A singular number is written unless zero (proto3: +0.0 for a double, whose -0.0 is not).
      if (!target.is_repeated() && bits == 0) continue;
      wire::AppendTag(out, number, wire_type);
      AppendNumber(out, target, bits);
    }
  }
}

absl::Status Mapping::Load(const Message& record, Message& api) const {
  api.Clear();
  return ForEachElement(
      steps_, record, api, /*from_is_api=*/false,
      [](const Step& step, const Element& from, const Target& to) -> absl::Status {
        switch (step.conversion) {
          case Conversion::kEnumName: {
            std::string scratch;
            const std::string& name = from.String(scratch);
            if (name.empty()) return absl::OkStatus();
            for (const auto& [number, text] : step.names) {
              if (text == name) {
                to.EnumValue(number);
                return absl::OkStatus();
              }
            }
            return absl::DataLossError(absl::StrCat("a stored record names \"", name, "\", which ",
                                                    to.field.full_name(), " has no value for"));
          }
          case Conversion::kDateNumber: {
            const std::int32_t day = from.Int32();
            Message& date = to.Nested();
            Set(date, step.parts[0], day / 10000);
            Set(date, step.parts[1], day / 100 % 100);
            Set(date, step.parts[2], day % 100);
            break;
          }
          case Conversion::kTimeMicros: {
            const std::int64_t micros = from.Int64();
            Message& time = to.Nested();
            Set(time, step.parts[0], micros / 1'000'000);
            Set(time, step.parts[1], micros % 1'000'000 * 1000);
            break;
          }
          case Conversion::kNested:
            return step.nested->Load(from.Nested(), to.Nested());
          default:
            break;
        }
        return absl::OkStatus();
      });
}

absl::Status CheckCounterparts(const Descriptor& record, const Descriptor& api) {
  for (int n = 0; n < record.field_count(); ++n) {
    const FieldDescriptor& record_field = *record.field(n);
    const FieldDescriptor* api_field = api.FindFieldByName(record_field.name());
    const Conversion conversion =
        api_field == nullptr ? Conversion::kNone : Between(*api_field, record_field);
    if (conversion == Conversion::kNone || !Supported(record_field)) {
      return absl::InvalidArgumentError(
          absl::StrCat(record_field.full_name(), " has no counterpart in ", api.full_name()));
    }
    if (conversion == Conversion::kNested) {
      absl::Status nested =
          CheckCounterparts(*record_field.message_type(), *api_field->message_type());
      if (!nested.ok()) return nested;
    }
  }
  return absl::OkStatus();
}

}  // namespace ipraktik::records
