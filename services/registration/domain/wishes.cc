#include "domain/wishes.h"

#include <algorithm>
#include <unordered_set>

#include "domain/text.h"

namespace ipraktik::registration {

bool Fits(const OfferFacts& offer, const CriteriaWish& criteria) {
  if (criteria.sector != Sector::kUnspecified && offer.sector != criteria.sector) return false;
  if (!criteria.region.empty() && FoldCase(offer.region) != FoldCase(criteria.region)) {
    return false;
  }
  if (!criteria.municipality.empty() &&
      FoldCase(offer.municipality) != FoldCase(criteria.municipality)) {
    return false;
  }
  if (!criteria.field.empty()) {
    std::string field = FoldCase(criteria.field);
    if (std::none_of(offer.fields.begin(), offer.fields.end(),
                     [&](const std::string& f) { return FoldCase(f) == field; })) {
      return false;
    }
  }
  return true;
}

WishExpander::WishExpander(std::vector<OfferFacts> published_offers)
    : offers_(std::move(published_offers)) {
  index_by_id_.reserve(offers_.size());
  for (std::size_t i = 0; i < offers_.size(); ++i) index_by_id_.emplace(offers_[i].id, i);
}

const std::vector<std::size_t>& WishExpander::Fitting(const CriteriaWish& criteria) const {
  CriteriaKey key{FoldCase(criteria.field), criteria.sector, FoldCase(criteria.region),
                  FoldCase(criteria.municipality)};
  auto it = fitting_.find(key);
  if (it != fitting_.end()) return it->second;
  std::vector<std::size_t> fitting;
  for (std::size_t i = 0; i < offers_.size(); ++i) {
    if (Fits(offers_[i], criteria)) fitting.push_back(i);
  }
  return fitting_.emplace(std::move(key), std::move(fitting)).first->second;
}

std::vector<RankedOffers> WishExpander::Expand(const std::vector<Wish>& wishes,
                                               std::string_view intern_workplace_id) const {
  std::vector<RankedOffers> groups;
  std::unordered_set<std::size_t> wished;
  auto take = [&](std::size_t index, RankedOffers& group) {
    const OfferFacts& offer = offers_[index];
    if (!intern_workplace_id.empty() && offer.workplace_id == intern_workplace_id) return;
    if (wished.insert(index).second) group.host_offer_ids.push_back(offer.id);
  };
  for (std::size_t i = 0; i < wishes.size(); ++i) {
    RankedOffers group{.rank = static_cast<int>(i) + 1, .host_offer_ids = {}, .criteria = {}};
    if (wishes[i].criteria) {
      group.criteria = wishes[i].criteria;
      if (!wishes[i].criteria->empty()) {
        for (std::size_t index : Fitting(*wishes[i].criteria)) take(index, group);
      }
    } else if (auto it = index_by_id_.find(wishes[i].host_offer_id); it != index_by_id_.end()) {
      take(it->second, group);
    }
    if (!group.host_offer_ids.empty()) groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace ipraktik::registration
