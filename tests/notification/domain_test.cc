// The notification domain without servers: calendars, MIME and RFC 2047, templates, the messages
// each event asks for, and the delivery rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "domain/calendar.h"
#include "domain/compose.h"
#include "domain/delivery.h"
#include "domain/ids.h"
#include "domain/mime.h"
#include "domain/placement_links.h"
#include "domain/text.h"
#include "domain_samples.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/tokens/tokens.h"
#include "local_servers.h"

namespace ipraktik::notification {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace testing;  // samples

std::vector<std::string> SplitCrlf(const std::string& text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, "\r\n")) lines.emplace_back(line);
  return lines;
}

// Decodes RFC 2047 B-encoded words (what EncodeHeaderText writes), unfolding first.
std::string DecodeEncodedWords(std::string text) {
  text = std::regex_replace(text, std::regex("\r\n "), " ");
  std::regex word(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  std::string out;
  std::string rest = text;
  std::smatch match;
  bool previous_was_word = false;
  while (std::regex_search(rest, match, word)) {
    std::string between = match.prefix();
    // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    if (!(previous_was_word && between.find_first_not_of(' ') == std::string::npos)) out += between;
    std::string decoded;
    EXPECT_TRUE(absl::Base64Unescape(match[1].str(), &decoded));
    out += decoded;
    rest = match.suffix();
    previous_was_word = true;
  }
  return out + rest;
}

std::string DecodeQuotedPrintable(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;  // soft line break
    } else if (text[i] == '=' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- calendar

TEST(Calendar, EscapesTextValues) {
  EXPECT_EQ(EscapeCalendarText("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
}

TEST(Calendar, FoldsLongLinesWithoutSplittingCharacters) {
  std::string line = "DESCRIPTION:";
  for (int i = 0; i < 40; ++i) line += "æøå ";
  std::string folded = FoldCalendarLine(line);
  std::string unfolded;
  for (const auto& physical : SplitCrlf(folded)) {
    EXPECT_LE(physical.size(), 75u) << physical;
    if (!unfolded.empty() || physical.front() == ' ') {
      ASSERT_EQ(physical.front(), ' ');
      // A continuation never starts inside a UTF-8 character.
      EXPECT_NE(static_cast<unsigned char>(physical[1]) & 0xC0, 0x80) << physical;
      unfolded += physical.substr(1);
    } else {
      unfolded += physical;
    }
  }
  EXPECT_EQ(unfolded, line);
}

CalendarInvitation Invitation() {
  return {.method = CalendarMethod::kRequest,
          .uid = PlacementEventUid("coi", "pl-1"),
          .sequence = 2,
          .stamp = absl::FromUnixSeconds(1788000000),
          .days = {Day(2026, 9, 8), Day(2026, 9, 7), Day(2026, 9, 9)},
          .summary = "Innovationspraktik hos Socialforvaltningen, København",
          .location = "Bernstorffsgade 17; 1592 København V",
          .description = "Kontaktperson: Lene",
          .organizer_name = "Innovationspraktikken",
          .organizer_email = "ipraktik@coi.example",
          .attendee_name = "Søren Ærø",
          .attendee_email = "soren@example.dk"};
}

TEST(Calendar, ConsecutiveDaysAreOneAllDayEvent) {
  std::string ics = RenderCalendar(Invitation());
  std::vector<std::string> lines = SplitCrlf(ics);
  EXPECT_EQ(lines.front(), "BEGIN:VCALENDAR");
  EXPECT_EQ(lines.back(), "");  // every line ends with CRLF
  EXPECT_THAT(lines, ::testing::Contains("METHOD:REQUEST"));
  EXPECT_THAT(lines, ::testing::Contains("UID:placement-pl-1.coi@ipraktik"));
  EXPECT_THAT(lines, ::testing::Contains("SEQUENCE:2"));
  EXPECT_THAT(lines, ::testing::Contains("DTSTART;VALUE=DATE:20260907"));
  EXPECT_THAT(lines, ::testing::Contains("DTEND;VALUE=DATE:20260910"));
  EXPECT_THAT(lines, ::testing::Contains("STATUS:CONFIRMED"));
  EXPECT_THAT(lines, ::testing::Contains("LOCATION:Bernstorffsgade 17\\; 1592 København V"));
  EXPECT_THAT(ics, Not(HasSubstr("RDATE")));
  EXPECT_THAT(ics, HasSubstr("ATTENDEE;CN=Søren Ærø;ROLE=REQ-PARTICIPANT"));
  EXPECT_THAT(ics, HasSubstr("DTSTAMP:20260829T"));
  EXPECT_THAT(ics, Not(HasSubstr("\n\n")));
}

TEST(Calendar, SeparateDaysRepeatTheFirstDay) {
  CalendarInvitation invitation = Invitation();
  invitation.days = {Day(2026, 9, 7), Day(2026, 9, 8), Day(2026, 9, 14)};
  std::string ics = RenderCalendar(invitation);
  EXPECT_THAT(ics, HasSubstr("DTSTART;VALUE=DATE:20260907\r\nDTEND;VALUE=DATE:20260908\r\n"
                             "RDATE;VALUE=DATE:20260908,20260914\r\n"));
}

TEST(Calendar, CancellationKeepsTheUidAndCancels) {
  CalendarInvitation invitation = Invitation();
  invitation.method = CalendarMethod::kCancel;
  invitation.sequence = 3;
  std::string ics = RenderCalendar(invitation);
  EXPECT_THAT(ics,
              AllOf(HasSubstr("METHOD:CANCEL\r\n"), HasSubstr("STATUS:CANCELLED\r\n"),
                    HasSubstr("UID:placement-pl-1.coi@ipraktik\r\n"), HasSubstr("SEQUENCE:3\r\n")));
}

// ---------------------------------------------------------------- MIME

TEST(Mime, QuotedPrintableEncodesUtf8AndKeepsLinesShort) {
  EXPECT_EQ(EncodeQuotedPrintable("Kære Søren"), "K=C3=A6re S=C3=B8ren\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("a = b"), "a =3D b\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("trailing \n.dot"), "trailing=20\r\n=2Edot\r\n");
  std::string long_text(300, 'x');
  long_text += "ø\nnext";
  std::string encoded = EncodeQuotedPrintable(long_text);
  for (const auto& line : SplitCrlf(encoded)) EXPECT_LE(line.size(), 76u);
  EXPECT_EQ(DecodeQuotedPrintable(encoded), std::string(300, 'x') + "ø\r\nnext\r\n");
}

TEST(Mime, QuotedPrintableBreaksAtTheLimitAndEscapesLineEdges) {
  EXPECT_EQ(EncodeQuotedPrintable(std::string(75, 'x')), std::string(75, 'x') + "\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(std::string(76, 'x')), std::string(75, 'x') + "=\r\nx\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(std::string(74, 'x') + "\xC3\xA9"),
            std::string(74, 'x') + "=\r\n=C3=A9\r\n");
  // CR, LF and CRLF are each one line end; a space or tab ending a line is escaped.
  EXPECT_EQ(EncodeQuotedPrintable("a\tb\t\r\nc \rd\n"), "a\tb=09\r\nc=20\r\nd\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(" "), "=20\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("x\r.y.\n."), "x\r\n=2Ey.\r\n=2E\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(std::string(75, 'x') + ".y"),
            std::string(75, 'x') + "=\r\n=2Ey\r\n");
}

// Any text comes back whole (line ends as CRLF), in lines of at most 76 characters, none
// starting with a dot or ending in a space or tab.
TEST(Mime, QuotedPrintableRoundTripsAnyText) {
  std::mt19937 random(20261205);
  const std::string some = std::string("x.= \t\r\n\x01\x7f") + "\xC3\xA6";
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const auto length = random() % 300;
    const auto mix = 2 + random() % 30;  // how often a special byte comes
    for (std::size_t i = 0; i < length; ++i) {
      text += random() % mix == 0 ? some[random() % some.size()]
                                  : static_cast<char>('a' + random() % 26);
    }
    const std::string encoded = EncodeQuotedPrintable(text);
    std::string expected = std::regex_replace(text, std::regex("\r\n|\r|\n"), "\r\n");
    if (expected.size() < 2 || expected.compare(expected.size() - 2, 2, "\r\n") != 0) {
      expected += "\r\n";
    }
    ASSERT_EQ(DecodeQuotedPrintable(encoded), expected) << "text: " << text;
    std::vector<std::string> lines = SplitCrlf(encoded);
    lines.pop_back();  // after the final CRLF
    for (const std::string& line : lines) {
      ASSERT_LE(line.size(), 76u) << "text: " << text;
      ASSERT_FALSE(line.starts_with('.')) << "text: " << text;
      ASSERT_FALSE(line.ends_with(' ') || line.ends_with('\t')) << "text: " << text;
    }
  }
}

TEST(Mime, HeaderTextIsEncodedOnlyWhenNeeded) {
  EXPECT_EQ(EncodeHeaderText("Your innovation internship", 7), "Your innovation internship");
  std::string subject =
      "Du skal i innovationspraktik hos Socialforvaltningen, Københavns Kommune – på Ærø og i "
      "Åbenrå med æbleskiver";
  std::string encoded = EncodeHeaderText(subject, 7);
  EXPECT_THAT(encoded, StartsWith("=?UTF-8?B?"));
  std::vector<std::string> lines = SplitCrlf(encoded);
  EXPECT_GT(lines.size(), 1u);
  EXPECT_LE(lines[0].size() + 9, 78u);  // "Subject: "
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 78u);
    EXPECT_EQ(lines[i].front(), ' ');
  }
  EXPECT_EQ(DecodeEncodedWords(encoded), subject);
}

TEST(Mime, LongAsciiHeadersFoldAtSpaces) {
  std::string subject;
  for (int i = 0; i < 20; ++i) subject += "word" + std::to_string(i) + " ";
  subject.pop_back();
  std::string encoded = EncodeHeaderText(subject, 7);
  for (const auto& line : SplitCrlf(encoded)) EXPECT_LE(line.size(), 78u);
  EXPECT_EQ(std::regex_replace(encoded, std::regex("\r\n"), ""), subject);
}

TEST(Mime, AddressesQuoteOrEncodeTheDisplayName) {
  EXPECT_EQ(FormatMailAddress({"", "a@b.dk"}, 2), "<a@b.dk>");
  EXPECT_EQ(FormatMailAddress({"Anna Hansen", "a@b.dk"}, 2), "Anna Hansen <a@b.dk>");
  EXPECT_EQ(FormatMailAddress({"Hansen, Anna", "a@b.dk"}, 2), "\"Hansen, Anna\" <a@b.dk>");
  std::string encoded = FormatMailAddress({"Søren Ærø", "s@b.dk"}, 2);
  EXPECT_THAT(encoded, AllOf(StartsWith("=?UTF-8?B?"), HasSubstr(" <s@b.dk>")));
  EXPECT_EQ(DecodeEncodedWords(encoded), "Søren Ærø <s@b.dk>");
}

TEST(Mime, RecognisesMailAddresses) {
  EXPECT_TRUE(LooksLikeMailAddress("anna.hansen@kk.dk"));
  EXPECT_TRUE(LooksLikeMailAddress("a+b@sub.example-one.dk"));
  EXPECT_FALSE(LooksLikeMailAddress(""));
  EXPECT_FALSE(LooksLikeMailAddress("anna"));
  EXPECT_FALSE(LooksLikeMailAddress("anna@"));
  EXPECT_FALSE(LooksLikeMailAddress("@kk.dk"));
  EXPECT_FALSE(LooksLikeMailAddress("anna@@kk.dk"));
  EXPECT_FALSE(LooksLikeMailAddress("anna hansen@kk.dk"));
  EXPECT_FALSE(LooksLikeMailAddress("søren@kk.dk"));
  EXPECT_FALSE(LooksLikeMailAddress("anna@kk..dk"));
  EXPECT_FALSE(LooksLikeMailAddress("anna@-kk.dk"));
  EXPECT_EQ(MailDomain("a@coi.example"), "coi.example");
}

TEST(Mime, MessageHasTextHtmlAndAttachmentInTheRightStructure) {
  MailMessage message{
      .from = {"Innovationspraktikken", "ipraktik@coi.example"},
      .to = {"Søren Ærø", "soren@example.dk"},
      .reply_to = {"Innovationspraktikken", "praktik@coi.example"},
      .subject = "Din praktik på Ærø",
      .date = absl::FromUnixSeconds(1788000000),
      .message_id = "abc123.0@coi.example",
      .text_body = "Kære Søren\n\nVelkommen.",
      .html_body = "<p>Kære Søren</p>",
      .attachments = {{.file_name = "innovationspraktik.ics",
                       .content_type = "text/calendar; charset=UTF-8; method=REQUEST",
                       .content = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}}};
  absl::TimeZone copenhagen;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen));
  auto built = BuildMimeMessage(message, copenhagen);
  ASSERT_TRUE(built.ok()) << built.status();
  const std::string& mime = *built;
  EXPECT_THAT(mime, HasSubstr("Date: Sat, 29 Aug 2026 "));
  EXPECT_THAT(mime, HasSubstr(" +0200\r\n"));
  EXPECT_THAT(mime, HasSubstr("\r\nMessage-ID: <abc123.0@coi.example>\r\n"));
  EXPECT_THAT(mime, HasSubstr("\r\nMIME-Version: 1.0\r\n"));
  EXPECT_THAT(mime, HasSubstr("\r\nReply-To: Innovationspraktikken <praktik@coi.example>\r\n"));
  EXPECT_THAT(
      mime,
      HasSubstr(
          "Content-Type: multipart/mixed;\r\n boundary=\"=_ipraktik_mixed_abc1230coiexample\""));
  EXPECT_THAT(mime, HasSubstr("Content-Type: multipart/alternative;\r\n boundary="));
  EXPECT_THAT(mime, HasSubstr("Content-Type: text/plain; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: quoted-printable\r\n\r\nK=C3=A6re"));
  EXPECT_THAT(mime, HasSubstr("Content-Type: text/calendar; charset=UTF-8; method=REQUEST;\r\n "
                              "name=\"innovationspraktik.ics\""));
  EXPECT_THAT(
      mime, HasSubstr("Content-Disposition: attachment;\r\n filename=\"innovationspraktik.ics\""));
  EXPECT_THAT(mime, HasSubstr(absl::Base64Escape("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")));
  EXPECT_THAT(mime, HasSubstr("--=_ipraktik_mixed_abc1230coiexample--\r\n"));
  // Nothing but CRLF line ends, no line over 78 characters.
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') {
      ASSERT_EQ(mime[i - 1], '\r') << "bare LF at " << i;
    }
  }
  for (const auto& line : SplitCrlf(mime)) EXPECT_LE(line.size(), 78u) << line;
  // Same input, same bytes.
  EXPECT_EQ(mime, *BuildMimeMessage(message, copenhagen));
}

