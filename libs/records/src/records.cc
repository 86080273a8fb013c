#include "ipraktik/records/records.h"

#include <cstdint>

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

std::string EnumName(const EnumDescriptor& type, int number) {
  const auto* value = type.FindValueByNumber(number);
  if (number == 0 || value == nullptr) return "";
  return absl::AsciiStrToLower(absl::StripPrefix(value->name(), EnumPrefix(type)));
}

absl::StatusOr<int> EnumNumber(const EnumDescriptor& type, const std::string& name) {
  if (name.empty()) return 0;
  const auto* value =
      type.FindValueByName(absl::StrCat(EnumPrefix(type), absl::AsciiStrToUpper(name)));
  if (value == nullptr || value->number() == 0) {
    return absl::DataLossError(
        absl::StrCat("a stored record names \"", name, "\", which ", type.full_name(), " lacks"));
  }
  return value->number();
}

// A number field of a Date or Timestamp (int32 or int64), by name.
std::int64_t Part(const Message& message, const char* name) {
  const FieldDescriptor& field = *message.GetDescriptor()->FindFieldByName(name);
  const Reflection& reflection = *message.GetReflection();
  return field.cpp_type() == FieldDescriptor::CPPTYPE_INT64 ? reflection.GetInt64(message, &field)
                                                            : reflection.GetInt32(message, &field);
}

void SetPart(Message& message, const char* name, std::int64_t value) {
  const FieldDescriptor& field = *message.GetDescriptor()->FindFieldByName(name);
  const Reflection& reflection = *message.GetReflection();
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_INT64) {
    reflection.SetInt64(&message, &field, value);
  } else {
    reflection.SetInt32(&message, &field, static_cast<std::int32_t>(value));
  }
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
  std::string String() const {
    return index < 0 ? reflection().GetString(message, &field)
                     : reflection().GetRepeatedString(message, &field, index);
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
  void String(std::string value) const {
    repeated() ? reflection().AddString(&message, &field, std::move(value))
               : reflection().SetString(&message, &field, std::move(value));
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
    case FieldDescriptor::CPPTYPE_STRING:
      return to.String(from.String());
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

// Calls convert(element, target, conversion) for every element present in `from` of every record
// field with a counterpart in the other message (`to`), after copying what has the same type on
// both sides itself. `from` is the API message when storing (from_is_api), the record when
// loading.
template <typename Convert>
absl::Status ForEachPresent(const Message& from, Message& to, bool from_is_api, Convert convert) {
  const Descriptor& api = from_is_api ? *from.GetDescriptor() : *to.GetDescriptor();
  const Descriptor& record = from_is_api ? *to.GetDescriptor() : *from.GetDescriptor();
  const Reflection& reflection = *from.GetReflection();
  for (int n = 0; n < record.field_count(); ++n) {
    const FieldDescriptor& record_field = *record.field(n);
    const FieldDescriptor* api_field = api.FindFieldByName(record_field.name());
    if (api_field == nullptr) continue;
    const Conversion conversion = Between(*api_field, record_field);
    if (conversion == Conversion::kNone) continue;
    const FieldDescriptor& source = from_is_api ? *api_field : record_field;
    const Target target{to, from_is_api ? record_field : *api_field};
    const int count = source.is_repeated()                 ? reflection.FieldSize(from, &source)
                      : reflection.HasField(from, &source) ? 1
                                                           : 0;
    for (int i = 0; i < count; ++i) {
      const Element element{from, source, source.is_repeated() ? i : -1};
      if (conversion == Conversion::kSame) {
        CopySame(element, target);
      } else if (absl::Status status = convert(element, target, conversion); !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status StoreElement(const Element& from, const Target& to, Conversion conversion) {
  switch (conversion) {
    case Conversion::kEnumName:
      to.String(EnumName(*from.field.enum_type(), from.EnumValue()));
      break;
    case Conversion::kDateNumber: {
      const Message& date = from.Nested();
      to.Int32(static_cast<std::int32_t>(Part(date, "year") * 10000 + Part(date, "month") * 100 +
                                         Part(date, "day")));
      break;
    }
    case Conversion::kTimeMicros: {
      const Message& time = from.Nested();
      to.Int64(Part(time, "seconds") * 1'000'000 + Part(time, "nanos") / 1000);
      break;
    }
    case Conversion::kNested:
      Store(from.Nested(), to.Nested());
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::Status LoadElement(const Element& from, const Target& to, Conversion conversion) {
  switch (conversion) {
    case Conversion::kEnumName: {
      auto number = EnumNumber(*to.field.enum_type(), from.String());
      if (!number.ok()) return number.status();
      to.EnumValue(*number);
      break;
    }
    case Conversion::kDateNumber: {
      const std::int32_t day = from.Int32();
      Message& date = to.Nested();
      SetPart(date, "year", day / 10000);
      SetPart(date, "month", day / 100 % 100);
      SetPart(date, "day", day % 100);
      break;
    }
    case Conversion::kTimeMicros: {
      const std::int64_t micros = from.Int64();
      Message& time = to.Nested();
      SetPart(time, "seconds", micros / 1'000'000);
      SetPart(time, "nanos", micros % 1'000'000 * 1000);
      break;
    }
    case Conversion::kNested:
      return Load(from.Nested(), to.Nested());
    default:
      break;
  }
  return absl::OkStatus();
}

}  // namespace

void Store(const Message& api, Message& record) {
  record.Clear();
  (void)ForEachPresent(api, record, /*from_is_api=*/true, StoreElement);
}

absl::Status Load(const Message& record, Message& api) {
  api.Clear();
  return ForEachPresent(record, api, /*from_is_api=*/false, LoadElement);
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
