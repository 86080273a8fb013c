#include "domain/rules.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "domain/text.h"

namespace ipraktik::registration {
namespace {

bool IsUnset(Date date) {
  return static_cast<int>(date.year()) == 0 && static_cast<unsigned>(date.month()) == 0 &&
         static_cast<unsigned>(date.day()) == 0;
}

std::string Subject(std::string_view kind, std::string_view id) {
  return absl::StrCat(std::string(kind), "/", std::string(id));
}

// A required one-line text of at most max_length characters.
void CheckText(std::string_view text, const FieldPath& path, Violations& out, int max_length,
               bool required = true, int min_length = 1, bool multiline = false) {
  if (text.empty()) {
    if (required) out.Add(path, "is required");
    return;
  }
  if (!IsCleanText(text, multiline)) {
    out.Add(path, multiline ? "must be UTF-8 text without control or bidirectional characters"
                            : "must be UTF-8 text on one line without control, bidirectional or "
                              "zero-width characters");
    return;
  }
  auto length = static_cast<int>(CharacterCount(text));
  if (length < min_length) {
    out.Add(path, absl::StrCat("is too short: at least ", min_length, " characters, got ", length));
  } else if (length > max_length) {
    out.Add(path, absl::StrCat("is too long: at most ", max_length, " characters, got ", length));
  }
}

// A required valid date; false when it is not one (so later rules can skip it).
bool CheckDate(Date date, const FieldPath& path, Violations& out) {
  if (IsUnset(date)) {
    out.Add(path, "is required");
    return false;
  }
  if (!date.ok()) {
    out.Add(path, "is not a valid calendar date");
    return false;
  }
  return true;
}

void CheckRegion(std::string_view region, const FieldPath& path, Violations& out) {
  if (region.empty()) {
    out.Add(path, "is required");
  } else if (CanonicalRegion(region) != std::string(region)) {
    out.Add(path,
            "must be one of Hovedstaden, Sjælland, Syddanmark, Midtjylland, Nordjylland, got \"" +
                std::string(region) + "\"");
  }
}

// Days within the round's window, at least one, no repeats.
void CheckDays(const std::vector<Date>& days, const Round* round, const FieldPath& path,
               Violations& out) {
  if (days.empty()) {
    out.Add(path, "needs at least one day");
    return;
  }
  std::map<Date, std::size_t> seen;
  for (std::size_t i = 0; i < days.size(); ++i) {
    FieldPath day_path = path.Index(i);
    if (!CheckDate(days[i], day_path, out)) continue;
    if (auto [it, inserted] = seen.emplace(days[i], i); !inserted) {
      out.Add(day_path, absl::StrCat("repeats ", path.str(), "[", it->second, "]"));
    } else if (round != nullptr && round->window_start.ok() && round->window_end.ok() &&
               !round->InWindow(days[i])) {
      out.Add(day_path,
              absl::StrCat(FormatDate(days[i]), " is outside the round's window ",
                           FormatDate(round->window_start), " to ", FormatDate(round->window_end)));
    }
  }
}

void CheckSector(Sector sector, const FieldPath& path, Violations& out) {
  if (sector == Sector::kUnspecified) out.Add(path, "is required");
}

std::string DescribeWish(const Wish& wish) {
  if (!wish.criteria) return "host offer " + wish.host_offer_id;
  std::string text = "criteria";
  const CriteriaWish& c = *wish.criteria;
  if (!c.field.empty()) text += " field=" + c.field;
  if (c.sector != Sector::kUnspecified) text += " sector=" + std::string(SectorName(c.sector));
  if (!c.region.empty()) text += " region=" + c.region;
  if (!c.municipality.empty()) text += " municipality=" + c.municipality;
  return text;
}

void CheckCriteria(const CriteriaWish& criteria, const Round& round, const FieldPath& path,
                   Violations& out) {
  if (criteria.empty()) {
    out.Add(path, "names no criteria: give a field, sector, region or municipality");
    return;
  }
  if (!criteria.field.empty()) {
    CheckText(criteria.field, path.Field("field"), out, kMaxFieldLength);
  }
  if (criteria.sector != Sector::kUnspecified && !round.AllowsHostSector(criteria.sector)) {
    out.Add(path.Field("sector"),
            absl::StrCat("hosts of sector ", std::string(SectorName(criteria.sector)),
                         " take no part in this round"));
  }
  if (!criteria.region.empty()) CheckRegion(criteria.region, path.Field("region"), out);
  if (!criteria.municipality.empty()) {
    CheckText(criteria.municipality, path.Field("municipality"), out, 100);
  }
}

// A criteria wish the matching could never fulfil is refused like such a named wish: no
// published offer fits it, or every one that does is at the intern's own workplace or on none of
// their available days.
void CheckCriteriaCanMatch(const CriteriaWish& criteria, const Application& application,
                           const ApplicationContext& context, const FieldPath& path,
                           Violations& out) {
  if (context.published_offers == nullptr) return;
  int fitting = 0;
  int elsewhere = 0;
  for (const OfferFacts& offer : *context.published_offers) {
    if (!Fits(offer, criteria)) continue;
    ++fitting;
    if (!context.intern_workplace_id.empty() && offer.workplace_id == context.intern_workplace_id) {
      continue;
    }
    ++elsewhere;
    bool common_day =
        application.available_days.empty() ||
        std::any_of(offer.days.begin(), offer.days.end(), [&](Date day) {
          return std::find(application.available_days.begin(), application.available_days.end(),
                           day) != application.available_days.end();
        });
    if (common_day) return;
  }
  const std::string wish = DescribeWish(Wish{.host_offer_id = {}, .criteria = criteria});
  if (fitting == 0) {
    out.Add(path, absl::StrCat("no published offer of this round fits ", wish,
                               ": change the criteria or name an offer"));
  } else if (elsewhere == 0) {
    out.Add(path, absl::StrCat("every published offer that fits ", wish,
                               " is at your own workplace: an innovation internship is spent at "
                               "another workplace"));
  } else {
    out.Add(path, elsewhere == 1
                      ? absl::StrCat("the one offer that fits ", wish,
                                     " takes interns on none of your available days")
                      : absl::StrCat("none of the ", elsewhere, " offers that fit ", wish,
                                     " takes interns on any of your available days"));
  }
}

void CheckOfferWish(const Wish& wish, const Application& application,
                    const ApplicationContext& context, const FieldPath& path, Violations& out) {
  const HostOffer* offer = context.find_offer(wish.host_offer_id);
  if (offer == nullptr || offer->round_id != context.round.id) {
    out.Add(path, "names no host offer in this round: " + wish.host_offer_id);
    return;
  }
  if (offer->state != HostOfferState::kPublished) {
    out.Add(path, absl::StrCat("host offer ", offer->id, " is not published (it is ",
                               std::string(HostOfferStateName(offer->state)), ")"));
    return;
  }
  if (!context.intern_workplace_id.empty() && offer->workplace_id == context.intern_workplace_id) {
    out.Add(path, absl::StrCat("host offer ", offer->id,
                               " is at your own workplace: an innovation internship is spent at "
                               "another workplace"));
    return;
  }
  if (!application.available_days.empty()) {
    bool common_day = std::any_of(offer->days.begin(), offer->days.end(), [&](Date day) {
      return std::find(application.available_days.begin(), application.available_days.end(), day) !=
             application.available_days.end();
    });
    if (!common_day) {
      out.Add(path, absl::StrCat("host offer ", offer->id,
                                 " takes interns on none of your available days"));
    }
  }
}

void CheckPerson(std::string_view name, std::string_view email, const FieldPath& path,
                 Violations& out, bool name_required) {
  CheckText(name, path.Field("name"), out, kMaxNameLength, name_required);
  if (email.empty()) {
    out.Add(path.Field("email"), "is required");
  } else if (!IsEmailAddress(email)) {
    out.Add(path.Field("email"), "is not an e-mail address");
  }
}

std::vector<std::string> NormalizedFields(const std::vector<std::string>& fields) {
  std::vector<std::string> normalized;
  normalized.reserve(fields.size());
  for (const auto& field : fields) normalized.push_back(FoldCase(Trim(field)));
  return normalized;
}

void NormalizeRegion(std::string& region) {
  region = Trim(region);
  if (auto canonical = CanonicalRegion(region)) region = *canonical;
}

}  // namespace

void Normalize(Programme& programme) {
  programme.name = Trim(programme.name);
  programme.description = Trim(programme.description);
  if (programme.retention_days == 0) programme.retention_days = kDefaultRetentionDays;
}

void Normalize(Round& round) {
  round.name = Trim(round.name);
  std::sort(round.allowed_host_sectors.begin(), round.allowed_host_sectors.end());
}

void Normalize(Workplace& workplace) {
  workplace.name = Trim(workplace.name);
  workplace.municipality = Trim(workplace.municipality);
  NormalizeRegion(workplace.region);
}

std::string NormalizedEmail(std::string_view email) { return FoldCase(Trim(email)); }

void Normalize(Participant& participant) {
  participant.name = Trim(participant.name);
  participant.email = NormalizedEmail(participant.email);
  participant.phone = Trim(participant.phone);
  participant.job_title = Trim(participant.job_title);
  participant.workplace_id = Trim(participant.workplace_id);
}

void Normalize(HostOffer& offer, const Workplace* workplace) {
  offer.title = Trim(offer.title);
  offer.description = Trim(offer.description);
  offer.address = Trim(offer.address);
  offer.municipality = Trim(offer.municipality);
  NormalizeRegion(offer.region);
  if (workplace != nullptr) {
    if (offer.municipality.empty()) offer.municipality = workplace->municipality;
    if (offer.region.empty()) offer.region = workplace->region;
  }
  offer.fields = NormalizedFields(offer.fields);
  offer.contact_participant_id = Trim(offer.contact_participant_id);
}

void Normalize(Application& application) {
  application.purpose = Trim(application.purpose);
  for (Wish& wish : application.wishes) {
    wish.host_offer_id = Trim(wish.host_offer_id);
    if (wish.criteria) {
      wish.criteria->field = FoldCase(Trim(wish.criteria->field));
      NormalizeRegion(wish.criteria->region);
      wish.criteria->municipality = Trim(wish.criteria->municipality);
    }
  }
  if (application.swap_request) {
    application.swap_request->email = FoldCase(Trim(application.swap_request->email));
    application.swap_request->name = Trim(application.swap_request->name);
    if (application.swap_request->email.empty() && application.swap_request->name.empty()) {
      application.swap_request.reset();
    }
  }
  if (application.manager) {
    application.manager->email = FoldCase(Trim(application.manager->email));
    application.manager->name = Trim(application.manager->name);
    if (application.manager->email.empty() && application.manager->name.empty()) {
      application.manager.reset();
    }
  }
}

void CheckProgramme(const Programme& programme, const FieldPath& root, Violations& out) {
  CheckText(programme.name, root.Field("name"), out, kMaxNameLength);
  CheckText(programme.description, root.Field("description"), out, kMaxDescriptionLength,
            /*required=*/false, 1, /*multiline=*/true);
  if (programme.retention_days < kMinRetentionDays ||
      programme.retention_days > kMaxRetentionDays) {
    out.Add(root.Field("retention_days"),
            absl::StrCat("must be between ", kMinRetentionDays, " and ", kMaxRetentionDays,
                         " days, got ", programme.retention_days));
  }
}

void CheckRoundStart(const Round& round, Date today, const FieldPath& root, Violations& out) {
  if (IsUnset(round.window_start) || !round.window_start.ok()) return;
  Date earliest = AddDays(today, -kMaxRoundStartDaysAgo);
  Date latest = AddDays(today, kMaxRoundStartDaysAhead);
  if (round.window_start < earliest || latest < round.window_start) {
    out.Add(root.Field("window_start"),
            absl::StrCat(FormatDate(round.window_start), " is not between ", FormatDate(earliest),
                         " and ", FormatDate(latest), " (at most ", kMaxRoundStartDaysAgo,
                         " days ago and ", kMaxRoundStartDaysAhead, " days ahead)"));
  }
}

void CheckRound(const Round& round, const Programme* programme, const FieldPath& root,
                Violations& out) {
  if (round.programme_id.empty()) {
    out.Add(root.Field("programme_id"), "is required");
  } else if (programme == nullptr) {
    out.Add(root.Field("programme_id"), "names no programme: " + round.programme_id);
  }
  CheckText(round.name, root.Field("name"), out, kMaxNameLength);
  bool start_ok = CheckDate(round.window_start, root.Field("window_start"), out);
  bool end_ok = CheckDate(round.window_end, root.Field("window_end"), out);
  if (start_ok && end_ok) {
    if (round.window_end < round.window_start) {
      out.Add(root.Field("window_end"), "is before window_start");
    } else if (DaysBetweenInclusive(round.window_start, round.window_end) > kMaxWindowDays) {
      out.Add(root.Field("window_end"),
              absl::StrCat("makes the window longer than ", kMaxWindowDays, " days"));
    }
  }
  if (CheckDate(round.signup_deadline, root.Field("signup_deadline"), out) && start_ok &&
      round.window_start < round.signup_deadline) {
    out.Add(root.Field("signup_deadline"), "is after window_start");
  }
  if (round.max_wishes < 1 || round.max_wishes > kMaxWishesLimit) {
    out.Add(root.Field("max_wishes"),
            absl::StrCat("must be between 1 and ", kMaxWishesLimit, ", got ", round.max_wishes));
  }
  if (round.allowed_host_sectors.empty()) {
    out.Add(root.Field("allowed_host_sectors"), "needs at least one sector");
  }
  std::set<Sector> seen;
  for (std::size_t i = 0; i < round.allowed_host_sectors.size(); ++i) {
    Sector sector = round.allowed_host_sectors[i];
    FieldPath path = root.Field("allowed_host_sectors").Index(i);
    if (sector == Sector::kUnspecified) {
      out.Add(path, "is not a sector");
    } else if (!seen.insert(sector).second) {
      out.Add(path, absl::StrCat("repeats ", std::string(SectorName(sector))));
    }
  }
}

void CheckWorkplace(const Workplace& workplace, const FieldPath& root, Violations& out) {
  CheckText(workplace.name, root.Field("name"), out, kMaxNameLength);
  CheckSector(workplace.sector, root.Field("sector"), out);
  CheckRegion(workplace.region, root.Field("region"), out);
  CheckText(workplace.municipality, root.Field("municipality"), out, 100);
}

void CheckParticipant(const Participant& participant, const Workplace* workplace,
                      const FieldPath& root, Violations& out) {
  CheckPerson(participant.name, participant.email, root, out, /*name_required=*/true);
  if (!participant.phone.empty() && !IsPhoneNumber(participant.phone)) {
    out.Add(root.Field("phone"), "must be 8-20 digits and spaces, optionally after a '+'");
  }
  CheckText(participant.job_title, root.Field("job_title"), out, kMaxNameLength);
  if (participant.workplace_id.empty()) {
    out.Add(root.Field("workplace_id"), "is required");
  } else if (workplace == nullptr) {
    out.Add(root.Field("workplace_id"), "names no workplace: " + participant.workplace_id);
  }
  if (!participant.consent) {
    out.Add(root.Field("consent"),
            "must be true: the programme processes personal data only with consent");
  }
}

void CheckHostOffer(const HostOffer& offer, const Round* round, const Workplace* workplace,
                    const Participant* contact, const FieldPath& root, Violations& out) {
  if (offer.round_id.empty()) {
    out.Add(root.Field("round_id"), "is required");
  } else if (round == nullptr) {
    out.Add(root.Field("round_id"), "names no round: " + offer.round_id);
  }
  if (offer.workplace_id.empty()) {
    out.Add(root.Field("workplace_id"), "is required");
  } else if (workplace == nullptr) {
    out.Add(root.Field("workplace_id"), "names no workplace: " + offer.workplace_id);
  } else if (round != nullptr && !round->AllowsHostSector(workplace->sector)) {
    out.Add(root.Field("workplace_id"),
            absl::StrCat("the workplace's sector (", std::string(SectorName(workplace->sector)),
                         ") may not host in this round"));
  }
  CheckText(offer.title, root.Field("title"), out, kMaxNameLength);
  CheckText(offer.description, root.Field("description"), out, kMaxDescriptionLength,
            /*required=*/true, kMinOfferDescriptionLength, /*multiline=*/true);
  if (offer.capacity < 1 || offer.capacity > kMaxCapacity) {
    out.Add(root.Field("capacity"),
            absl::StrCat("must be between 1 and ", kMaxCapacity, ", got ", offer.capacity));
  }
  CheckDays(offer.days, round, root.Field("days"), out);
  CheckText(offer.address, root.Field("address"), out, 300);
  CheckText(offer.municipality, root.Field("municipality"), out, 100);
  CheckRegion(offer.region, root.Field("region"), out);
  if (offer.fields.empty()) {
    out.Add(root.Field("fields"), "needs at least one field (fagområde)");
  } else if (static_cast<int>(offer.fields.size()) > kMaxFields) {
    out.Add(root.Field("fields"), absl::StrCat("has ", offer.fields.size(), " fields; at most ",
                                               kMaxFields, " are allowed"));
  }
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < offer.fields.size(); ++i) {
    FieldPath path = root.Field("fields").Index(i);
    CheckText(offer.fields[i], path, out, kMaxFieldLength);
    if (auto [it, inserted] = seen.emplace(offer.fields[i], i);
        !inserted && !offer.fields[i].empty()) {
      out.Add(path, absl::StrCat("repeats fields[", it->second, "]"));
    }
  }
  if (offer.contact_participant_id.empty()) {
    out.Add(root.Field("contact_participant_id"), "is required");
  } else if (contact == nullptr) {
    out.Add(root.Field("contact_participant_id"),
            "names no participant: " + offer.contact_participant_id);
  }
}