TEST(Mime, WithoutAttachmentsTheMessageIsMultipartAlternative) {
  MailMessage message{.from = {"", "a@b.dk"},
                      .to = {"", "c@d.dk"},
                      .subject = "Hej",
                      .message_id = "x@b.dk",
                      .text_body = "t",
                      .html_body = "<p>t</p>"};
  std::string mime = *BuildMimeMessage(message, absl::UTCTimeZone());
  EXPECT_THAT(mime, Not(HasSubstr("multipart/mixed")));
  EXPECT_THAT(mime, HasSubstr("\r\nContent-Type: multipart/alternative;\r\n boundary="));
  EXPECT_THAT(mime, HasSubstr("Date: Thu, 01 Jan 1970 00:00:00 +0000"));
}

// Where headers are written, every value is encoded or refused, whatever its source: a
// recipient with CR/LF (reachable from an event on the bus) never becomes a header of its own.
TEST(Mime, AHeaderValueThatCannotBeEncodedIsRefused) {
  MailMessage message{.from = {"Innovationspraktikken", "a@b.dk"},
                      .to = {"Søren", "c@d.dk"},
                      .subject = "Hej",
                      .message_id = "x@b.dk",
                      .text_body = "t",
                      .html_body = "<p>t</p>"};
  ASSERT_TRUE(BuildMimeMessage(message, absl::UTCTimeZone()).ok());
  for (const char* address : {"c@d.dk\r\nBcc: all@example.org", "c@d.dk\nX: y", "c d@d.dk"}) {
    MailMessage bad = message;
    bad.to.address = address;
    auto built = BuildMimeMessage(bad, absl::UTCTimeZone());
    EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument) << address;
  }
  MailMessage bad_header = message;
  bad_header.extra_headers = {{"X-Ipraktik-Message", "m1\r\nBcc: all@example.org"}};
  EXPECT_FALSE(BuildMimeMessage(bad_header, absl::UTCTimeZone()).ok());
  MailMessage bad_file = message;
  bad_file.attachments = {{.file_name = "a\".ics\r\nX: y", .content_type = "text/calendar"}};
  EXPECT_FALSE(BuildMimeMessage(bad_file, absl::UTCTimeZone()).ok());
  // A display name or subject with line breaks is encoded, not refused: it stays one header.
  MailMessage names = message;
  names.to.name = "Eve\r\nBcc: all@example.org";
  names.subject = "Hej\r\nBcc: all@example.org";
  auto built = BuildMimeMessage(names, absl::UTCTimeZone());
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_THAT(*built, Not(HasSubstr("\nBcc:")));
}

