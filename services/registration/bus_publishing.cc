#include "bus_publishing.h"

#include <string>
#include <vector>

namespace ipraktik::registration {

outbox::PublishBatch PublishToBus(bus::Publisher& publisher) {
  return [&publisher](std::span<const events::Envelope> events,
                      std::span<const std::string_view> serialized) {
    std::vector<bus::Message> messages(events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      messages[i].routing_key = events[i].type();
      messages[i].type = events[i].type();
      messages[i].message_id = events[i].id();
      messages[i].correlation_id = events[i].correlation_id();
      messages[i].body = std::string(serialized[i]);
    }
    return publisher.PublishBatch(messages);
  };
}

}  // namespace ipraktik::registration
