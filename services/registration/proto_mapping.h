#pragma once

// The API messages (proto/ipraktik/v1/registration.proto) to and from the domain's values. The
// store keeps records of its own (record_mapping.h); SetBookkeeping fills in an API message's
// etag and times from the stored record when it is read.

#include "domain/model.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/v1/common.pb.h"
#include "ipraktik/v1/registration.pb.h"
#include "registration_repository.h"

namespace google::protobuf {
class Message;
}

namespace ipraktik::registration {

namespace v1 = ::ipraktik::v1;

// Dates, sectors and languages have their one mapping in libs/model (model_proto).
using model::FromProto;
using model::ToProto;

RoundState ToDomain(v1::RoundState state);  // unspecified: draft
v1::RoundState ToProto(RoundState state);
HostOfferState ToDomain(v1::HostOfferState state);  // unspecified: draft
v1::HostOfferState ToProto(HostOfferState state);
ApprovalState ToDomain(v1::ApprovalState state);  // unspecified: not required
v1::ApprovalState ToProto(ApprovalState state);

Programme ToDomain(const v1::Programme& programme);
v1::Programme ToProto(const Programme& programme);
Round ToDomain(const v1::Round& round);
v1::Round ToProto(const Round& round);
Workplace ToDomain(const v1::Workplace& workplace);
v1::Workplace ToProto(const Workplace& workplace);
Participant ToDomain(const v1::Participant& participant);
v1::Participant ToProto(const Participant& participant);
HostOffer ToDomain(const v1::HostOffer& offer);
v1::HostOffer ToProto(const HostOffer& offer);
CriteriaWish ToDomain(const v1::CriteriaWish& criteria);
v1::CriteriaWish ToProto(const CriteriaWish& criteria);
Application ToDomain(const v1::Application& application);
v1::Application ToProto(const Application& application);

// The etag of a stored version.
std::string Etag(std::int64_t version);

// Sets etag, create_time and update_time (where the message has them) from the record.
void SetBookkeeping(const StoredRecord& record, google::protobuf::Message& message);
// Clears them, e.g. before a message is stored or compared.
void ClearBookkeeping(google::protobuf::Message& message);

}  // namespace ipraktik::registration