// ---------------------------------------------------------------- text

TEST(Text, DatesAndDaysInDanishAndEnglish) {
  EXPECT_EQ(FormatLongDate(Day(2026, 9, 7), Language::kDanish), "mandag den 7. september 2026");
  EXPECT_EQ(FormatLongDate(Day(2026, 9, 7), Language::kEnglish), "Monday 7 September 2026");
  std::vector<Date> days = {Day(2026, 9, 8), Day(2026, 9, 7), Day(2026, 9, 9)};
  EXPECT_EQ(FormatDays(days, Language::kDanish), "mandag 7. – onsdag 9. september 2026");
  EXPECT_EQ(FormatDays(days, Language::kEnglish), "Monday 7 – Wednesday 9 September 2026");
  days = {Day(2026, 9, 30), Day(2026, 10, 1), Day(2026, 10, 5)};
  EXPECT_EQ(FormatDays(days, Language::kDanish),
            "onsdag 30. september – torsdag 1. oktober 2026 og mandag den 5. oktober 2026");
  EXPECT_EQ(FirstName("  Lene Krogh Jeppesen"), "Lene");
  EXPECT_THAT(UnmatchedReasonText("all_wished_hosts_full", "", Language::kDanish),
              HasSubstr("besat af andre praktikanter"));
  EXPECT_EQ(UnmatchedReasonText("something_new", "Because.", Language::kEnglish), "Because.");
  EXPECT_THAT(UnmatchedReasonText("something_new", "Because.", Language::kDanish),
              HasSubstr("Vi kunne ikke finde"));
}

// Every reason the matching can give has its own sentence in each language: none falls back to
// the general one, no two say the same, and the code's own (English) words are not used.
TEST(Text, EveryUnmatchedReasonCodeHasItsOwnSentenceInBothLanguages) {
  for (Language language : {Language::kDanish, Language::kEnglish}) {
    std::set<std::string> sentences;
    for (contract::UnmatchedReason reason : contract::kUnmatchedReasons) {
      const std::string_view code = contract::UnmatchedReasonCode(reason);
      const std::string sentence = UnmatchedReasonText(code, "the matching's words", language);
      EXPECT_EQ(sentence, UnmatchedReasonSentence(reason, language)) << code;
      EXPECT_NE(sentence, GeneralUnmatchedSentence(language)) << code;
      EXPECT_NE(sentence, "the matching's words") << code;
      EXPECT_GT(sentence.size(), 40u) << code;
      EXPECT_TRUE(sentences.insert(sentence).second) << code << " says what another code says";
    }
  }
  for (contract::UnmatchedReason reason : contract::kUnmatchedReasons) {
    EXPECT_NE(UnmatchedReasonSentence(reason, Language::kDanish),
              UnmatchedReasonSentence(reason, Language::kEnglish))
        << contract::UnmatchedReasonCode(reason);
  }
  // The sentences that were wrong before: no common day is not "left the round", a decline is
  // not "filled by other interns".
  EXPECT_THAT(UnmatchedReasonText("no_common_day", "", Language::kEnglish),
              AllOf(HasSubstr("days you said you could come"), Not(HasSubstr("round"))));
  EXPECT_THAT(UnmatchedReasonText("host_declined", "", Language::kDanish),
              AllOf(HasSubstr("kunne alligevel ikke tage imod dig"), Not(HasSubstr("besat"))));
}

// ---------------------------------------------------------------- templates and messages

