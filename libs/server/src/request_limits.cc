#include "ipraktik/server/request_limits.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model/page.h"
#include "ipraktik/v1/limits.pb.h"

namespace ipraktik::server {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::size_t MaxBytesOf(const FieldDescriptor& field) {
  int declared = field.options().GetExtension(v1::max_bytes);
  return declared > 0 ? static_cast<std::size_t>(declared) : kDefaultMaxBytes;
}

int MaxItemsOf(const FieldDescriptor& field) {
  int declared = field.options().GetExtension(v1::max_items);
  return declared > 0 ? declared : kDefaultMaxItems;
}

class LimitsChecker {
 public:
  void Check(const Message& message, const errors::FieldPath& path) {
    const Reflection& reflection = *message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection.ListFields(message, &fields);  // only the fields that are set
    for (const FieldDescriptor* field : fields) {
      errors::FieldPath field_path = path.Field(field->name());
      if (field->is_repeated()) {
        int size = reflection.FieldSize(message, field);
        if (size > MaxItemsOf(*field)) {
          violations_.Add(field_path,
                          absl::StrCat("has ", size, " elements; at most ", MaxItemsOf(*field)));
          continue;  // its elements are not worth reading
        }
        for (int i = 0; i < size; ++i) CheckElement(message, *field, field_path.Index(i), i);
      } else {
        CheckElement(message, *field, field_path, -1);
      }
    }
  }

  errors::Violations& violations() { return violations_; }

 private:
  // One value of field (element index of a repeated field, -1 for a singular one).
  void CheckElement(const Message& message, const FieldDescriptor& field,
                    const errors::FieldPath& path, int index) {
    const Reflection& reflection = *message.GetReflection();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& value =
            index < 0 ? reflection.GetStringReference(message, &field, &scratch)
                      : reflection.GetRepeatedStringReference(message, &field, index, &scratch);
        if (value.size() > MaxBytesOf(field)) {
          violations_.Add(
              path, absl::StrCat("has ", value.size(), " bytes; at most ", MaxBytesOf(field)));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        int number = index < 0 ? reflection.GetEnumValue(message, &field)
                               : reflection.GetRepeatedEnumValue(message, &field, index);
        if (field.enum_type()->FindValueByNumber(number) == nullptr) {
          violations_.Add(
              path, absl::StrCat(number, " is not a value of ", field.enum_type()->full_name()));
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_INT32:
        if (index < 0 && field.name() == "page_size") {
          int page_size = reflection.GetInt32(message, &field);
          if (!model::IsValidPageSize(page_size)) {
            violations_.Add(path, absl::StrCat("must be between 0 and ", model::kMaxPageSize,
                                               " (0: ", model::kDefaultPageSize, ")"));
          }
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        Check(index < 0 ? reflection.GetMessage(message, &field)
                        : reflection.GetRepeatedMessage(message, &field, index),
              path);
        break;
      default:
        break;
    }
  }

  errors::Violations violations_;
};

}  // namespace

absl::Status CheckRequestLimits(const Message& request) {
  LimitsChecker checker;
  checker.Check(request, errors::FieldPath());
  return checker.violations().ToStatus("the request breaks a limit");
}

}  // namespace ipraktik::server
