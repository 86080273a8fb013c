// Reading rounds (and results, for --verify) with simdjson's On-Demand API: one forward pass over
// the text without building a DOM, which keeps a million-intern round to a fraction of a second.
// Every value is looked at, including fields we do not use, so any text that is not JSON is
// refused.

#include <simdjson.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "ipraktik/matching/json.h"
#include "src/json_input.h"
#include "src/text.h"

namespace ipraktik::matching {
namespace {

namespace od = simdjson::ondemand;

// Objects with more fields than this check repeated keys with a hash set.
constexpr std::size_t kFewFields = 16;

// Bounds recursion in fields we skip; simdjson itself refuses deeper documents.
constexpr int kMaxSkipDepth = 256;

std::string JsonProblem(simdjson::error_code error) {
  return Cat("not valid JSON or not of the expected type (", simdjson::error_message(error), ")");
}

// Looks at every part of a value we do not use, so that broken JSON there is still refused.
simdjson::error_code SkipValue(od::value value, int depth) {
  if (depth > kMaxSkipDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto field_result : object) {
        od::field field;
        if (auto error = std::move(field_result).get(field)) return error;
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (auto error = SkipValue(field.value(), depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element_result : array) {
        od::value element;
        if (auto error = std::move(element_result).get(element)) return error;
        if (auto error = SkipValue(element, depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      return value.get_string().get(text);
    }
    case od::json_type::number: {
      od::number number;
      return value.get_number().get(number);
    }
    case od::json_type::boolean: {
      bool flag;
      return value.get_bool().get(flag);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

// Where an error is: "hosts[3] (id "h-4")", with the id once it has been read.
class Place {
 public:
  Place(std::string_view kind, std::size_t index) : kind_(kind), index_(index) {}
  explicit Place(std::string_view name) : kind_(name) {}
  void set_id(std::string_view id) { id_ = id; }
  std::string Name() const { return index_ ? RecordName(kind_, *index_, id_) : std::string(kind_); }
  // field: a name (quoted here), or a path that is already quoted such as "wishes"[2][0].
  absl::Status Error(std::string_view field, std::string_view problem) const {
    if (field.empty()) return absl::InvalidArgumentError(Cat(Name(), ": ", problem));
    if (field.front() == '"') {
      return absl::InvalidArgumentError(Cat(Name(), ": field ", field, ": ", problem));
    }
    return absl::InvalidArgumentError(Cat(Name(), ": field \"", field, "\": ", problem));
  }
  absl::Status Error(std::string_view field, simdjson::error_code error) const {
    return Error(field, JsonProblem(error));
  }

 private:
  std::string kind_;
  std::optional<std::size_t> index_;
  std::string id_;
};

// Calls on_field(key, value) for each field of an object; refuses a key given twice, which would
// otherwise be read as whichever copy comes first.
template <typename OnField>
absl::Status ForEachField(od::value value, const Place& place, OnField&& on_field) {
  od::object object;
  if (auto error = value.get_object().get(object)) {
    return place.Error("", Cat("expected an object; ", JsonProblem(error)));
  }
  // Unescaped keys live in the parser's string buffer until the next document, so views suffice.
  absl::InlinedVector<std::string_view, 8> seen;
  absl::flat_hash_set<std::string_view> many_seen;  // only for objects with many fields
  for (auto field_result : object) {
    od::field field;
    if (auto error = std::move(field_result).get(field)) return place.Error("", error);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return place.Error("", error);
    bool repeated = false;
    if (many_seen.empty() && seen.size() < kFewFields) {
      for (std::string_view earlier : seen) repeated = repeated || earlier == key;
      seen.push_back(key);
    } else {
      if (many_seen.empty()) many_seen.insert(seen.begin(), seen.end());
      repeated = !many_seen.insert(key).second;
    }
    if (repeated) {
      return place.Error("", Cat("field ", QuoteForMessage(key), " given more than once"));
    }
    if (auto status = on_field(key, field.value()); !status.ok()) return status;
  }
  return absl::OkStatus();
}

// With `count`, first counts the elements (one quick structural pass) so the caller can reserve.
template <typename OnElement>
absl::Status ForEachElement(od::value value, const Place& place, std::string_view field,
                            OnElement&& on_element, std::size_t* count = nullptr) {
  od::array array;
  if (auto error = value.get_array().get(array)) {
    return place.Error(field, Cat("expected an array; ", JsonProblem(error)));
  }
  if (count != nullptr) {
    if (auto error = array.count_elements().get(*count)) return place.Error(field, error);
  }
  std::size_t index = 0;
  for (auto element_result : array) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) return place.Error(field, error);
    if (auto status = on_element(index, element); !status.ok()) return status;
    ++index;
  }
  return absl::OkStatus();
}

absl::Status ReadString(od::value value, const Place& place, std::string_view field,
                        std::string& out) {
  std::string_view text;
  if (auto error = value.get_string().get(text)) {
    return place.Error(field, Cat("expected a string; ", JsonProblem(error)));
  }
  out.assign(text);
  return absl::OkStatus();
}

absl::Status ReadInt(od::value value, const Place& place, std::string_view field,
                     std::int64_t& out) {
  if (auto error = value.get_int64().get(out)) {
    return place.Error(field, Cat("expected an integer; ", JsonProblem(error)));
  }
  return absl::OkStatus();
}

absl::Status ReadBool(od::value value, const Place& place, std::string_view field, bool& out) {
  if (auto error = value.get_bool().get(out)) {
    return place.Error(field, Cat("expected true or false; ", JsonProblem(error)));
  }
  return absl::OkStatus();
}

absl::Status ReadDouble(od::value value, const Place& place, std::string_view field, double& out) {
  if (auto error = value.get_double().get(out)) {
    return place.Error(field, Cat("expected a number; ", JsonProblem(error)));
  }
  return absl::OkStatus();
}

absl::Status ReadSector(od::value value, const Place& place, Sector& out) {
  std::string name;
  if (auto status = ReadString(value, place, "sector", name); !status.ok()) return status;
  std::optional<Sector> sector = ParseSector(name);
  if (!sector) {
    return place.Error("sector", Cat("unknown sector ", QuoteForMessage(name),
                                     " (expected municipal, regional, state or private)"));
  }
  out = *sector;
  return absl::OkStatus();
}

absl::Status Skip(od::value value, const Place& place, std::string_view field) {
  if (auto error = SkipValue(value, 0)) return place.Error(field, error);
  return absl::OkStatus();
}

absl::Status Missing(const Place& place, std::string_view field) {
  return place.Error(field, "missing");
}

// Reads an object whose `required` fields must all be there; on_field returns nullopt for a key
// it does not know, which is then skipped.
template <typename OnField>
absl::Status ReadRecord(od::value value, const Place& place,
                        std::initializer_list<std::string_view> required, OnField&& on_field) {
  std::uint32_t present = 0;  // one bit per required field
  auto status = ForEachField(value, place, [&](std::string_view key, od::value field) {
    for (std::size_t r = 0; r < required.size(); ++r) {
      if (required.begin()[r] == key) present |= 1u << r;
    }
    std::optional<absl::Status> handled = on_field(key, field);
    return handled ? *std::move(handled) : Skip(field, place, key);
  });
  if (!status.ok()) return status;
  for (std::size_t r = 0; r < required.size(); ++r) {
    if (!(present & 1u << r)) return Missing(place, required.begin()[r]);
  }
  return absl::OkStatus();
}

// The fields hosts and interns share.
template <typename Party>
std::optional<absl::Status> ReadPartyField(std::string_view key, od::value field, Place& place,
                                           Party& party) {
  if (key == "id") {
    auto read = ReadString(field, place, key, party.id);
    place.set_id(party.id);
    return read;
  }
  if (key == "organization") return ReadString(field, place, key, party.organization);
  if (key == "sector") return ReadSector(field, place, party.sector);
  if (key == "region") return ReadString(field, place, key, party.region);
  return std::nullopt;
}

absl::Status ReadHost(od::value value, std::size_t index, Host& host) {
  Place place("hosts", index);
  return ReadRecord(value, place, {"id", "organization", "sector", "capacity"},
                    [&](std::string_view key, od::value field) -> std::optional<absl::Status> {
                      if (auto shared = ReadPartyField(key, field, place, host)) return shared;
                      if (key == "capacity") return ReadInt(field, place, key, host.capacity);
                      return std::nullopt;
                    });
}

// Entry r of "wishes" (1-based) is a host id or a list of host ids; every host in it has rank r.
absl::Status ReadWishes(od::value value, const Place& place, std::vector<Wish>& scratch,
                        std::vector<Wish>& wishes) {
  scratch.clear();
  auto status = ForEachElement(value, place, "wishes", [&](std::size_t index, od::value entry) {
    auto rank = static_cast<std::uint32_t>(index + 1);
    std::string where = Cat("\"wishes\"[", index, "]");
    od::json_type type;
    if (auto error = entry.type().get(type)) return place.Error(where, error);
    if (type == od::json_type::string) {
      std::string_view host;
      if (auto error = entry.get_string().get(host)) return place.Error(where, error);
      scratch.push_back(Wish{std::string(host), rank});
      return absl::OkStatus();
    }
    if (type != od::json_type::array) {
      return place.Error(where, "expected a host id or a list of host ids");
    }
    return ForEachElement(entry, place, where, [&](std::size_t member, od::value item) {
      std::string_view host;
      if (auto error = item.get_string().get(host)) {
        return place.Error(Cat(where, "[", member, "]"),
                           Cat("expected a host id; ", JsonProblem(error)));
      }
      scratch.push_back(Wish{std::string(host), rank});
      return absl::OkStatus();
    });
  });
  if (!status.ok()) return status;
  wishes.assign(std::make_move_iterator(scratch.begin()), std::make_move_iterator(scratch.end()));
  return absl::OkStatus();
}

absl::Status ReadIntern(od::value value, std::size_t index, std::vector<Wish>& scratch,
                        Intern& intern) {
  Place place("interns", index);
  return ReadRecord(value, place, {"id", "organization", "sector", "wishes"},
                    [&](std::string_view key, od::value field) -> std::optional<absl::Status> {
                      if (auto shared = ReadPartyField(key, field, place, intern)) return shared;
                      if (key == "wishes") return ReadWishes(field, place, scratch, intern.wishes);
                      return std::nullopt;
                    });
}

absl::Status ReadPair(od::value value, std::string_view kind, std::size_t index, Pair& pair) {
  Place place(kind, index);
  return ReadRecord(value, place, {"intern", "host"},
                    [&](std::string_view key, od::value field) -> std::optional<absl::Status> {
                      if (key == "intern") return ReadString(field, place, key, pair.intern);
                      if (key == "host") return ReadString(field, place, key, pair.host);
                      return std::nullopt;
                    });
}

// Parses the one JSON value of a document (named in messages: "input" or "result") with read_root
// and refuses anything after it.
template <typename ReadRoot>
absl::Status ReadDocument(const PaddedText& text, std::string_view name, ReadRoot&& read_root) {
  // JSON has no byte-order mark (RFC 8259 section 8.1), and a BOM would otherwise be reported as
  // a puzzling "not JSON" at byte 0.
  if (text.view().starts_with("\xEF\xBB\xBF")) {
    return absl::InvalidArgumentError(
        Cat(name,
            ": starts with a UTF-8 byte-order mark (bytes EF BB BF), which JSON does not "
            "allow; save the file as UTF-8 without a byte-order mark"));
  }
  od::parser parser;
  od::document document;
  if (auto error = parser.iterate(text.view()).get(document)) {
    return absl::InvalidArgumentError(Cat(name, ": ", JsonProblem(error)));
  }
  od::value root;
  if (auto error = document.get_value().get(root)) {
    return absl::InvalidArgumentError(
        Cat(name, ": expected a JSON object at the top level; ", JsonProblem(error)));
  }
  if (auto status = read_root(root); !status.ok()) return status;
  const char* rest = nullptr;
  if (document.current_location().get(rest) == simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        Cat(name, ": unexpected text after the JSON value at byte ", rest - text.data()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Instance> ReadInstance(const PaddedText& text) {
  Instance instance;
  Place place("input");
  std::vector<Wish> scratch;
  bool has_round = false, has_hosts = false, has_interns = false;
  auto status = ReadDocument(text, "input", [&](od::value root) {
    return ForEachField(root, place, [&](std::string_view key, od::value field) {
      if (key == "round") {
        has_round = true;
        return ReadString(field, place, key, instance.round);
      }
      std::size_t count = 0;
      if (key == "hosts") {
        has_hosts = true;
        return ForEachElement(
            field, place, key,
            [&](std::size_t index, od::value host) {
              if (index == 0) instance.hosts.reserve(count);
              return ReadHost(host, index, instance.hosts.emplace_back());
            },
            &count);
      }
      if (key == "interns") {
        has_interns = true;
        return ForEachElement(
            field, place, key,
            [&](std::size_t index, od::value intern) {
              if (index == 0) instance.interns.reserve(count);
              return ReadIntern(intern, index, scratch, instance.interns.emplace_back());
            },
            &count);
      }
      if (key == "pinned" || key == "forbidden") {
        auto& pairs = key == "pinned" ? instance.pinned : instance.forbidden;
        return ForEachElement(field, place, key, [&](std::size_t index, od::value pair) {
          return ReadPair(pair, key, index, pairs.emplace_back());
        });
      }
      return Skip(field, place, key);
    });
  });
  if (!status.ok()) return status;
  if (!has_round) return Missing(place, "round");
  if (!has_hosts) return Missing(place, "hosts");
  if (!has_interns) return Missing(place, "interns");
  if (auto valid = Validate(instance); !valid.ok()) return valid;
  return instance;
}

absl::StatusOr<Instance> ReadInstanceJson(std::string_view json) {
  return ReadInstance(PaddedText::Copy(json));
}

// --- results (what WriteResultJson writes) ---------------------------------------------------

namespace {

template <typename Enum, std::size_t N>
absl::Status ReadCode(od::value value, const Place& place, const Enum (&all)[N], Enum& out) {
  std::string code;
  if (auto status = ReadString(value, place, "code", code); !status.ok()) return status;
  for (Enum candidate : all) {
    if (ReasonCode(candidate) == code) {
      out = candidate;
      return absl::OkStatus();
    }
  }
  return place.Error("code", Cat("unknown code ", QuoteForMessage(code)));
}

constexpr UnmatchedReason kUnmatchedReasons[] = {UnmatchedReason::kNoValidWish,
                                                 UnmatchedReason::kNoCapacity,
                                                 UnmatchedReason::kAllWishedHostsFull};
constexpr DropReason kDropReasons[] = {DropReason::kUnknownHost, DropReason::kDuplicateWish,
                                       DropReason::kOwnOrganization, DropReason::kForbidden};
constexpr PinRefusal kPinRefusals[] = {PinRefusal::kUnknownIntern,   PinRefusal::kUnknownHost,
                                       PinRefusal::kPinnedTwice,     PinRefusal::kNotWished,
                                       PinRefusal::kOwnOrganization, PinRefusal::kForbidden,
                                       PinRefusal::kHostFull};

absl::Status ReadRank(od::value value, const Place& place, std::uint32_t& rank) {
  std::int64_t number = 0;
  if (auto status = ReadInt(value, place, "rank", number); !status.ok()) return status;
  if (number < 0 || number > UINT32_MAX) return place.Error("rank", "out of range");
  rank = static_cast<std::uint32_t>(number);
  return absl::OkStatus();
}

absl::Status ReadAssignment(od::value value, std::size_t index, Assignment& out) {
  Place place("assignments", index);
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "intern") return ReadString(field, place, key, out.intern);
    if (key == "host") return ReadString(field, place, key, out.host);
    if (key == "rank") return ReadRank(field, place, out.rank);
    if (key == "cross_sector") return ReadBool(field, place, key, out.cross_sector);
    if (key == "pinned") return ReadBool(field, place, key, out.pinned);
    return Skip(field, place, key);
  });
}

absl::Status ReadWishedHostLoad(od::value value, const Place& outer, WishedHostLoad& out) {
  Place place(Cat(outer.Name(), ": hosts"));
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "host") return ReadString(field, place, key, out.host);
    if (key == "capacity") return ReadInt(field, place, key, out.capacity);
    if (key == "wished_by") return ReadInt(field, place, key, out.wished_by);
    return Skip(field, place, key);
  });
}

absl::Status ReadUnmatched(od::value value, std::size_t index, UnmatchedIntern& out) {
  Place place("unmatched", index);
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "intern") return ReadString(field, place, key, out.intern);
    if (key == "code") return ReadCode(field, place, kUnmatchedReasons, out.reason);
    if (key == "hosts") {
      return ForEachElement(field, place, key, [&](std::size_t, od::value host) {
        return ReadWishedHostLoad(host, place, out.hosts.emplace_back());
      });
    }
    return Skip(field, place, key);
  });
}

absl::Status ReadDropped(od::value value, std::size_t index, DroppedWish& out) {
  Place place("dropped_wishes", index);
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "intern") return ReadString(field, place, key, out.intern);
    if (key == "host") return ReadString(field, place, key, out.host);
    if (key == "rank") return ReadRank(field, place, out.rank);
    if (key == "code") return ReadCode(field, place, kDropReasons, out.reason);
    return Skip(field, place, key);
  });
}

