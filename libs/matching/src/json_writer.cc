// Writes results with plain appends into one buffer: a million assignments are about 70 MB of
// JSON, and a DOM library would double the memory for no gain. One record per line keeps the
// files readable and diffable.

#include <charconv>
#include <cstdio>
#include <string>

#include "ipraktik/logging/logger.h"
#include "ipraktik/matching/json.h"

namespace ipraktik::matching {
namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  Writer& Raw(std::string_view text) {
    out_ += text;
    return *this;
  }
  Writer& String(std::string_view text) {
    // Ids rarely need escaping; those that do go through the shared escaper.
    for (unsigned char c : text) {
      if (c < 0x20 || c == '"' || c == '\\') {
        logging::AppendJsonString(out_, text);
        return *this;
      }
    }
    out_ += '"';
    out_ += text;
    out_ += '"';
    return *this;
  }
  Writer& Int(std::int64_t value) {
    char buffer[24];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    out_.append(buffer, end);
    return *this;
  }
  Writer& Bool(bool value) { return Raw(value ? "true" : "false"); }
  Writer& Fixed(double value, int decimals) {
    char buffer[64];
    int length = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    out_.append(buffer, static_cast<std::size_t>(length));
    return *this;
  }
  // "key": (with the comma before it unless it is the first of its object)
  Writer& Key(std::string_view key, bool first = false) {
    if (!first) out_ += ',';
    return String(key).Raw(":");
  }

  // "name": [ item, item ] with one item per line.
  template <typename T, typename WriteItem>
  Writer& Array(std::string_view name, const std::vector<T>& items, WriteItem&& write_item) {
    Raw(",\n").String(name).Raw(": [");
    for (std::size_t i = 0; i < items.size(); ++i) {
      Raw(i == 0 ? "\n  " : ",\n  ");
      write_item(items[i]);
    }
    return Raw(items.empty() ? "]" : "\n]");
  }

 private:
  std::string& out_;
};

}  // namespace

std::string WriteResultJson(const Result& result) {
  std::string out;
  out.reserve(128 + result.assignments.size() * 72 + result.unmatched.size() * 160 +
              result.dropped_wishes.size() * 96 + result.demand.size() * 64 +
              result.certificate.hosts.size() * 48);
  Writer w(out);
  w.Raw("{").String("round").Raw(": ").String(result.round);

  w.Array("assignments", result.assignments, [&](const Assignment& a) {
    w.Raw("{").Key("intern", true).String(a.intern).Key("host").String(a.host);
    w.Key("rank").Int(a.rank).Key("cross_sector").Bool(a.cross_sector);
    if (a.pinned) w.Key("pinned").Bool(true);
    w.Raw("}");
  });
  w.Array("unmatched", result.unmatched, [&](const UnmatchedIntern& u) {
    w.Raw("{").Key("intern", true).String(u.intern);
    w.Key("reason").String(ReasonText(u.reason)).Key("code").String(ReasonCode(u.reason));
    w.Key("hosts").Raw("[");
    for (std::size_t i = 0; i < u.hosts.size(); ++i) {
      const WishedHostLoad& h = u.hosts[i];
      w.Raw(i == 0 ? "{" : ",{").Key("host", true).String(h.host);
      w.Key("capacity").Int(h.capacity).Key("wished_by").Int(h.wished_by).Raw("}");
    }
    w.Raw("]}");
  });
  w.Array("dropped_wishes", result.dropped_wishes, [&](const DroppedWish& d) {
    w.Raw("{").Key("intern", true).String(d.intern).Key("host").String(d.host);
    w.Key("rank").Int(d.rank).Key("reason").String(ReasonText(d.reason));
    w.Key("code").String(ReasonCode(d.reason)).Raw("}");
  });
  w.Array("refused_pins", result.refused_pins, [&](const RefusedPin& p) {
    w.Raw("{").Key("intern", true).String(p.intern).Key("host").String(p.host);
    w.Key("reason").String(ReasonText(p.reason)).Key("code").String(ReasonCode(p.reason));
    w.Raw("}");
  });
  w.Array("demand", result.demand, [&](const HostDemand& d) {
    w.Raw("{").Key("host", true).String(d.host).Key("wished_by").Int(d.wished_by);
    w.Key("capacity").Int(d.capacity).Key("excess").Int(d.wished_by - d.capacity).Raw("}");
  });

  const Summary& s = result.summary;
  w.Raw(",\n").String("summary").Raw(": {").Key("interns", true).Int(s.interns);
  w.Key("hosts").Int(s.hosts).Key("matched").Int(s.matched).Key("pinned").Int(s.pinned);
  w.Key("total_rank").Int(s.total_rank).Key("cross_sector").Int(s.cross_sector);
  w.Key("cross_sector_share")
      .Fixed(s.matched > 0 ? static_cast<double>(s.cross_sector) / s.matched : 0.0, 6);
  w.Key("by_rank").Raw("[");
  for (std::size_t i = 0; i < s.by_rank.size(); ++i) {
    if (i > 0) w.Raw(",");
    w.Int(s.by_rank[i]);
  }
  w.Raw("]").Key("solve_ms").Fixed(s.solve_ms, 3).Raw("}");

  const Certificate& c = result.certificate;
  w.Raw(",\n")
      .String("certificate")
      .Raw(": {")
      .Key("cost", true)
      .String("rank * scale - cross_sector");
  w.Key("scale").Int(c.scale).Key("threshold").Int(c.threshold);
  w.Array("hosts", c.hosts, [&](const HostPrice& p) {
    w.Raw("{").Key("host", true).String(p.host).Key("price").Int(p.price);
    w.Key("cover").Bool(p.cover).Raw("}");
  });
  w.Raw("}\n}\n");
  return out;
}

}  // namespace ipraktik::matching
