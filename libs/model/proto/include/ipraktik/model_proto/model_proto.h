#pragma once

// The one mapping of the shared values (libs/model) to and from the API's messages
// (proto/ipraktik/v1/common.proto and the evaluation role). Every service and the CLI map them
// here; their own messages they map themselves.

#include <vector>

#include "google/protobuf/repeated_ptr_field.h"
#include "ipraktik/model/date.h"
#include "ipraktik/model/language.h"
#include "ipraktik/model/role.h"
#include "ipraktik/model/sector.h"
#include "ipraktik/v1/common.pb.h"
#include "ipraktik/v1/evaluation_events.pb.h"

namespace ipraktik::model {

// An all-zero message is an unset date (Date{}); one out of range becomes a date that is never
// ok(), so validation names it rather than a different day being used.
Date FromProto(const v1::Date& date);
v1::Date ToProto(Date date);
std::vector<Date> FromProto(const google::protobuf::RepeatedPtrField<v1::Date>& dates);
void ToProto(const std::vector<Date>& dates, google::protobuf::RepeatedPtrField<v1::Date>* out);

// An enum number no value declares never arrives in a request: the call shell refuses it, naming
// the field and the number (libs/server request_limits.h). From other sources (events, stored
// records) it maps as noted.
Sector FromProto(v1::Sector sector);  // an unknown number: unspecified
v1::Sector ToProto(Sector sector);

Language FromProto(v1::Language language);  // unset or unknown: Danish
v1::Language ToProto(Language language);

Role FromProto(v1::EvaluationRole role);  // an unknown number: unspecified
v1::EvaluationRole ToProto(Role role);

}  // namespace ipraktik::model
