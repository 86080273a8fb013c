#pragma once

// Turns an intern's ranked wishes into the equal-rank groups the matching engine takes: a named
// offer is a group of one, a criteria wish becomes every published offer of the round that fits
// it. Offers at the intern's own workplace and offers already wished at a better rank are left
// out; a rank left empty is dropped, and later ranks keep their numbers.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "domain/model.h"

namespace ipraktik::registration {

// What a wish can be matched against: a published offer with its workplace's sector.
struct OfferFacts {
  std::string id;
  std::string workplace_id;
  Sector sector = Sector::kUnspecified;
  std::string region;
  std::string municipality;
  std::vector<std::string> fields;  // normalized (lower case)
  std::vector<Date> days{};
};

struct RankedOffers {
  int rank = 1;
  std::vector<std::string> host_offer_ids;
  // Set for a criteria wish.
  std::optional<CriteriaWish> criteria;
};

// Whether the offer fits every criterion given (text compared without regard to case).
bool Fits(const OfferFacts& offer, const CriteriaWish& criteria);

// Expands the wishes of many applications against one round's published offers. A criteria
// wish is resolved once per distinct criteria and then reused, so a round where many interns
// wish by the same field costs one scan per field. Not thread-safe (the cache).
class WishExpander {
 public:
  explicit WishExpander(std::vector<OfferFacts> published_offers);

  std::vector<RankedOffers> Expand(const std::vector<Wish>& wishes,
                                   std::string_view intern_workplace_id) const;

  const std::vector<OfferFacts>& offers() const { return offers_; }

 private:
  using CriteriaKey = std::tuple<std::string, Sector, std::string, std::string>;
  const std::vector<std::size_t>& Fitting(const CriteriaWish& criteria) const;

  std::vector<OfferFacts> offers_;
  std::unordered_map<std::string, std::size_t> index_by_id_;
  mutable std::map<CriteriaKey, std::vector<std::size_t>> fitting_;
};

}  // namespace ipraktik::registration