class MessagesTest : public ::testing::Test {
 protected:
  MessagesTest() : templates_(ipraktik::testing::SourceDir() / "services/notification/templates") {
    EXPECT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen_));
  }

  MessageContext Context(std::string event_id = "9a1b7c2e-0000-4000-8000-000000000001") const {
    return {.tenant = "coi",
            .event_id = std::move(event_id),
            .event_time = absl::FromUnixSeconds(1788000000),
            .settings = Settings()};
  }

  ComposedMessage ComposeOne(const PlannedMessage& planned, const MessageContext& context) const {
    auto composed =
        Compose(planned, context, templates_, 0, absl::FromUnixSeconds(1788000000), copenhagen_);
    EXPECT_TRUE(composed.ok()) << composed.status();
    return composed.ok() ? *composed : ComposedMessage{};
  }

  TemplateStore templates_;
  absl::TimeZone copenhagen_;
};

TEST_F(MessagesTest, TheShippedTemplatesAreComplete) {
  EXPECT_TRUE(templates_.Check().ok()) << templates_.Check();
}

TEST_F(MessagesTest, PlacedInternGetsOfferPurposeGuideAndInvitation) {
  auto planned = PlanMessages(Placed(), Context());
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].kind, MessageKind::kInternPlaced);
  ComposedMessage message = ComposeOne(planned[0], Context());
  EXPECT_EQ(message.text.subject,
            "Du skal i innovationspraktik hos Socialforvaltningen, Københavns Kommune");
  EXPECT_THAT(message.text.text,
              AllOf(HasSubstr("Kære Henrik"), HasSubstr("som var dit førsteønske"),
                    HasSubstr("Bernstorffsgade 17, 1592 København V"),
                    HasSubstr("mandag 7. – onsdag 9. september 2026"),
                    HasSubstr("Lene Krogh Jeppesen, Videndelingskonsulent"),
                    HasSubstr("Telefon: +45 33 66 33 66"), HasSubstr("lene@kk.example"),
                    HasSubstr("lære af jeres værktøjer"), HasSubstr("Afstem forventningerne"),
                    HasSubstr("Vær nysgerrig"), HasSubstr("krydser sektorgrænsen"),
                    HasSubstr("Sekretariatet for Innovationspraktikken")));
  EXPECT_THAT(message.text.html, AllOf(HasSubstr("<html lang=\"da\">"),
                                       HasSubstr("Du følger enhedens arbejde med "
                                                 "videndeling.<br>Du deltager"),
                                       HasSubstr("mailto:lene@kk.example"), Not(HasSubstr("{{"))));
  ASSERT_EQ(message.attachments.size(), 1u);
  EXPECT_EQ(message.attachments[0].file_name, "innovationspraktik.ics");
  EXPECT_THAT(
      message.attachments[0].content,
      AllOf(HasSubstr("UID:placement-pl-henrik.coi@ipraktik"), HasSubstr("SEQUENCE:1"),
            HasSubstr("DTSTART;VALUE=DATE:20260907"), HasSubstr("DTEND;VALUE=DATE:20260910"),
            HasSubstr("mailto:henrik@politi.example")));
  EXPECT_THAT(message.mime, HasSubstr("X-Ipraktik-Kind: intern_placed"));
  EXPECT_EQ(message.rfc822_message_id, message.message_id + ".0@coi.example");
}

TEST_F(MessagesTest, HtmlEscapesWhatParticipantsWrote) {
  InternPlaced event = Placed();
  event.purpose = "Lære om <script> & \"citater\"";
  ComposedMessage message = ComposeOne(PlanMessages(event, Context())[0], Context());
  EXPECT_THAT(message.text.html,
              AllOf(HasSubstr("&lt;script&gt; &amp;"), Not(HasSubstr("<script>"))));
  EXPECT_THAT(message.text.text, HasSubstr("<script> & \"citater\""));
}

TEST_F(MessagesTest, EnglishWhereTheParticipantChoseIt) {
  ComposedMessage message =
      ComposeOne(PlanMessages(Placed(Language::kEnglish), Context())[0], Context());
  EXPECT_EQ(message.language, Language::kEnglish);
  EXPECT_EQ(message.text.subject,
            "Your innovation internship: Socialforvaltningen, Københavns Kommune");
  EXPECT_THAT(message.text.text,
              AllOf(HasSubstr("Dear Henrik"), HasSubstr("Monday 7 – Wednesday 9 September 2026"),
                    HasSubstr("Align expectations beforehand"), HasSubstr("Kind regards")));
  EXPECT_EQ(message.attachments[0].file_name, "internship.ics");
  // A preview may ask for the other language.
  MessageContext danish = Context();
  danish.language_override = Language::kDanish;
  EXPECT_THAT(ComposeOne(PlanMessages(Placed(Language::kEnglish), danish)[0], danish).text.text,
              HasSubstr("Kære Henrik"));
}

TEST_F(MessagesTest, MovedInternGetsAnUpdateOfTheSameCalendarEvent) {
  InternPlaced event = Placed();
  event.moved = true;
  event.revision = 4;
  auto planned = PlanMessages(event, Context());
  ASSERT_EQ(planned.size(), 1u);
  EXPECT_EQ(planned[0].kind, MessageKind::kInternMoved);
  ComposedMessage message = ComposeOne(planned[0], Context());
  EXPECT_THAT(message.text.subject, StartsWith("Ændring: "));
  EXPECT_THAT(message.text.text, HasSubstr("erstatter den, du fik før"));
  EXPECT_THAT(message.attachments[0].content,
              AllOf(HasSubstr("UID:placement-pl-henrik.coi@ipraktik"), HasSubstr("SEQUENCE:4"),
                    HasSubstr("METHOD:REQUEST")));
}

TEST_F(MessagesTest, UnmatchedInternGetsTheReasonAndWhatToDo) {
  InternUnmatched event{.round = SampleRound(),
                        .intern = Intern(),
                        .reason_code = "all_wished_hosts_full",
                        .reason = "All wished hosts were full.",
                        .placement_id = "pl-henrik",
                        .revision = 1};
  ComposedMessage message = ComposeOne(PlanMessages(event, Context())[0], Context());
  EXPECT_EQ(message.kind, MessageKind::kInternUnmatched);
  EXPECT_THAT(message.text.text,
              AllOf(HasSubstr("besat af andre praktikanter"), HasSubstr("senere runde"),
                    HasSubstr("lokal praktikordning"), HasSubstr("Holstebro Kommune laver"),
                    Not(HasSubstr("aflyst"))));
  EXPECT_TRUE(message.attachments.empty());

  event.placement_cancelled = true;
  event.cancelled_days = {Day(2026, 9, 10)};
  event.revision = 3;
  message = ComposeOne(PlanMessages(event, Context())[0], Context());
  EXPECT_THAT(message.text.text, HasSubstr("Kalenderinvitationen er aflyst"));
  ASSERT_EQ(message.attachments.size(), 1u);
  EXPECT_EQ(message.attachments[0].content_type, "text/calendar; charset=UTF-8; method=CANCEL");
  EXPECT_THAT(message.attachments[0].content,
              AllOf(HasSubstr("METHOD:CANCEL"), HasSubstr("UID:placement-pl-henrik.coi@ipraktik"),
                    HasSubstr("SEQUENCE:3"), HasSubstr("STATUS:CANCELLED"),
                    HasSubstr("DTSTART;VALUE=DATE:20260910")));
}

