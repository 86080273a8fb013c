#include "personal_data.h"

#include <memory>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "ipraktik/v1/common.pb.h"
#include "ipraktik/v1/placement_events.pb.h"

namespace ipraktik::notification {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Calls visit on every PersonCard in message, at any depth.
template <typename Visit>
void ForEachCard(Message& message, const Visit& visit) {
  if (auto* card = dynamic_cast<v1::PersonCard*>(&message)) {
    visit(*card);
    return;
  }
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        ForEachCard(*reflection->MutableRepeatedMessage(&message, field, i), visit);
      }
    } else {
      ForEachCard(*reflection->MutableMessage(&message, field), visit);
    }
  }
}

// The payload as its own generated message; nullptr for a type this build does not know.
std::unique_ptr<Message> PayloadOf(const events::Envelope& envelope) {
  const std::string& url = envelope.payload().type_url();
  const std::string name = url.substr(url.rfind('/') + 1);
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (descriptor == nullptr) return nullptr;
  std::unique_ptr<Message> payload(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!envelope.payload().UnpackTo(payload.get())) return nullptr;
  return payload;
}

// A host's lists: the erased intern leaves the list; a cancellation keeps ids and days only.
bool DropFromHostList(v1::HostInternsAssigned& list, const std::string& participant_id) {
  bool changed = false;
  auto& interns = *list.mutable_interns();
  for (int i = interns.size() - 1; i >= 0; --i) {
    if (interns[i].intern().participant_id() != participant_id) continue;
    interns.DeleteSubrange(i, 1);
    changed = true;
  }
  for (v1::VisitingIntern& visitor : *list.mutable_cancelled()) {
    if (visitor.intern().participant_id() != participant_id) continue;
    visitor.clear_purpose();
    changed = true;
  }
  return changed;
}

}  // namespace

std::set<std::string> PeopleIn(const events::Envelope& envelope) {
  std::set<std::string> people;
  std::unique_ptr<Message> payload = PayloadOf(envelope);
  if (payload == nullptr) return people;
  ForEachCard(*payload, [&people](v1::PersonCard& card) {
    if (!card.participant_id().empty()) people.insert(card.participant_id());
  });
  return people;
}

absl::StatusOr<std::optional<events::Envelope>> WithoutPerson(const events::Envelope& envelope,
                                                              const std::string& participant_id) {
  std::unique_ptr<Message> payload = PayloadOf(envelope);
  if (payload == nullptr) return std::nullopt;
  bool changed = false;
  if (auto* list = dynamic_cast<v1::HostInternsAssigned*>(payload.get())) {
    changed = DropFromHostList(*list, participant_id);
  }
  ForEachCard(*payload, [&](v1::PersonCard& card) {
    if (card.participant_id() != participant_id) return;
    v1::PersonCard forgotten;
    forgotten.set_participant_id(participant_id);
    if (card.SerializeAsString() == forgotten.SerializeAsString()) return;
    card = std::move(forgotten);
    changed = true;
  });
  if (!changed) return std::nullopt;
  events::Envelope out = envelope;
  if (!out.mutable_payload()->PackFrom(*payload)) {
    return absl::InternalError("cannot pack an event payload again");
  }
  return out;
}

}  // namespace ipraktik::notification
