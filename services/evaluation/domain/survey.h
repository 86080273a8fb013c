#pragma once

// The two surveys a participant answers after an internship (the first soon after the last day,
// a follow-up about 90 days later), their questions in Danish and English, and the rules an
// answer must keep. Pure: nothing here knows gRPC, protobuf or Redis; the service maps its API
// messages to these values, and a web form shows the same questions and the same messages.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ipraktik/model/role.h"

namespace ipraktik::evaluation {

// Which side of an internship a participant was on (the model's Role; kUnspecified is never
// stored with an evaluation).
using model::Role;
std::string_view RoleName(Role role);  // "intern", "host", "unspecified"

// Which of the two surveys.
enum class Wave { kFirst, kFollowUp };
std::string_view WaveName(Wave wave);  // "first", "follow_up"

// Was the internship's length right?
enum class LengthVerdict { kTooShort, kRight, kTooLong };
inline constexpr int kLengthVerdicts = 3;

// Ratings run from 1 (not at all) to 5 (very much).
inline constexpr int kMinRating = 1;
inline constexpr int kMaxRating = 5;
// Longest answers, in characters.
inline constexpr std::size_t kMaxIdeaCharacters = 500;
inline constexpr std::size_t kMaxCommentCharacters = 4000;
inline constexpr int kMaxNewContacts = 100;

// What a participant answered. Fields of the other wave, or of the other role, stay empty; an
// empty optional is an unanswered question.
struct Answers {
  // First wave, both roles.
  std::optional<int> overall_value{};  // 1-5: how valuable was it overall
  std::optional<int> relevance{};      // 1-5: how relevant to one's own work
  // First wave, by role: an intern rates the host's preparation, a host the intern's contribution.
  std::optional<int> host_preparation{};
  std::optional<int> intern_contribution{};
  std::optional<LengthVerdict> length{};
  std::optional<bool> would_recommend{};
  std::optional<int> new_contacts{};  // 0-100 people one now knows and did not before
  std::string idea{};                 // one idea to take home (optional, one line)
  // Follow-up wave.
  std::optional<bool> used_learning{};      // did you use what you learned
  std::optional<bool> kept_contact{};       // did you keep in touch with the other side
  std::optional<bool> workplace_changed{};  // did something change at your workplace
  // Both waves: anything else (optional, several lines).
  std::string comment{};
};

// INVALID_ARGUMENT naming every wrong or missing field as "answers.<field>" (e.g.
// "answers.overall_value"), or OK. A question of the other role or wave must be left empty.
absl::Status ValidateAnswers(const Answers& answers, Role role, Wave wave);

// How a question is answered, for a form that draws itself from the question list.
enum class QuestionKind { kRating, kLengthVerdict, kYesNo, kCount, kLine, kText };

struct Question {
  std::string_view field;  // the field of Answers (and of the API's answers message)
  QuestionKind kind;
  bool required;
  std::string_view danish{};
  std::string_view english{};
};

// The questions of one survey for one role, in the order a form asks them.
std::vector<Question> QuestionsFor(Role role, Wave wave);

}  // namespace ipraktik::evaluation