void CheckApplication(const Application& application, const ApplicationContext& context,
                      const FieldPath& root, Violations& out) {
  CheckText(application.purpose, root.Field("purpose"), out, kMaxPurposeLength,
            /*required=*/true, kMinPurposeLength, /*multiline=*/true);
  CheckDays(application.available_days, &context.round, root.Field("available_days"), out);

  FieldPath wishes_path = root.Field("wishes");
  const auto count = static_cast<int>(application.wishes.size());
  if (count == 0) {
    out.Add(wishes_path, "needs at least one wish");
  } else if (count > context.round.max_wishes) {
    out.Add(wishes_path, absl::StrCat("has ", count, " wishes; this round allows at most ",
                                      context.round.max_wishes));
  }
  for (std::size_t i = 0; i < application.wishes.size(); ++i) {
    const Wish& wish = application.wishes[i];
    FieldPath path = wishes_path.Index(i);
    auto earlier = std::find(application.wishes.begin(), application.wishes.begin() + i, wish);
    if (earlier != application.wishes.begin() + i) {
      out.Add(path, absl::StrCat("repeats wishes[", earlier - application.wishes.begin(), "] (",
                                 DescribeWish(wish), ")"));
      continue;
    }
    if (wish.criteria && !wish.host_offer_id.empty()) {
      out.Add(path, "names a host offer and criteria: give one of them");
    } else if (wish.criteria) {
      std::size_t before = out.size();
      CheckCriteria(*wish.criteria, context.round, path.Field("criteria"), out);
      if (out.size() == before) {
        CheckCriteriaCanMatch(*wish.criteria, application, context, path.Field("criteria"), out);
      }
    } else if (wish.host_offer_id.empty()) {
      out.Add(path, "is empty: name a host offer or give criteria");
    } else {
      CheckOfferWish(wish, application, context, path.Field("host_offer_id"), out);
    }
  }

  if (application.swap_request) {
    FieldPath path = root.Field("swap_request");
    CheckPerson(application.swap_request->name, application.swap_request->email, path, out,
                /*name_required=*/false);
    if (application.swap_request->email == context.intern_email) {
      out.Add(path.Field("email"), "is your own address: name the person to swap with");
    }
  }
  if (application.manager || context.programme.requires_manager_approval) {
    FieldPath path = root.Field("manager");
    if (!application.manager) {
      out.Add(path, "is required: this programme needs your manager's approval");
    } else {
      CheckPerson(application.manager->name, application.manager->email, path, out,
                  /*name_required=*/true);
      if (application.manager->email == context.intern_email) {
        out.Add(path.Field("email"), "is your own address: your manager approves the application");
      }
    }
  }
}

