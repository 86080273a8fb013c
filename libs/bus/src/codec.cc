#include "codec.h"

#include <charconv>
#include <initializer_list>

namespace ipraktik::bus::internal {
namespace {

std::optional<std::string> FieldText(const amqp_field_value_t& value) {
  switch (value.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
      return ToString(value.value.bytes);
    case AMQP_FIELD_KIND_BOOLEAN:
      return value.value.boolean ? "true" : "false";
    case AMQP_FIELD_KIND_I8:
      return std::to_string(value.value.i8);
    case AMQP_FIELD_KIND_U8:
      return std::to_string(value.value.u8);
    case AMQP_FIELD_KIND_I16:
      return std::to_string(value.value.i16);
    case AMQP_FIELD_KIND_U16:
      return std::to_string(value.value.u16);
    case AMQP_FIELD_KIND_I32:
      return std::to_string(value.value.i32);
    case AMQP_FIELD_KIND_U32:
      return std::to_string(value.value.u32);
    case AMQP_FIELD_KIND_I64:
      return std::to_string(value.value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP:
      return std::to_string(value.value.u64);
    default:
      return std::nullopt;
  }
}

std::int64_t ToInt(const std::optional<std::string>& text, std::int64_t fallback) {
  if (!text) return fallback;
  std::int64_t value = fallback;
  auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  return error == std::errc() && end == text->data() + text->size() ? value : fallback;
}

std::string PropertyText(const amqp_basic_properties_t& properties, amqp_flags_t flag,
                         amqp_bytes_t value) {
  return (properties._flags & flag) != 0 ? ToString(value) : std::string();
}

bool IsReplacedOnRepublish(std::string_view key) {
  for (std::string_view bus_header :
       {kAttemptHeader, kRetryReasonHeader, kDeathReasonHeader, kAttemptsHeader,
        kOriginalRoutingKeyHeader, kOriginalExchangeHeader, kDeadLetteredFromHeader}) {
    if (key == bus_header) return true;
  }
  return key.starts_with("x-death") || key.starts_with("x-first-death-") ||
         key.starts_with("x-last-death-") || key == "x-delivery-count";
}

}  // namespace

amqp_basic_properties_t PropertiesFor(const Message& message, TableBuilder& headers) {
  amqp_basic_properties_t properties{};
  properties._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
  properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  properties.content_type =
      amqp_bytes_t{message.content_type.size(), const_cast<char*>(message.content_type.data())};
  auto set = [&](amqp_flags_t flag, amqp_bytes_t& field, const std::string& value) {
    if (value.empty()) return;
    properties._flags |= flag;
    field = amqp_bytes_t{value.size(), const_cast<char*>(value.data())};
  };
  set(AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id, message.message_id);
  set(AMQP_BASIC_TYPE_FLAG, properties.type, message.type);
  set(AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id, message.correlation_id);
  if (!message.headers.empty()) {
    for (const auto& [key, value] : message.headers) headers.AddString(key, value);
    properties._flags |= AMQP_BASIC_HEADERS_FLAG;
    properties.headers = headers.Table();
  }
  return properties;
}

std::optional<std::string> HeaderText(const amqp_table_t& headers, std::string_view key) {
  for (int i = 0; i < headers.num_entries; ++i) {
    const amqp_table_entry_t& entry = headers.entries[i];
    if (ToString(entry.key) == key) return FieldText(entry.value);
  }
  return std::nullopt;
}

Delivery ToDelivery(std::string queue, std::string routing_key, std::string exchange,
                    bool redelivered, const OwnedMessage& message) {
  const amqp_basic_properties_t& properties = message.properties();
  Delivery delivery;
  delivery.queue = std::move(queue);
  delivery.routing_key = std::move(routing_key);
  delivery.exchange = std::move(exchange);
  delivery.body = ToString(message.body());
  delivery.redelivered = redelivered;
  delivery.content_type =
      PropertyText(properties, AMQP_BASIC_CONTENT_TYPE_FLAG, properties.content_type);
  delivery.message_id = PropertyText(properties, AMQP_BASIC_MESSAGE_ID_FLAG, properties.message_id);
  delivery.type = PropertyText(properties, AMQP_BASIC_TYPE_FLAG, properties.type);
  delivery.correlation_id =
      PropertyText(properties, AMQP_BASIC_CORRELATION_ID_FLAG, properties.correlation_id);
  if ((properties._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
    const amqp_table_t& headers = properties.headers;
    for (int i = 0; i < headers.num_entries; ++i) {
      if (auto text = FieldText(headers.entries[i].value)) {
        delivery.headers.emplace(ToString(headers.entries[i].key), *std::move(text));
      }
    }
    if (auto key = HeaderText(headers, kOriginalRoutingKeyHeader)) delivery.routing_key = *key;
    if (auto exchange_name = HeaderText(headers, kOriginalExchangeHeader)) {
      delivery.exchange = *exchange_name;
    }
    delivery.attempt = static_cast<int>(ToInt(HeaderText(headers, kAttemptHeader), 1));
    delivery.delivery_count = ToInt(HeaderText(headers, "x-delivery-count"), 0);
  }
  return delivery;
}

amqp_basic_properties_t RepublishProperties(const amqp_basic_properties_t& original,
                                            TableBuilder& extra) {
  amqp_basic_properties_t properties = original;
  if ((original._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
    for (int i = 0; i < original.headers.num_entries; ++i) {
      const amqp_table_entry_t& entry = original.headers.entries[i];
      if (!IsReplacedOnRepublish(ToString(entry.key))) extra.AddEntry(entry);
    }
  }
  properties._flags |= AMQP_BASIC_HEADERS_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
  properties.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  properties.headers = extra.Table();
  return properties;
}

}  // namespace ipraktik::bus::internal