// The "no place" e-mail ends with the signature once, in both parts, whatever its variant.
TEST_F(MessagesTest, TheUnmatchedEmailIsSignedOnce) {
  const auto count = [](const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
  };
  for (bool english : {false, true}) {
    for (bool cancelled : {false, true}) {
      for (bool local_info : {false, true}) {
        InternUnmatched event{.round = SampleRound(),
                              .intern = Intern(),
                              .reason_code = "no_common_day",
                              .placement_id = "pl-henrik",
                              .revision = 2,
                              .placement_cancelled = cancelled};
        if (cancelled) event.cancelled_days = {Day(2026, 9, 10)};
        event.intern.language = english ? Language::kEnglish : Language::kDanish;
        MessageContext context = Context();
        if (!local_info) context.settings.local_programme_info_da.clear();
        if (!local_info) context.settings.local_programme_info_en.clear();
        const ComposedMessage message = ComposeOne(PlanMessages(event, context)[0], context);
        const std::string where = absl::StrCat(english ? "en" : "da", cancelled ? " cancelled" : "",
                                               local_info ? " with local info" : "");
        const std::string greeting = english ? "Kind regards" : "Venlig hilsen";
        const std::string signer = english ? "The Innovation Internship secretariat"
                                           : "Sekretariatet for Innovationspraktikken";
        EXPECT_EQ(count(message.text.text, greeting), 1u) << where << "\n" << message.text.text;
        EXPECT_EQ(count(message.text.text, signer), 1u) << where;
        EXPECT_EQ(count(message.text.html, greeting), 1u) << where << "\n" << message.text.html;
        EXPECT_EQ(count(message.text.html, signer), 1u) << where;
        // The signature is the end of the text: nothing but the programme's address after it.
        EXPECT_THAT(message.text.text,
                    HasSubstr(absl::StrCat(signer, "\nhttps://coi.example/ipraktik")))
            << where;
      }
    }
  }
}

TEST_F(MessagesTest, HostContactLearnsWhoIsComingWithOneInvitationPerIntern) {
  auto planned = PlanMessages(Assigned(), Context());
  ASSERT_EQ(planned.size(), 1u);
  ComposedMessage message = ComposeOne(planned[0], Context());
  EXPECT_EQ(message.recipient.email, "lene@kk.example");
  EXPECT_EQ(message.text.subject,
            "2 innovationspraktikanter kommer til Socialforvaltningen, Københavns Kommune");
  EXPECT_THAT(
      message.text.text,
      AllOf(HasSubstr("Kære Lene"), HasSubstr("Henrik Skov Nielsen, Kriminalassistent"),
            HasSubstr("Fra: National Kriminalteknisk Center"),
            HasSubstr("Simon Pasquali, Kontorchef"),
            HasSubstr("Møde borgerne og dem, der arbejder i kommunerne."),
            HasSubstr("torsdag 10. – fredag 11. september 2026"),
            HasSubstr("Brug hele arbejdspladsen"), Not(HasSubstr("Spørgsmål, du kan stille"))));
}

TEST_F(MessagesTest, PlacementMessagesCarryThePersonalLinkInBothPartsAndLanguages) {
  const std::string url = "https://praktik.example/placement/coi/ipp_x";
  for (Language language : {Language::kDanish, Language::kEnglish}) {
    InternPlaced placed = Placed(language);
    placed.placement_url = url;
    ComposedMessage intern = ComposeOne(PlanMessages(placed, Context())[0], Context());
    EXPECT_THAT(intern.text.text, AllOf(HasSubstr(url), HasSubstr(language == Language::kEnglish
                                                                      ? "YOUR INTERNSHIP ONLINE"
                                                                      : "DIN PRAKTIK ONLINE")));
    EXPECT_THAT(intern.text.html, HasSubstr("href=\"" + url + "\""));
    placed.moved = true;
    EXPECT_THAT(ComposeOne(PlanMessages(placed, Context())[0], Context()).text.text,
                HasSubstr(url));
    EXPECT_THAT(ComposeOne(PlanInternReminder(placed, Context(), 3), Context()).text.html,
                HasSubstr(url));
    HostInternsAssigned assigned = Assigned();
    assigned.host_offer.contact.language = language;
    assigned.placement_url = url;
    ComposedMessage host = ComposeOne(PlanMessages(assigned, Context())[0], Context());
    EXPECT_THAT(host.text.text, AllOf(HasSubstr(url), HasSubstr(language == Language::kEnglish
                                                                    ? "YOUR INTERNS ONLINE"
                                                                    : "DINE PRAKTIKANTER ONLINE")));
    EXPECT_THAT(host.text.html, HasSubstr("href=\"" + url + "\""));
    EXPECT_THAT(ComposeOne(*PlanHostReminder(assigned, Context(), 2), Context()).text.text,
                HasSubstr(url));
  }
  // Without links set up, nothing of them shows.
  ComposedMessage plain = ComposeOne(PlanMessages(Placed(), Context())[0], Context());
  EXPECT_THAT(plain.text.text, AllOf(Not(HasSubstr("ONLINE")), Not(HasSubstr("/placement/"))));
}

TEST(PlacementLinks, TheTokenNamesTenantRolePlacementAndPerson) {
  const LinkSubject intern = InternLink("coi", "r-1/p-1", "p-1");
  auto token = LinkToken("secret", intern);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(tokens::CheckFormat(*token, kPlacementTokenKind).ok());
  EXPECT_EQ(*LinkToken("secret", intern), *token) << "a resend renders the same link";
  EXPECT_NE(*LinkToken("secret", InternLink("other", "r-1/p-1", "p-1")), *token);
  EXPECT_NE(*LinkToken("secret", InternLink("coi", "r-1/p-2", "p-1")), *token);
  HostInternsAssigned assigned;
  assigned.host_offer.host_offer_id = "r-1/p-1";
  assigned.host_offer.contact.participant_id = "p-1";
  auto host = HostLink("coi", assigned);
  ASSERT_TRUE(host.has_value());
  EXPECT_NE(*LinkToken("secret", *host), *token) << "the host's link is not the intern's";
  assigned.host_offer.contact.participant_id.clear();
  EXPECT_FALSE(HostLink("coi", assigned).has_value()) << "no contact, no link";
  EXPECT_EQ(LinkUrl("https://praktik.example//", "coi", *token),
            "https://praktik.example/placement/coi/" + *token);
}