absl::Status ReadRefusedPin(od::value value, std::size_t index, RefusedPin& out) {
  Place place("refused_pins", index);
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "intern") return ReadString(field, place, key, out.intern);
    if (key == "host") return ReadString(field, place, key, out.host);
    if (key == "code") return ReadCode(field, place, kPinRefusals, out.reason);
    return Skip(field, place, key);
  });
}

absl::Status ReadDemand(od::value value, std::size_t index, HostDemand& out) {
  Place place("demand", index);
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "host") return ReadString(field, place, key, out.host);
    if (key == "wished_by") return ReadInt(field, place, key, out.wished_by);
    if (key == "capacity") return ReadInt(field, place, key, out.capacity);
    return Skip(field, place, key);
  });
}

absl::Status ReadSummary(od::value value, Summary& out) {
  Place place("summary");
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "interns") return ReadInt(field, place, key, out.interns);
    if (key == "hosts") return ReadInt(field, place, key, out.hosts);
    if (key == "matched") return ReadInt(field, place, key, out.matched);
    if (key == "pinned") return ReadInt(field, place, key, out.pinned);
    if (key == "total_rank") return ReadInt(field, place, key, out.total_rank);
    if (key == "cross_sector") return ReadInt(field, place, key, out.cross_sector);
    if (key == "solve_ms") return ReadDouble(field, place, key, out.solve_ms);
    if (key == "by_rank") {
      return ForEachElement(field, place, key, [&](std::size_t, od::value count) {
        return ReadInt(count, place, "by_rank", out.by_rank.emplace_back());
      });
    }
    return Skip(field, place, key);
  });
}

