// What a publication tells whom: everyone the first time; after a re-match only the interns
// whose placement changed and the hosts whose list changed, with cancellations for what was lost.
#include "publication.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ipraktik/contract/event_types.h"

namespace ipraktik::matching_service {
namespace {

v1::MatchedPair Pair(const std::string& intern, const std::string& host, int day = 14) {
  v1::MatchedPair pair;
  pair.set_participant_id(intern);
  pair.set_host_offer_id(host);
  pair.set_rank(1);
  v1::Date* date = pair.add_days();
  date->set_year(2026);
  date->set_month(9);
  date->set_day(day);
  return pair;
}

v1::UnmatchedIntern Unmatched(const std::string& intern) {
  v1::UnmatchedIntern unmatched;
  unmatched.set_participant_id(intern);
  unmatched.set_reason_code("all_wished_hosts_full");
  unmatched.set_reason("all wished hosts are full");
  return unmatched;
}

PublicationInput Input(std::string job_id) {
  PublicationInput input;
  input.job_id = std::move(job_id);
  input.round.set_round_id("r-37");
  for (const char* id : {"anna", "bo", "cy", "dan"}) {
    v1::PersonCard card;
    card.set_participant_id(id);
    card.set_name(std::string("Name of ") + id);
    input.interns[id].card = card.SerializeAsString();
    input.interns[id].purpose = "learn";
  }
  for (const char* id : {"h-1", "h-2"}) input.offers[id].set_host_offer_id(id);
  return input;
}

// A host list as its bytes say it (the service stores and sends those): an intern's card is
// in them as bytes, not in the message's fields.
v1::HostInternsAssigned AsSent(const v1::HostInternsAssigned& list) {
  v1::HostInternsAssigned sent;
  EXPECT_TRUE(sent.ParseFromString(list.SerializeAsString()));
  return sent;
}

// Applies a publication's records as the service stores them.
void Remember(const Publication& publication, PublicationInput& next) {
  for (const auto& change : publication.changes) {
    if (change.placement) next.told_interns[change.placement->participant_id()] = *change.placement;
    if (change.host_list) {
      next.told_hosts[change.host_list->host_offer().host_offer_id()] = AsSent(*change.host_list);
    }
  }
}

// An event as its person reads it: an intern's payload as EventPayloads makes it (the facts
// with the cards), a host's payload its change's host list.
struct Told {
  std::string type;
  std::string name;
  v1::InternPlaced placed;
  v1::InternUnmatched unmatched;
  v1::HostInternsAssigned host;
};

std::vector<Told> Events(const PublicationInput& input, const Publication& publication) {
  EventPayloads payloads(input);
  std::vector<Told> events;
  for (const auto& change : publication.changes) {
    if (!change.event) continue;
    Told told{.type = change.event->type,
              .name = change.event->name,
              .placed = {},
              .unmatched = {},
              .host = AsSent(change.host_list.value_or(v1::HostInternsAssigned()))};
    if (told.type == contract::kInternPlaced) {
      EXPECT_TRUE(told.placed.ParseFromString(payloads.Of(*change.event)));
    } else if (told.type == contract::kInternUnmatched) {
      EXPECT_TRUE(told.unmatched.ParseFromString(payloads.Of(*change.event)));
    }
    events.push_back(std::move(told));
  }
  return events;
}

std::map<std::string, int> Types(const PublicationInput& input, const Publication& publication) {
  std::map<std::string, int> types;
  for (const auto& event : Events(input, publication)) ++types[event.type];
  return types;
}

TEST(Publication, TheFirstTellsEveryone) {
  PublicationInput input = Input("job-1");
  input.assignments = {Pair("anna", "h-1"), Pair("bo", "h-1"), Pair("cy", "h-2")};
  input.unmatched = {Unmatched("dan")};
  Publication publication = ComparePublication(input);
  EXPECT_EQ(Types(input, publication),
            (std::map<std::string, int>{{contract::kInternPlaced, 3},
                                        {contract::kInternUnmatched, 1},
                                        {contract::kHostInternsAssigned, 2}}));
  EXPECT_EQ(publication.notified, 6);
  EXPECT_EQ(publication.changes.size(), 6u);
  for (const auto& event : Events(input, publication)) {
    if (event.type == contract::kInternPlaced) {
      EXPECT_EQ(event.placed.change(), v1::PLACEMENT_CHANGE_NEW);
      EXPECT_EQ(event.placed.revision(), 1);
      EXPECT_EQ(event.placed.placement_id(), "r-37/" + event.placed.intern().participant_id());
      EXPECT_EQ(event.placed.purpose(), "learn");
      // The cards, added to the event's facts as bytes, parse as its own fields.
      EXPECT_EQ(event.placed.round().round_id(), "r-37");
      EXPECT_EQ(event.placed.intern().name(), "Name of " + event.placed.intern().participant_id());
      EXPECT_EQ(event.placed.host_offer().host_offer_id(),
                event.placed.intern().participant_id() == "cy" ? "h-2" : "h-1");
      EXPECT_EQ(event.placed.days_size(), 1);
      EXPECT_EQ(event.placed.rank(), 1);
    }
    if (event.type == contract::kHostInternsAssigned &&
        event.host.host_offer().host_offer_id() == "h-1") {
      ASSERT_EQ(event.host.interns_size(), 2);
      EXPECT_EQ(event.host.cancelled_size(), 0);
      // Each visitor's card, put in as bytes, parses as the visit's own.
      EXPECT_EQ(event.host.interns(0).intern().name(),
                "Name of " + event.host.interns(0).intern().participant_id());
      EXPECT_EQ(event.host.interns(0).purpose(), "learn");
    }
    if (event.type == contract::kInternUnmatched) {
      EXPECT_FALSE(event.unmatched.placement_cancelled());
      EXPECT_EQ(event.unmatched.reason_code(), "all_wished_hosts_full");
      EXPECT_EQ(event.unmatched.round().round_id(), "r-37");
      EXPECT_EQ(event.unmatched.intern().name(), "Name of dan");
    }
  }
  // The same publication computed again names the same events.
  auto again = Events(input, ComparePublication(input));
  auto first = Events(input, publication);
  ASSERT_EQ(again.size(), first.size());
  for (std::size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].name, first[i].name);
}

TEST(Publication, ARematchTellsOnlyThoseWhosePlacementChanged) {
  PublicationInput first = Input("job-1");
  first.assignments = {Pair("anna", "h-1"), Pair("bo", "h-1"), Pair("cy", "h-2")};
  first.unmatched = {Unmatched("dan")};
  PublicationInput second = Input("job-2");
  Remember(ComparePublication(first), second);

  // h-1 declined bo; bo moves to h-2, dan is still without a place; anna and cy stay.
  second.assignments = {Pair("anna", "h-1"), Pair("bo", "h-2"), Pair("cy", "h-2")};
  second.unmatched = {Unmatched("dan")};
  Publication publication = ComparePublication(second);
  std::map<std::string, Told> by_subject;
  for (const auto& event : Events(second, publication)) {
    by_subject[event.type == contract::kHostInternsAssigned
                   ? event.host.host_offer().host_offer_id()
                   : (event.type == contract::kInternPlaced
                          ? event.placed.intern().participant_id()
                          : event.unmatched.intern().participant_id())] = event;
  }
  EXPECT_EQ(by_subject.size(), 3u) << "bo, h-1 and h-2 only";
  ASSERT_TRUE(by_subject.contains("bo"));
  EXPECT_EQ(by_subject["bo"].placed.change(), v1::PLACEMENT_CHANGE_MOVED);
  EXPECT_EQ(by_subject["bo"].placed.revision(), 2);
  ASSERT_TRUE(by_subject.contains("h-1"));
  EXPECT_EQ(by_subject["h-1"].host.interns_size(), 1);
  ASSERT_EQ(by_subject["h-1"].host.cancelled_size(), 1);
  EXPECT_EQ(by_subject["h-1"].host.cancelled(0).intern().participant_id(), "bo");
  EXPECT_EQ(by_subject["h-1"].host.revision(), 2);
  ASSERT_TRUE(by_subject.contains("h-2"));
  EXPECT_EQ(by_subject["h-2"].host.interns_size(), 2);
  EXPECT_EQ(publication.notified, 3);
}

TEST(Publication, APlaceTakenAwayIsCancelledAndAWithdrawnInternLeavesTheirHost) {
  PublicationInput first = Input("job-1");
  first.assignments = {Pair("anna", "h-1"), Pair("bo", "h-2")};
  PublicationInput second = Input("job-2");
  Remember(ComparePublication(first), second);
  // anna loses her place; bo withdrew (not in the new result at all).
  second.unmatched = {Unmatched("anna")};
  Publication publication = ComparePublication(second);
  int cancelled_hosts = 0;
  for (const auto& event : Events(second, publication)) {
    if (event.type == contract::kInternUnmatched) {
      EXPECT_EQ(event.unmatched.intern().participant_id(), "anna");
      EXPECT_TRUE(event.unmatched.placement_cancelled());
      EXPECT_EQ(event.unmatched.revision(), 2);
      // The cancellation names the day it cancels (the calendar's DTSTART).
      ASSERT_EQ(event.unmatched.cancelled_days_size(), 1);
      EXPECT_EQ(event.unmatched.cancelled_days(0).day(), 14);
    }
    if (event.type == contract::kHostInternsAssigned) {
      ++cancelled_hosts;
      EXPECT_EQ(event.host.interns_size(), 0);
      EXPECT_EQ(event.host.cancelled_size(), 1);
    }
    EXPECT_NE(event.type, contract::kInternPlaced);
  }
  EXPECT_EQ(cancelled_hosts, 2);
  bool bo_withdrawn = false;
  for (const auto& change : publication.changes) {
    bo_withdrawn |= change.placement && change.placement->participant_id() == "bo" &&
                    change.placement->reason_code() == "withdrawn" && !change.event;
  }
  EXPECT_TRUE(bo_withdrawn);

  // Publishing the same state again tells nobody anything.
  PublicationInput third = Input("job-3");
  third.told_interns = second.told_interns;
  third.told_hosts = second.told_hosts;
  Remember(publication, third);
  third.unmatched = {Unmatched("anna")};
  EXPECT_TRUE(Events(third, ComparePublication(third)).empty());
}

TEST(Publication, AnErasedInternLeavesTheHostListsWithACancellationThatNamesNobody) {
  PublicationInput first = Input("job-1");
  first.assignments = {Pair("anna", "h-1"), Pair("bo", "h-1")};
  first.offers["h-2"].mutable_contact()->set_participant_id("cy");
  first.offers["h-2"].mutable_contact()->set_email("cy@example.dk");
  PublicationInput told = Input("job-2");
  Remember(ComparePublication(first), told);
  // h-2 has no interns and was never told; give it a list naming cy as its contact.
  told.told_hosts["h-2"].mutable_host_offer()->CopyFrom(first.offers["h-2"]);

  std::vector<PublicationChange> changes = EraseFromHostLists("anna", told.told_hosts);
  ASSERT_EQ(changes.size(), 1u);
  const v1::HostInternsAssigned& list = *changes[0].host_list;
  ASSERT_EQ(list.interns_size(), 1);
  EXPECT_EQ(list.interns(0).intern().participant_id(), "bo");
  ASSERT_EQ(list.cancelled_size(), 1);
  const v1::VisitingIntern& gone = list.cancelled(0);
  EXPECT_EQ(gone.intern().participant_id(), "anna");
  EXPECT_EQ(gone.intern().name(), "");
  EXPECT_EQ(gone.purpose(), "");
  EXPECT_EQ(gone.placement_id(), "r-37/anna");
  EXPECT_EQ(gone.days_size(), 1);
  EXPECT_EQ(list.revision(), 2);
  ASSERT_TRUE(changes[0].event.has_value());
  EXPECT_EQ(changes[0].event->type, contract::kHostInternsAssigned);

  // Stored again, the list still names anna in its cancellation only by id: erasing again tells
  // nobody, and a later publication without anna tells nobody either.
  told.told_hosts["h-1"] = list;
  std::vector<PublicationChange> again = EraseFromHostLists("anna", told.told_hosts);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].event.has_value());
  EXPECT_EQ(again[0].host_list->SerializeAsString(), list.SerializeAsString());

  // An erased contact person leaves the offer cards of the lists, and nobody is told.
  std::vector<PublicationChange> contact = EraseFromHostLists("cy", told.told_hosts);
  ASSERT_EQ(contact.size(), 1u);
  EXPECT_FALSE(contact[0].event.has_value());
  EXPECT_EQ(contact[0].host_list->host_offer().contact().email(), "");
  EXPECT_EQ(contact[0].host_list->host_offer().contact().participant_id(), "cy");
}