TEST(PlacementLinks, ALinkWorksUntilItsExtraDaysAfterTheRoundOrThePlacementEnd) {
  absl::TimeZone copenhagen;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen));
  Round round = SampleRound();
  EXPECT_FALSE(LinkLastDay(round, {}, 30).has_value());
  EXPECT_EQ(LinkLastDay(round, {Day(2026, 9, 7), Day(2026, 9, 9)}, 30), Day(2026, 10, 9));
  round.window_end = Day(2026, 9, 11);
  EXPECT_EQ(LinkLastDay(round, {Day(2026, 9, 7)}, 30), Day(2026, 10, 11));
  EXPECT_EQ(LinkLastDay(round, {Day(2026, 9, 20)}, 0), Day(2026, 9, 20));
  // Until the end of that day, Danish time (CEST: UTC+2).
  EXPECT_EQ(LinkExpiry(Day(2026, 10, 11), copenhagen),
            absl::FromCivil(absl::CivilSecond(2026, 10, 11, 22, 0, 0), absl::UTCTimeZone()));
}

TEST(PlacementLinks, AnExpiredWithdrawnCancelledOrReplacedLinkIsRefusedWithItsType) {
  const absl::Time now = absl::FromUnixSeconds(1788000000);
  StoredLink link{.role = LinkRole::kIntern, .revision = 2, .expires = now + absl::Hours(1)};
  EXPECT_TRUE(CheckLinkUsable(link, now, 2).ok());
  auto type = [](const absl::Status& status) {
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
    auto violations = errors::PreconditionViolationsOf(status);
    return violations.empty() ? std::string() : violations[0].type;
  };
  EXPECT_EQ(type(CheckLinkUsable(link, now + absl::Hours(1), 2)), "LINK_EXPIRED");
  EXPECT_EQ(type(CheckLinkUsable(link, now, 3)), "LINK_REPLACED");
  StoredLink withdrawn = link;
  withdrawn.withdrawn = true;
  EXPECT_EQ(type(CheckLinkUsable(withdrawn, now, 2)), "ALREADY_WITHDRAWN");
  StoredLink cancelled = link;
  cancelled.cancelled = true;
  EXPECT_EQ(type(CheckLinkUsable(cancelled, now, 3)), "PLACEMENT_CANCELLED");
}

TEST_F(MessagesTest, HostInvitationsShareTheInternsCalendarUid) {
  ComposedMessage host = ComposeOne(PlanMessages(Assigned(), Context())[0], Context());
  ASSERT_EQ(host.attachments.size(), 2u);
  EXPECT_EQ(host.attachments[0].file_name, "innovationspraktik-1.ics");
  EXPECT_THAT(host.attachments[0].content,
              AllOf(HasSubstr("UID:placement-pl-henrik.coi@ipraktik"),
                    HasSubstr("SUMMARY;LANGUAGE=da:Innovationspraktikant: Henrik Skov Nielsen")));
  EXPECT_THAT(host.attachments[1].content, AllOf(HasSubstr("UID:placement-pl-simon.coi@ipraktik"),
                                                 HasSubstr("DTSTART;VALUE=DATE:20260910")));
}

TEST_F(MessagesTest, AHostWhoLostAnInternGetsACancellationPerIntern) {
  HostInternsAssigned event = Assigned();
  event.cancelled = {event.interns[1]};
  event.interns.pop_back();
  event.revision = 2;
  auto planned = PlanMessages(event, Context());
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[0].kind, MessageKind::kHostInterns);
  EXPECT_EQ(planned[1].kind, MessageKind::kHostCancellation);
  EXPECT_EQ(planned[1].subject_key, "pl-simon");
  ComposedMessage update = ComposeOne(planned[0], Context());
  EXPECT_THAT(update.text.subject, StartsWith("Opdateret: En innovationspraktikant kommer"));
  EXPECT_THAT(update.text.text, HasSubstr("Kommer ikke længere: Simon Pasquali."));
  ComposedMessage cancel = ComposeOne(planned[1], Context());
  EXPECT_EQ(cancel.text.subject,
            "Aflyst: Simon Pasquali kommer ikke i praktik hos Socialforvaltningen, Københavns "
            "Kommune");
  EXPECT_THAT(cancel.attachments[0].content,
              AllOf(HasSubstr("METHOD:CANCEL"), HasSubstr("UID:placement-pl-simon.coi@ipraktik"),
                    HasSubstr("SEQUENCE:2")));
  EXPECT_NE(update.message_id, cancel.message_id);

  // A host who lost everybody gets only cancellations.
  event.cancelled.push_back(event.interns[0]);
  event.interns.clear();
  planned = PlanMessages(event, Context());
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[0].kind, MessageKind::kHostCancellation);
  EXPECT_EQ(planned[1].kind, MessageKind::kHostCancellation);
  EXPECT_NE(planned[0].Key(Context()).subject, planned[1].Key(Context()).subject);
}

TEST_F(MessagesTest, AnErasedInternsCancellationNamesNobody) {
  HostInternsAssigned event = Assigned();
  VisitingIntern erased = event.interns[1];
  erased.intern = Person{.participant_id = erased.intern.participant_id};
  erased.purpose.clear();
  event.cancelled = {erased};
  event.interns.pop_back();
  event.revision = 2;
  auto planned = PlanMessages(event, Context());
  ASSERT_EQ(planned.size(), 2u);
  ComposedMessage cancel = ComposeOne(planned[1], Context());
  EXPECT_EQ(cancel.text.subject,
            "Aflyst: en praktikant kommer ikke i praktik hos Socialforvaltningen, Københavns "
            "Kommune");
  EXPECT_THAT(cancel.text.text, AllOf(HasSubstr("og en praktikant kommer derfor ikke"),
                                      Not(HasSubstr("Simon")), Not(HasSubstr("(, )"))));
  EXPECT_THAT(cancel.attachments[0].content,
              AllOf(HasSubstr("METHOD:CANCEL"), HasSubstr("UID:placement-pl-simon.coi@ipraktik"),
                    HasSubstr("DTSTART;VALUE=DATE:"), Not(HasSubstr("Simon"))));
}

TEST_F(MessagesTest, RemindersAndEvaluationRenderInBothLanguages) {
  for (Language language : {Language::kDanish, Language::kEnglish}) {
    ComposedMessage intern =
        ComposeOne(PlanInternReminder(Placed(language), Context(), 3), Context());
    EXPECT_THAT(intern.text.subject,
                HasSubstr(language == Language::kDanish ? "om 3 dage" : "in 3 days"));
    auto host = PlanHostReminder(Assigned(language), Context(), 1);
    ASSERT_TRUE(host.has_value());
    EXPECT_THAT(ComposeOne(*host, Context()).text.subject,
                HasSubstr(language == Language::kDanish ? "i morgen" : "tomorrow"));
    EvaluationInvitation invitation{.round = SampleRound(),
                                    .participant = Intern(language),
                                    .role = Role::kIntern,
                                    .form_url = "https://eval.example/f/abc?x=1&y=2",
                                    .respond_by = Day(2026, 10, 1),
                                    .invitation_id = "inv-1",
                                    .host_workplace_name = "Socialforvaltningen"};
    ComposedMessage evaluation = ComposeOne(PlanMessages(invitation, Context())[0], Context());
    EXPECT_THAT(evaluation.text.text, HasSubstr("https://eval.example/f/abc?x=1&y=2"));
    EXPECT_THAT(evaluation.text.html, HasSubstr("href=\"https://eval.example/f/abc?x=1&amp;y=2\""));
    EXPECT_THAT(evaluation.text.text,
                HasSubstr(language == Language::kDanish ? "1. oktober 2026" : "1 October 2026"));
  }
  HostInternsAssigned nobody = Assigned();
  nobody.interns.clear();
  EXPECT_FALSE(PlanHostReminder(nobody, Context(), 2).has_value());
}