absl::Status CheckOffersInWindow(const Round& round, const std::vector<HostOffer>& offers) {
  constexpr int kListed = 10;
  std::string listed;
  int outside = 0;
  for (const HostOffer& offer : offers) {
    if (offer.state == HostOfferState::kWithdrawn) continue;
    std::string days;
    for (Date day : offer.days) {
      if (!round.InWindow(day)) absl::StrAppend(&days, days.empty() ? "" : ", ", FormatDate(day));
    }
    if (days.empty()) continue;
    if (++outside <= kListed) {
      absl::StrAppend(&listed, "; ", offer.id, " \"", offer.title, "\" (", days, ")");
    }
  }
  if (outside == 0) return absl::OkStatus();
  if (outside > kListed) absl::StrAppend(&listed, "; and ", outside - kListed, " more");
  return errors::FailedPrecondition(
      "OFFERS_OUTSIDE_WINDOW", Subject("round", round.id),
      absl::StrCat("the window ", FormatDate(round.window_start), " to ",
                   FormatDate(round.window_end), " leaves ",
                   text::Counted(outside, "offer", "offers"),
                   " with days outside it: move their days (or withdraw them) first", listed));
}

absl::Status AllowsSignUp(const Round& round, Date today) {
  if (round.state != RoundState::kOpen) {
    return errors::FailedPrecondition("ROUND_NOT_OPEN", Subject("round", round.id),
                                      absl::StrCat("the round takes no sign-ups: it is ",
                                                   std::string(RoundStateName(round.state))));
  }
  if (round.signup_deadline < today) {
    return errors::FailedPrecondition(
        "SIGNUP_DEADLINE_PASSED", Subject("round", round.id),
        absl::StrCat("the sign-up deadline ", FormatDate(round.signup_deadline), " has passed"));
  }
  return absl::OkStatus();
}