absl::Status ReadCertificate(od::value value, Certificate& out) {
  Place place("certificate");
  return ForEachField(value, place, [&](std::string_view key, od::value field) {
    if (key == "scale") return ReadInt(field, place, key, out.scale);
    if (key == "threshold") return ReadInt(field, place, key, out.threshold);
    if (key == "hosts") {
      return ForEachElement(field, place, key, [&](std::size_t index, od::value host) {
        Place host_place("certificate.hosts", index);
        HostPrice& price = out.hosts.emplace_back();
        return ForEachField(host, host_place, [&](std::string_view host_key, od::value item) {
          if (host_key == "host") return ReadString(item, host_place, host_key, price.host);
          if (host_key == "price") return ReadInt(item, host_place, host_key, price.price);
          if (host_key == "cover") return ReadBool(item, host_place, host_key, price.cover);
          return Skip(item, host_place, host_key);
        });
      });
    }
    return Skip(field, place, key);
  });
}

}  // namespace

absl::StatusOr<Result> ReadResult(const PaddedText& text) {
  Result result;
  Place place("result");
  auto status = ReadDocument(text, "result", [&](od::value root) {
    return ForEachField(root, place, [&](std::string_view key, od::value field) {
      if (key == "round") return ReadString(field, place, key, result.round);
      if (key == "assignments") {
        return ForEachElement(field, place, key, [&](std::size_t index, od::value item) {
          return ReadAssignment(item, index, result.assignments.emplace_back());
        });
      }
      if (key == "unmatched") {
        return ForEachElement(field, place, key, [&](std::size_t index, od::value item) {
          return ReadUnmatched(item, index, result.unmatched.emplace_back());
        });
      }
      if (key == "dropped_wishes") {
        return ForEachElement(field, place, key, [&](std::size_t index, od::value item) {
          return ReadDropped(item, index, result.dropped_wishes.emplace_back());
        });
      }
      if (key == "refused_pins") {
        return ForEachElement(field, place, key, [&](std::size_t index, od::value item) {
          return ReadRefusedPin(item, index, result.refused_pins.emplace_back());
        });
      }
      if (key == "demand") {
        return ForEachElement(field, place, key, [&](std::size_t index, od::value item) {
          return ReadDemand(item, index, result.demand.emplace_back());
        });
      }
      if (key == "summary") return ReadSummary(field, result.summary);
      if (key == "certificate") return ReadCertificate(field, result.certificate);
      return Skip(field, place, key);
    });
  });
  if (!status.ok()) return status;
  return result;
}

absl::StatusOr<Result> ReadResultJson(std::string_view json) {
  return ReadResult(PaddedText::Copy(json));
}

}  // namespace ipraktik::matching