TEST_F(MessagesTest, ApprovalRequestsAndDecisionsRenderInBothLanguages) {
  for (Language language : {Language::kDanish, Language::kEnglish}) {
    const bool da = language == Language::kDanish;
    ApprovalRequest request{.round = SampleRound(),
                            .programme_name = "Innovationspraktik",
                            .application_id = "app-1",
                            .intern = Intern(language),
                            .manager_name = "Mette Chef",
                            .manager_email = "mette@fm.example",
                            .approval_url = "https://p.example/approval/coi/ipa_x?a=1&b=2",
                            .respond_by = Day(2026, 8, 14),
                            .purpose = "Se en anden arbejdsplads.",
                            .wishes = {{.rank = 1, .title = "Køkkenet"}, {.rank = 2}}};
    auto planned = PlanMessages(request, Context());
    ASSERT_EQ(planned.size(), 1u);
    // To the manager, in the intern's language; erasing the intern erases it.
    EXPECT_EQ(planned[0].kind, MessageKind::kApprovalRequest);
    EXPECT_EQ(planned[0].recipient.email, "mette@fm.example");
    EXPECT_EQ(planned[0].recipient.participant_id, request.intern.participant_id);
    ComposedMessage mail = ComposeOne(planned[0], Context());
    EXPECT_THAT(mail.text.subject, Not(HasSubstr("Påmindelse")));
    EXPECT_THAT(
        mail.text.text,
        AllOf(HasSubstr(da ? "Kære Mette" : "Dear Mette"), HasSubstr("1. Køkkenet"),
              HasSubstr(da ? "2. Et værtssted efter kriterier" : "2. A host chosen by criteria"),
              HasSubstr("https://p.example/approval/coi/ipa_x?a=1&b=2"),
              HasSubstr(da ? "14. august 2026" : "14 August 2026")));
    EXPECT_THAT(mail.text.html,
                HasSubstr("href=\"https://p.example/approval/coi/ipa_x?a=1&amp;b=2\""));
    request.reminder = true;
    auto reminder = PlanMessages(request, Context());
    EXPECT_NE(reminder[0].Key(Context()).subject, planned[0].Key(Context()).subject);
    EXPECT_THAT(ComposeOne(reminder[0], Context()).text.subject,
                HasSubstr(da ? "Påmindelse: " : "Reminder: "));

    ApprovalDecision decision{.round = SampleRound(),
                              .application_id = "app-1",
                              .intern = Intern(language),
                              .approved = false,
                              .comment = "Ikke i uge 37.",
                              .manager_name = "Mette Chef",
                              .changed = true};
    auto told = PlanMessages(decision, Context());
    ASSERT_EQ(told.size(), 1u);
    EXPECT_EQ(told[0].kind, MessageKind::kApprovalDecision);
    EXPECT_EQ(told[0].recipient.email, decision.intern.email);
    ComposedMessage decided = ComposeOne(told[0], Context());
    EXPECT_THAT(decided.text.subject, HasSubstr(da ? "ikke godkendt" : "did not approve"));
    EXPECT_THAT(decided.text.text,
                AllOf(HasSubstr("Ikke i uge 37."),
                      HasSubstr(da ? "ændret sin beslutning" : "changed their decision")));
  }
}

TEST_F(MessagesTest, MessageIdsAreStableAndDistinct) {
  auto a = PlanMessages(Placed(), Context())[0];
  EXPECT_EQ(MessageIdFor(a.Key(Context())), MessageIdFor(a.Key(Context())));
  EXPECT_EQ(MessageIdFor(a.Key(Context())).size(), 32u);
  EXPECT_NE(MessageIdFor(a.Key(Context())), MessageIdFor(a.Key(Context("other-event"))));
  MessageKey key = a.Key(Context());
  MessageKey other_kind = key;
  other_kind.kind = MessageKind::kInternReminder;
  EXPECT_NE(MessageIdFor(key), MessageIdFor(other_kind));
  MessageKey other_tenant = key;
  other_tenant.tenant = "aarhus";
  EXPECT_NE(MessageIdFor(key), MessageIdFor(other_tenant));
  std::string uuid = NameBasedUuid("reminder:intern:pl-1:3");
  EXPECT_TRUE(std::regex_match(
      uuid, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << uuid;
  EXPECT_EQ(uuid, NameBasedUuid("reminder:intern:pl-1:3"));
}

// Templates in a folder of the test's own.
class EditableTemplates : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("notification-templates-" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::copy(ipraktik::testing::SourceDir() / "services/notification/templates", root_,
                          std::filesystem::copy_options::recursive);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::filesystem::path& relative, const std::string& text) {
    std::filesystem::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative, std::ios::trunc) << text;
    // A new modification time even within the file system's time resolution.
    static int bump = 0;
    std::filesystem::last_write_time(
        root_ / relative,
        std::filesystem::file_time_type::clock::now() + std::chrono::seconds(++bump));
  }
  std::filesystem::path root_;
};

TEST_F(EditableTemplates, EditsApplyWithoutRestartAndTenantsMayOverride) {
  TemplateStore store(root_, absl::ZeroDuration());
  MessageContext context{.tenant = "holstebro", .event_id = "e", .settings = Settings()};
  PlannedMessage planned = PlanMessages(Placed(), context)[0];
  EXPECT_THAT(store.Render("holstebro", Language::kDanish, planned.kind, planned.data)->subject,
              StartsWith("Du skal i innovationspraktik"));
  Write("da/intern_placed.subject", "Lynpraktik hos {{workplace}}\n");
  EXPECT_EQ(store.Render("holstebro", Language::kDanish, planned.kind, planned.data)->subject,
            "Lynpraktik hos Socialforvaltningen, Københavns Kommune");
  Write("tenants/holstebro/da/intern_placed.subject", "Holstebro: {{round_name}}");
  EXPECT_EQ(store.Render("holstebro", Language::kDanish, planned.kind, planned.data)->subject,
            "Holstebro: Innovationspraktik 2026, uge 37");
  EXPECT_EQ(store.Render("coi", Language::kDanish, planned.kind, planned.data)->subject,
            "Lynpraktik hos Socialforvaltningen, Københavns Kommune");
}

