#include "ipraktik/records/records.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

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
  const FieldDescriptor& field;
  int index;

  const Reflection& reflection() const { return *message.GetReflection(); }
  std::int32_t Int32() const {
    return index < 0 ? reflection().GetInt32(message, &field)
                     : reflection().GetRepeatedInt32(message, &field, index);
  }
  std::int64_t Int64() const {
    return index < 0 ? reflection().GetInt64(message, &field)
                     : reflection().GetRepeatedInt64(message, &field, index);
  }
  const std::string& String(std::string& scratch) const {
    return index < 0 ? reflection().GetStringReference(message, &field, &scratch)
                     : reflection().GetRepeatedStringReference(message, &field, index, &scratch);
  }
  int EnumValue() const {
    return index < 0 ? reflection().GetEnumValue(message, &field)
                     : reflection().GetRepeatedEnumValue(message, &field, index);
  }
  bool Bool() const {
    return index < 0 ? reflection().GetBool(message, &field)
                     : reflection().GetRepeatedBool(message, &field, index);
  }
  double Double() const {
    return index < 0 ? reflection().GetDouble(message, &field)
                     : reflection().GetRepeatedDouble(message, &field, index);
  }
  const Message& Nested() const {
    return index < 0 ? reflection().GetMessage(message, &field)
                     : reflection().GetRepeatedMessage(message, &field, index);
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
      const Element element{from, source, source.is_repeated() ? i : -1};
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

}  // namespace

Mapping::Mapping(const Descriptor& record, const Descriptor& api) {
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
