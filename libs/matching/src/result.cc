#include "ipraktik/matching/result.h"

namespace ipraktik::matching {

std::string_view ReasonCode(UnmatchedReason reason) {
  switch (reason) {
    case UnmatchedReason::kNoValidWish:
      return "no_valid_wish";
    case UnmatchedReason::kNoCapacity:
      return "no_capacity";
    case UnmatchedReason::kAllWishedHostsFull:
      return "all_wished_hosts_full";
  }
  return "unknown";
}

std::string_view ReasonText(UnmatchedReason reason) {
  switch (reason) {
    case UnmatchedReason::kNoValidWish:
      return "no valid wish left after the dropped wishes";
    case UnmatchedReason::kNoCapacity:
      return "every wished host has capacity 0";
    case UnmatchedReason::kAllWishedHostsFull:
      return "all wished hosts are full";
  }
  return "unknown";
}

std::string_view ReasonCode(DropReason reason) {
  switch (reason) {
    case DropReason::kUnknownHost:
      return "unknown_host";
    case DropReason::kDuplicateWish:
      return "duplicate_wish";
    case DropReason::kOwnOrganization:
      return "own_organization";
    case DropReason::kForbidden:
      return "forbidden";
  }
  return "unknown";
}

std::string_view ReasonText(DropReason reason) {
  switch (reason) {
    case DropReason::kUnknownHost:
      return "unknown host";
    case DropReason::kDuplicateWish:
      return "host already wished for at a better or equal rank";
    case DropReason::kOwnOrganization:
      return "own organization";
    case DropReason::kForbidden:
      return "forbidden by a coordinator";
  }
  return "unknown";
}

std::string_view ReasonCode(PinRefusal reason) {
  switch (reason) {
    case PinRefusal::kUnknownIntern:
      return "unknown_intern";
    case PinRefusal::kUnknownHost:
      return "unknown_host";
    case PinRefusal::kPinnedTwice:
      return "pinned_twice";
    case PinRefusal::kNotWished:
      return "not_wished";
    case PinRefusal::kOwnOrganization:
      return "own_organization";
    case PinRefusal::kForbidden:
      return "forbidden";
    case PinRefusal::kHostFull:
      return "host_full";
  }
  return "unknown";
}

std::string_view ReasonText(PinRefusal reason) {
  switch (reason) {
    case PinRefusal::kUnknownIntern:
      return "unknown intern";
    case PinRefusal::kUnknownHost:
      return "unknown host";
    case PinRefusal::kPinnedTwice:
      return "the intern is already pinned to another host";
    case PinRefusal::kNotWished:
      return "the intern did not wish for this host";
    case PinRefusal::kOwnOrganization:
      return "own organization";
    case PinRefusal::kForbidden:
      return "the pair is forbidden";
    case PinRefusal::kHostFull:
      return "earlier pins already fill the host";
  }
  return "unknown";
}

}  // namespace ipraktik::matching