absl::Status AllowsApproval(const Round& round) {
  if (round.state != RoundState::kOpen) {
    return errors::FailedPrecondition("ROUND_NOT_OPEN", Subject("round", round.id),
                                      absl::StrCat("approvals are no longer taken: the round is ",
                                                   std::string(RoundStateName(round.state))));
  }
  return absl::OkStatus();
}

absl::Status ApprovalLinkValid(const Round& round, Date today) {
  if (today > round.signup_deadline) {
    return errors::FailedPrecondition(
        "LINK_EXPIRED", Subject("round", round.id),
        absl::StrCat("this approval link expired with the sign-up deadline ",
                     FormatDate(round.signup_deadline)));
  }
  return absl::OkStatus();
}

std::optional<Date> ApprovalReminderDay(const Round& round, int days_before) {
  if (days_before <= 0) return std::nullopt;
  return model::AddDays(round.signup_deadline, -days_before);
}

absl::Status AllowsHostOfferChange(const Round& round) {
  if (round.state != RoundState::kDraft && round.state != RoundState::kOpen) {
    return errors::FailedPrecondition(
        "ROUND_FROZEN", Subject("round", round.id),
        absl::StrCat("host offers of a ", std::string(RoundStateName(round.state)),
                     " round cannot change"));
  }
  return absl::OkStatus();
}