// A parsed template is used for a while (a second by default) before its files are looked at
// again: messages do not stat or parse files, and an edit applies after at most that while.
TEST_F(EditableTemplates, EditsApplyOnceTheFilesAreLookedAtAgain) {
  absl::Time now = absl::FromUnixSeconds(1788000000);
  TemplateStore store(root_, absl::Seconds(1), [&now] { return now; });
  MessageContext context{.tenant = "holstebro", .event_id = "e", .settings = Settings()};
  PlannedMessage planned = PlanMessages(Placed(), context)[0];
  auto subject = [&] {
    return store.Render("holstebro", Language::kDanish, planned.kind, planned.data)->subject;
  };
  EXPECT_THAT(subject(), StartsWith("Du skal i innovationspraktik"));
  Write("da/intern_placed.subject", "Lynpraktik hos {{workplace}}\n");
  now += absl::Milliseconds(999);
  EXPECT_THAT(subject(), StartsWith("Du skal i innovationspraktik"));
  now += absl::Milliseconds(1);
  EXPECT_EQ(subject(), "Lynpraktik hos Socialforvaltningen, Københavns Kommune");
  // A partial's edit and a tenant's new override count as changes too.
  Write("da/partials/guide.txt", "Ny guide til {{recipient_first_name}}\n");
  Write("tenants/holstebro/da/intern_placed.subject", "Holstebro: {{round_name}}");
  EXPECT_EQ(subject(), "Lynpraktik hos Socialforvaltningen, Københavns Kommune");
  now += absl::Seconds(1);
  EXPECT_EQ(subject(), "Holstebro: Innovationspraktik 2026, uge 37");
  EXPECT_THAT(store.Render("holstebro", Language::kDanish, planned.kind, planned.data)->text,
              HasSubstr("Ny guide til "));
}

// A partial that includes itself (directly or through another) is refused, naming the template.
TEST_F(EditableTemplates, APartialIncludingItselfIsAnError) {
  TemplateStore store(root_, absl::ZeroDuration());
  MessageContext context{.tenant = "coi", .event_id = "e", .settings = Settings()};
  PlannedMessage planned = PlanMessages(Placed(), context)[0];
  Write("da/partials/guide.txt", "Se {{> closing}}\n");
  Write("da/partials/closing.txt", "og {{> guide}}\n");
  auto rendered = store.Render("coi", Language::kDanish, planned.kind, planned.data);
  ASSERT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rendered.status().message(),
              AllOf(HasSubstr("da/intern_placed.txt"), HasSubstr("includes itself")));
}

TEST_F(EditableTemplates, ATypoIsAnErrorNamingTheFileAndVariable) {
  TemplateStore store(root_, absl::ZeroDuration());
  MessageContext context{.tenant = "coi", .event_id = "e", .settings = Settings()};
  PlannedMessage planned = PlanMessages(Placed(), context)[0];
  Write("da/partials/guide.txt", "Hej {{recipient_frist_name}}\n");
  auto rendered = store.Render("coi", Language::kDanish, planned.kind, planned.data);
  ASSERT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rendered.status().message(),
              AllOf(HasSubstr("da/partials/guide.txt"), HasSubstr("{{recipient_frist_name}}")));
  Write("da/intern_placed.txt", "{{#has_purpose}}unclosed\n");
  rendered = store.Render("coi", Language::kDanish, planned.kind, planned.data);
  EXPECT_EQ(rendered.status().code(), absl::StatusCode::kInvalidArgument);
  std::filesystem::remove(root_ / "en/intern_placed.html");
  EXPECT_FALSE(store.Check().ok());
  EXPECT_THAT(store.Check().message(), HasSubstr("intern_placed.html"));
}

// ---------------------------------------------------------------- delivery rules

TEST(Delivery, SmtpOutcomes) {
  EXPECT_EQ(JudgeSmtpAttempt({.accepted = true, .reply_code = 250}).verdict, Verdict::kSent);
  EXPECT_EQ(JudgeSmtpAttempt({.stage = SmtpStage::kRecipient, .reply_code = 550}).verdict,
            Verdict::kPermanent);
  EXPECT_EQ(
      JudgeSmtpAttempt({.stage = SmtpStage::kData, .reply_code = 554, .handed_over = true}).verdict,
      Verdict::kPermanent);
  // Refusals of our own setup (authentication, the sender) are not the message's fault.
  EXPECT_EQ(JudgeSmtpAttempt({.stage = SmtpStage::kSession, .reply_code = 535}).reason,
            "server_setup");
  EXPECT_EQ(JudgeSmtpAttempt({.stage = SmtpStage::kSender, .reply_code = 553}).verdict,
            Verdict::kRetry);
  EXPECT_EQ(JudgeSmtpAttempt({.reply_code = 451}).verdict, Verdict::kRetry);
  EXPECT_EQ(JudgeSmtpAttempt({.reply_code = 0}).verdict, Verdict::kRetry);
  EXPECT_EQ(JudgeSmtpAttempt({.reply_code = 354}).verdict, Verdict::kRetry);
  EXPECT_EQ(JudgeSmtpAttempt({.reply_code = 354, .handed_over = true}).verdict,
            Verdict::kUnconfirmed);
  EXPECT_EQ(JudgeSmtpAttempt({.reply_code = 421, .handed_over = true}).verdict, Verdict::kRetry);
}

TEST(Delivery, RateLimiterSpacesSendsAfterABurst) {
  SendRateLimiter limiter(10, 2);
  absl::Time t = absl::FromUnixSeconds(1000);
  EXPECT_EQ(limiter.Reserve(t), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(t), absl::ZeroDuration());
  EXPECT_EQ(limiter.Reserve(t), absl::Milliseconds(100));
  EXPECT_EQ(limiter.Reserve(t), absl::Milliseconds(200));
  // A second later the debt is paid and the bucket refilled up to its burst.
  EXPECT_EQ(limiter.Reserve(t + absl::Seconds(2)), absl::ZeroDuration());
  SendRateLimiter unlimited(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unlimited.Reserve(t), absl::ZeroDuration());
}

TEST(Delivery, RemindersGoOutDaysBeforeInLocalTime) {
  absl::TimeZone copenhagen;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Copenhagen", &copenhagen));
  std::vector<Date> days = {Day(2026, 9, 8), Day(2026, 9, 7)};
  absl::Time announced = absl::FromCivil(absl::CivilDay(2026, 8, 20), copenhagen);
  auto due = ReminderTime(days, 3, absl::Hours(9), copenhagen, announced);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, absl::FromCivil(absl::CivilSecond(2026, 9, 4, 7, 0, 0), absl::UTCTimeZone()));
  // Announced after the reminder's time: no reminder.
  EXPECT_FALSE(ReminderTime(days, 3, absl::Hours(9), copenhagen, *due).has_value());
  EXPECT_FALSE(ReminderTime({}, 3, absl::Hours(9), copenhagen, announced).has_value());
  // The day summer time begins, 09:00 is still 09:00 local (07:00 UTC, not 08:00).
  auto spring = ReminderTime({Day(2026, 3, 30)}, 1, absl::Hours(9), copenhagen,
                             announced - absl::Hours(24 * 365));
  ASSERT_TRUE(spring.has_value());
  EXPECT_EQ(*spring, absl::FromCivil(absl::CivilSecond(2026, 3, 29, 7, 0, 0), absl::UTCTimeZone()));
  EXPECT_EQ(DaysUntil(days, *due, copenhagen), 3);
  EXPECT_EQ(DaysUntil(days, *due + absl::Hours(24 * 10), copenhagen), 0);
}

}  // namespace
}  // namespace ipraktik::notification
