#pragma once

// "My placement", /placement/<tenant>/<ipp_ token> (the link of every placement e-mail the
// notification service sends): the host, its address, the days, the contact person, the
// preparation guide and the calendar file, as the person's latest e-mail told them. The intern's
// link offers to withdraw (an optional reason); the host contact's link lists the interns coming,
// each with a form to decline them with a reason (the decline flow a coordinator's
// RecordPlacementChange starts: the next re-match places the intern elsewhere and tells them). A
// confirmation after the action; a repeat, a link a re-match has replaced, or a withdrawn link
// each get a clear page. In the person's language, as the e-mail was.
//
// The calendar file of the same link is served at /calendar/<tenant>/<ipp_ token> (text/calendar,
// as an attachment): the e-mail's one file for an intern, the events of every intern's file in
// one for a host.

#include <map>
#include <string>
#include <vector>

#include "domain/backends.h"
#include "domain/site.h"

namespace ipraktik::participant_web {

class PlacementPage : public Page {
 public:
  PlacementPage(PageTools tools, PlacementBackend& backend) : tools_(tools), backend_(backend) {}

  std::string_view TokenKind() const override { return "ipp"; }
  Response Get(const PageRequest& request) override;
  Response Post(const PageRequest& request, const Form& form) override;

 private:
  PageTools tools_;
  PlacementBackend& backend_;
};

class PlacementCalendarPage : public Page {
 public:
  PlacementCalendarPage(PageTools tools, PlacementBackend& backend)
      : tools_(tools), backend_(backend) {}

  std::string_view TokenKind() const override { return "ipp"; }
  Response Get(const PageRequest& request) override;

 private:
  PageTools tools_;
  PlacementBackend& backend_;
};

// What a form on the page posted, shown again after a refusal: the reason typed and the message
// next to it, by the intern's participant id for a host ("" for the intern's own form).
struct PlacementFormState {
  std::string participant_id{};
  std::string reason{};
  std::string error{};
};

// The page's model: the placement in words of its language, the forms' action, CSRF token and
// calendar link.
PageData PlacementData(const PlacementCase& placement, const Views& views,
                       const std::string& action, const std::string& csrf,
                       const std::string& calendar_link, const PlacementFormState& posted = {});

// The confirmation's model (declined: the intern's name; withdrawn: the host's workplace).
PageData PlacementDoneData(const PlacementCase& placement, const Views& views,
                           const std::string& declined_name);

// The preparation guide (the e-mail's plain text, wrapped at 72 characters) as paragraphs of
// lines for a page that wraps by itself: blank lines part paragraphs; a heading in capitals, a
// numbered item ("1. ") and a bullet ("- ") start a line; other lines continue the one before.
std::vector<std::vector<std::string>> GuideParagraphs(std::string_view guide);
// The same as the template's list: {lines: [{text, break}]} per paragraph.
PageData GuideData(std::string_view guide);

// The calendar files as one (the first file with every other file's events added before its
// END:VCALENDAR), and the name to download it as ("" when there is no calendar).
struct CalendarFile {
  std::string file_name{};
  std::string content{};
};
CalendarFile OneCalendar(const std::vector<PlacementCalendar>& calendars, model::Language language);

}  // namespace ipraktik::participant_web