absl::Status AllowsRoundChange(const Round& before, const Round& after) {
  if (before.state == RoundState::kDraft || before.state == RoundState::kOpen) {
    return absl::OkStatus();
  }
  bool schedule_changed =
      before.window_start != after.window_start || before.window_end != after.window_end ||
      before.signup_deadline != after.signup_deadline || before.max_wishes != after.max_wishes ||
      before.allowed_host_sectors != after.allowed_host_sectors;
  if (schedule_changed) {
    return errors::FailedPrecondition(
        "ROUND_FROZEN", Subject("round", before.id),
        absl::StrCat("the schedule and rules of a ", std::string(RoundStateName(before.state)),
                     " round cannot change (only its name)"));
  }
  return absl::OkStatus();
}

bool IsAllowedTransition(RoundState from, RoundState to) {
  using enum RoundState;
  switch (from) {
    case kDraft:
      return to == kOpen;
    case kOpen:
      return to == kClosed;
    case kClosed:
      return to == kMatched || to == kOpen;
    case kMatched:
      return to == kPublished || to == kClosed;
    case kPublished:
      // Reopened for late sign-ups; the re-match keeps every placement that still stands.
      return to == kCompleted || to == kOpen;
    case kCompleted:
      return false;
  }
  return false;
}

absl::Status CheckTransition(const Round& round, RoundState to) {
  if (!IsAllowedTransition(round.state, to)) {
    return errors::FailedPrecondition(
        "ROUND_TRANSITION", Subject("round", round.id),
        absl::StrCat("a round cannot go from ", std::string(RoundStateName(round.state)), " to ",
                     std::string(RoundStateName(to))));
  }
  return absl::OkStatus();
}

ApprovalDecision ApprovalOnSubmit(const Programme& programme, const Application* previous,
                                  const Application& next) {
  if (!programme.requires_manager_approval) return {ApprovalState::kNotRequired, false};
  if (previous != nullptr && previous->manager && next.manager &&
      previous->manager->email == next.manager->email &&
      (previous->approval_state == ApprovalState::kPending ||
       previous->approval_state == ApprovalState::kApproved)) {
    return {previous->approval_state, false};
  }
  return {ApprovalState::kPending, true};
}

bool RetentionExpired(const Round& round, const Programme& programme, Date today) {
  return round.state == RoundState::kCompleted &&
         AddDays(round.window_end, programme.retention_days) < today;
}

}  // namespace ipraktik::registration
