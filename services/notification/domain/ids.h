#pragma once

// Stable identities: the same event, recipient and kind always give the same message id, which
// is what makes "one e-mail per person per event" checkable in the store, and the same
// Message-ID header, so that a mail client can recognise a copy.

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/model.h"

namespace ipraktik::notification {

// What makes a message one message.
struct MessageKey {
  std::string tenant;
  std::string event_id;
  MessageKind kind = MessageKind::kInternPlaced;
  // The participant id, or the address when the participant has none.
  std::string recipient;
  // Tells apart two messages of one kind to one person from one event (a host losing two
  // interns gets one cancellation per placement); usually empty.
  std::string subject;
};

// 32 lower-case hex digits (a SHA-256 prefix of the key's parts).
std::string MessageIdFor(const MessageKey& key);

// The Message-ID header value (without angle brackets): the message id, the resend number
// (0 for the first sending) and the sender's domain.
std::string Rfc822MessageId(std::string_view message_id, int resend, std::string_view domain);

// A name-based UUID (version 5 layout over SHA-256, RFC 9562 section 5.8 style) of name, so that
// an event derived from the same facts gets the same envelope id wherever it is published.
std::string NameBasedUuid(std::string_view name);

}  // namespace ipraktik::notification