// A change as its stored and sent bytes say it, to compare one with itself later.
std::string Described(const PublicationChange& change) {
  return (change.placement ? change.placement->SerializeAsString() : std::string()) + "|" +
         (change.host_list ? change.host_list->SerializeAsString() : std::string()) + "|" +
         (change.event ? change.event->name : std::string());
}

TEST(Publication, TheChangesHandedOverAreFinalAndStayWhereTheyAre) {
  PublicationInput first = Input("job-1");
  first.assignments = {Pair("anna", "h-1"), Pair("bo", "h-1")};
  first.unmatched = {Unmatched("cy"), Unmatched("dan")};
  PublicationInput second = Input("job-2");
  Remember(ComparePublication(first), second);
  // A re-match that changes every kind of record: anna moves, bo withdrew, cy is placed, dan
  // stays without a place, both hosts' lists change.
  second.assignments = {Pair("anna", "h-2"), Pair("cy", "h-1")};
  second.unmatched = {Unmatched("dan")};

  Publication publication;
  std::vector<std::string> handed_over;  // each change as it was when handed over
  const PublicationChange* first_change = nullptr;
  ComparePublication(second, publication, [&](std::span<PublicationChange> ready) {
    ASSERT_EQ(ready.size(), handed_over.size() + 1) << "one change more each time";
    if (first_change == nullptr) first_change = ready.data();
    EXPECT_EQ(ready.data(), first_change) << "the changes never move";
    handed_over.push_back(Described(ready.back()));
  });
  const Publication all_at_once = ComparePublication(second);
  ASSERT_EQ(handed_over.size(), all_at_once.changes.size());
  EXPECT_EQ(handed_over.size(), 5u) << "anna, bo, cy and the two hosts (dan was told before)";
  for (std::size_t i = 0; i < handed_over.size(); ++i) {
    EXPECT_EQ(Described(publication.changes[i]), handed_over[i])
        << "change " << i << " was not touched after it was handed over";
  }
  EXPECT_EQ(publication.notified, all_at_once.notified);
}

TEST(EventsPerMessage, ANationalRoundsBatchesAreFullAndASmallRoundIsSpreadOverTheSenders) {
  // A store batch of 500 changes of a national round: 25 to a message, 20 messages.
  EXPECT_EQ(EventsPerMessage(500, 25, 16), 25u);
  // A municipal round of 148 e-mails: 10 to a message, 15 messages for 16 senders (6 full
  // batches of 25 would keep 10 senders idle).
  EXPECT_EQ(EventsPerMessage(148, 25, 16), 10u);
  // Fewer events than senders: each alone.
  EXPECT_EQ(EventsPerMessage(12, 25, 16), 1u);
  EXPECT_EQ(EventsPerMessage(0, 25, 16), 1u);
  // The most wins over the spread, and 1 (or a nonsense 0) sends each alone.
  EXPECT_EQ(EventsPerMessage(10'000, 25, 16), 25u);
  EXPECT_EQ(EventsPerMessage(500, 1, 16), 1u);
  EXPECT_EQ(EventsPerMessage(500, 0, 16), 1u);
  // No spread asked for: full batches.
  EXPECT_EQ(EventsPerMessage(148, 25, 1), 25u);
}

}  // namespace
}  // namespace ipraktik::matching_service
