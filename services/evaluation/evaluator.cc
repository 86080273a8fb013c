#include "evaluator.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "intake.h"
#include "ipraktik/errors/errors.h"
#include "ipraktik/model_proto/model_proto.h"
#include "ipraktik/text/text.h"
#include "ipraktik/tokens/tokens.h"

namespace ipraktik::evaluation {
namespace {

constexpr char kTokenKind[] = "ipe";

// The survey a participation answers now: the follow-up once it was invited to it.
Wave OpenWave(const EvaluationProgress& progress) {
  return progress.follow_up.invited ? Wave::kFollowUp : Wave::kFirst;
}

v1::QuestionKind ToProto(QuestionKind kind) {
  switch (kind) {
    case QuestionKind::kRating:
      return v1::QUESTION_KIND_RATING;
    case QuestionKind::kLengthVerdict:
      return v1::QUESTION_KIND_LENGTH_VERDICT;
    case QuestionKind::kYesNo:
      return v1::QUESTION_KIND_YES_NO;
    case QuestionKind::kCount:
      return v1::QUESTION_KIND_COUNT;
    case QuestionKind::kLine:
      return v1::QUESTION_KIND_LINE;
    case QuestionKind::kText:
      return v1::QUESTION_KIND_TEXT;
  }
  return v1::QUESTION_KIND_UNSPECIFIED;
}

template <typename T>
std::optional<T> Optional(bool has, T value) {
  return has ? std::optional<T>(value) : std::nullopt;
}

Answers FromProto(const v1::EvaluationAnswers& a) {
  Answers answers{
      .overall_value = Optional(a.has_overall_value(), a.overall_value()),
      .relevance = Optional(a.has_relevance(), a.relevance()),
      .host_preparation = Optional(a.has_host_preparation(), a.host_preparation()),
      .intern_contribution = Optional(a.has_intern_contribution(), a.intern_contribution()),
      .would_recommend = Optional(a.has_would_recommend(), a.would_recommend()),
      .new_contacts = Optional(a.has_new_contacts(), a.new_contacts()),
      .idea = a.idea(),
      .used_learning = Optional(a.has_used_learning(), a.used_learning()),
      .kept_contact = Optional(a.has_kept_contact(), a.kept_contact()),
      .workplace_changed = Optional(a.has_workplace_changed(), a.workplace_changed()),
      .comment = a.comment()};
  switch (a.length()) {
    case v1::LENGTH_VERDICT_TOO_SHORT:
      answers.length = LengthVerdict::kTooShort;
      break;
    case v1::LENGTH_VERDICT_RIGHT:
      answers.length = LengthVerdict::kRight;
      break;
    case v1::LENGTH_VERDICT_TOO_LONG:
      answers.length = LengthVerdict::kTooLong;
      break;
    default:
      break;
  }
  return answers;
}

v1::EvaluationSettings ToProto(const ProgrammeSettings& s) {
  v1::EvaluationSettings out;
  out.set_reminder_after_days(s.schedule.reminder_after_days);
  out.set_max_reminders(s.schedule.max_reminders);
  out.set_follow_up_enabled(s.schedule.follow_up_after_days.has_value());
  out.set_follow_up_after_days(s.schedule.follow_up_after_days.value_or(90));
  out.set_allow_corrections(s.allow_corrections);
  out.set_min_answers(s.anonymity.min_answers);
  out.set_min_answers_for_text(s.anonymity.min_answers_for_text);
  out.set_anonymous_answers(s.anonymous_answers);
  return out;
}

v1::TenantEvaluationSettings ToProto(const AnonymityRules& rules) {
  v1::TenantEvaluationSettings out;
  out.set_min_answers(rules.min_answers);
  out.set_min_answers_for_text(rules.min_answers_for_text);
  return out;
}

// The stricter of two sets of thresholds.
AnonymityRules Strictest(const AnonymityRules& a, const AnonymityRules& b) {
  return {.min_answers = std::max(a.min_answers, b.min_answers),
          .min_answers_for_text = std::max(a.min_answers_for_text, b.min_answers_for_text)};
}

// The filters of a report request (tenant or national), as the domain takes them.
template <typename Request>
void SetFilters(const Request& request, ReportQuery& query) {
  if (request.role() != v1::EVALUATION_ROLE_UNSPECIFIED) {
    query.role = model::FromProto(request.role());
  }
  if (auto sector = SectorName(request.sector()); !sector.empty()) query.sector = sector;
  if (!request.region().empty()) query.region = request.region();
  if (auto sector = SectorName(request.host_sector()); !sector.empty()) query.host_sector = sector;
}

// Adds a violation of settings.<field> when value is outside [min, max].
class RangeCheck {
 public:
  explicit RangeCheck(errors::Violations& violations) : violations_(violations) {}
  void operator()(const char* field, int value, int min, int max) {
    if (value < min || value > max) {
      violations_.Add(absl::StrCat("settings.", field),
                      absl::StrCat("must be from ", min, " to ", max));
    }
  }

 private:
  errors::Violations& violations_;
};

// Both thresholds, in their ranges (the text's at least the figures').
void CheckThresholds(RangeCheck& range, int min_answers, int min_answers_for_text) {
  range("min_answers", min_answers, 1, 1000);
  range("min_answers_for_text", min_answers_for_text, min_answers, 1000);
}

// The settings asked for; anonymous_answers unset keeps `stored`'s.
absl::StatusOr<ProgrammeSettings> FromProto(const v1::EvaluationSettings& s,
                                            const ProgrammeSettings& stored) {
  errors::Violations violations;
  RangeCheck range(violations);
  range("reminder_after_days", s.reminder_after_days(), 1, 60);
  range("max_reminders", s.max_reminders(), 0, 10);
  if (s.follow_up_enabled()) range("follow_up_after_days", s.follow_up_after_days(), 14, 730);
  CheckThresholds(range, s.min_answers(), s.min_answers_for_text());
  const bool anonymous =
      s.has_anonymous_answers() ? s.anonymous_answers() : stored.anonymous_answers;
  if (anonymous && s.allow_corrections()) {
    violations.Add("settings.allow_corrections",
                   "needs anonymous_answers false (a correction replaces the person's answers)");
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  return ProgrammeSettings{
      .schedule = {.reminder_after_days = s.reminder_after_days(),
                   .max_reminders = s.max_reminders(),
                   .follow_up_after_days =
                       Optional(s.follow_up_enabled(), static_cast<int>(s.follow_up_after_days()))},
      .allow_corrections = s.allow_corrections(),
      .anonymity = {.min_answers = s.min_answers(),
                    .min_answers_for_text = s.min_answers_for_text()},
      .anonymous_answers = anonymous};
}

v1::Sector SectorFromName(std::string_view name) {
  return model::ToProto(model::ParseSector(name).value_or(model::Sector::kUnspecified));
}

void SetRating(v1::RatingFigures& out, const RatingFigures& figures) {
  out.set_mean(figures.mean);
  for (auto count : figures.distribution) out.add_distribution(count);
}

v1::EvaluationReportRow ToProto(const GroupFigures& g) {
  v1::EvaluationReportRow row;
  if (g.role.has_value()) {
    row.set_role(model::ToProto(*g.role));
  }
  row.set_sector(SectorFromName(g.sector));
  row.set_participants(g.participants);
  row.set_answers(g.answers);
  row.set_cross_sector(g.cross_sector);
  row.set_hidden(g.hidden);
  row.set_ideas_hidden(g.ideas_hidden);
  if (g.hidden) return row;
  row.set_response_rate(g.response_rate);
  row.set_cross_sector_share(g.cross_sector_share);
  SetRating(*row.mutable_overall_value(), g.ratings[0]);
  SetRating(*row.mutable_relevance(), g.ratings[1]);
  SetRating(*row.mutable_other_side(), g.ratings[2]);
  row.set_recommend_share(g.recommend_share);
  row.set_length_too_short(g.length[0]);
  row.set_length_right(g.length[1]);
  row.set_length_too_long(g.length[2]);
  row.set_mean_new_contacts(g.mean_new_contacts);
  row.set_follow_up_answers(g.follow_up_answers);
  row.set_used_learning(g.used_learning);
  row.set_kept_contact(g.kept_contact);
  row.set_workplace_changed(g.workplace_changed);
  for (const auto& idea : g.ideas) row.add_ideas(idea);
  return row;
}

std::string CsvLine(const v1::EvaluationReportRow& row, bool total) {
  std::string role = total ? "total" : row.role() == v1::EVALUATION_ROLE_HOST ? "host" : "intern";
  std::vector<std::string> fields = {role,
                                     SectorName(row.sector()),
                                     absl::StrCat(row.participants()),
                                     absl::StrCat(row.answers()),
                                     absl::StrCat(row.cross_sector()),
                                     row.hidden() ? "true" : "false"};
  if (row.hidden()) {
    fields.resize(22);  // the figures stay empty
  } else {
    for (double value : {row.response_rate(), row.cross_sector_share(), row.overall_value().mean(),
                         row.relevance().mean(), row.other_side().mean(), row.recommend_share()}) {
      fields.push_back(absl::StrCat(value));
    }
    for (std::int64_t value : {row.length_too_short(), row.length_right(), row.length_too_long()}) {
      fields.push_back(absl::StrCat(value));
    }
    fields.push_back(absl::StrCat(row.mean_new_contacts()));
    for (std::int64_t value : {row.follow_up_answers(), row.used_learning(), row.kept_contact(),
                               row.workplace_changed()}) {
      fields.push_back(absl::StrCat(value));
    }
    fields.push_back(row.ideas_hidden() ? "true" : "false");
    fields.push_back(absl::StrJoin(row.ideas(), "\n"));
  }
  for (auto& field : fields) field = text::CsvField(field);
  return absl::StrCat(absl::StrJoin(fields, ","), "\r\n");
}

}  // namespace

std::string ReportCsv(const v1::GetEvaluationReportResponse& report) {
  std::string csv =
      "role,sector,participants,answers,cross_sector,hidden,response_rate,cross_sector_share,"
      "overall_value_mean,relevance_mean,other_side_mean,recommend_share,length_too_short,"
      "length_right,length_too_long,mean_new_contacts,follow_up_answers,used_learning,"
      "kept_contact,workplace_changed,ideas_hidden,ideas\r\n";
  csv += CsvLine(report.total(), /*total=*/true);
  for (const auto& row : report.rows()) csv += CsvLine(row, /*total=*/false);
  return csv;
}

Evaluator::Evaluator(EvaluationStore& store, Scheduler& scheduler, std::string token_secret,
                     EvaluationMetrics& metrics)
    : store_(store),
      scheduler_(scheduler),
      token_secret_(std::move(token_secret)),
      metrics_(metrics) {}

absl::StatusOr<Evaluator::Resolved> Evaluator::Resolve(const std::string& tenant,
                                                       const std::string& token) {
  if (absl::Status format = tokens::CheckFormat(token, kTokenKind); !format.ok()) {
    return errors::InvalidArgument({{"token", std::string(format.message())}});
  }
  std::string digest = tokens::Digest(token_secret_, token);
  auto id = store_.ParticipationOfToken(tenant, digest);
  if (!id.ok()) return id.status();
  if (!id->has_value())
    return errors::NotFound("evaluation", "token", "no evaluation for this token");
  auto participation = store_.Load(tenant, **id);
  if (!participation.ok()) return participation.status();
  if (!participation->has_value()) {
    return errors::NotFound("evaluation", "token", "no evaluation for this token");
  }
  return Resolved{.digest = std::move(digest), .participation = **std::move(participation)};
}

absl::StatusOr<v1::LookupEvaluationResponse> Evaluator::Lookup(
    const std::string& tenant, const v1::LookupEvaluationRequest& request) {
  auto resolved = Resolve(tenant, request.token());
  if (!resolved.ok()) return resolved.status();
  const Participation& p = resolved->participation;
  auto settings = store_.Settings(tenant, p.cell.programme_id);
  if (!settings.ok()) return settings.status();
  v1::PersonCard person;
  v1::LookupEvaluationResponse response;
  if (!person.ParseFromString(p.person_card) ||
      !response.mutable_round()->ParseFromString(p.round_card)) {
    return absl::DataLossError(absl::StrCat("participation ", p.Id(), " does not parse"));
  }
  const Wave wave = OpenWave(p.progress);
  response.set_role(model::ToProto(p.role));
  response.set_wave(wave == Wave::kFirst ? v1::EVALUATION_WAVE_FIRST
                                         : v1::EVALUATION_WAVE_FOLLOW_UP);
  response.set_host_workplace_name(p.host_workplace_name);
  *response.mutable_first_day() = model::ToProto(p.first_day);
  *response.mutable_last_day() = model::ToProto(p.last_day);
  const bool english = person.language() == v1::LANGUAGE_ENGLISH;
  response.set_language(english ? v1::LANGUAGE_ENGLISH : v1::LANGUAGE_DANISH);
  for (const Question& question : QuestionsFor(p.role, wave)) {
    auto* out = response.add_questions();
    out->set_field(std::string(question.field));
    out->set_kind(ToProto(question.kind));
    out->set_required(question.required);
    out->set_text(std::string(english ? question.english : question.danish));
  }
  response.set_answered(wave == Wave::kFirst ? p.progress.first.answered
                                             : p.progress.follow_up.answered);
  response.set_corrections_allowed(settings->allow_corrections);
  return response;
}

absl::StatusOr<v1::SubmitEvaluationResponse> Evaluator::Submit(
    const std::string& tenant, const v1::SubmitEvaluationRequest& request) {
  auto resolved = Resolve(tenant, request.token());
  if (!resolved.ok()) return resolved.status();
  const Participation& p = resolved->participation;
  const Wave wave = OpenWave(p.progress);
  const Answers answers = FromProto(request.answers());
  if (absl::Status valid = ValidateAnswers(answers, p.role, wave); !valid.ok()) return valid;
  auto settings = store_.Settings(tenant, p.cell.programme_id);
  if (!settings.ok()) return settings.status();
  Tally tally;
  tally.AddAnswers(answers, wave);
  EvaluationProgress after = p.progress;
  (wave == Wave::kFirst ? after.first : after.follow_up).answered = true;
  auto result = store_.Submit(tenant, p, resolved->digest, wave, tally,
                              wave == Wave::kFirst ? answers.idea : "", settings->allow_corrections,
                              NextDueDay(after, settings->schedule));
  if (!result.ok()) return result.status();
  switch (*result) {
    case SubmitResult::kAlreadyAnswered:
      return errors::FailedPrecondition("ALREADY_ANSWERED", "evaluation",
                                        "this evaluation was answered already");
    case SubmitResult::kClosed:
      return errors::FailedPrecondition("EVALUATION_CLOSED", "evaluation",
                                        "this evaluation is closed");
    case SubmitResult::kStored:
    case SubmitResult::kCorrected:
      break;
  }
  metrics_.Answer(p.role);
  v1::SubmitEvaluationResponse response;
  response.set_corrected(*result == SubmitResult::kCorrected);
  return response;
}

absl::StatusOr<v1::SendEvaluationInvitationsResponse> Evaluator::SendInvitations(
    const std::string& tenant, const v1::SendEvaluationInvitationsRequest& request) {
  if (request.round_id().empty()) return errors::InvalidArgument({{"round_id", "is required"}});
  auto done = scheduler_.InviteRound(tenant, request.round_id(), request.include_unfinished());
  if (!done.ok()) return done.status();
  v1::SendEvaluationInvitationsResponse response;
  response.set_invited(done->invited);
  response.set_already_invited(done->already_invited);
  response.set_not_finished(done->not_finished);
  response.set_not_evaluated(done->not_evaluated);
  return response;
}

absl::StatusOr<v1::CloseEvaluationResponse> Evaluator::Close(
    const std::string& tenant, const v1::CloseEvaluationRequest& request) {
  if (request.round_id().empty()) return errors::InvalidArgument({{"round_id", "is required"}});
  if (absl::Status closed = store_.Close(tenant, request.round_id()); !closed.ok()) return closed;
  return v1::CloseEvaluationResponse{};
}

absl::StatusOr<v1::GetEvaluationSettingsResponse> Evaluator::GetSettings(
    const std::string& tenant, const v1::GetEvaluationSettingsRequest& request) {
  if (request.programme_id().empty()) {
    return errors::InvalidArgument({{"programme_id", "is required"}});
  }
  auto settings = store_.Settings(tenant, request.programme_id());
  if (!settings.ok()) return settings.status();
  v1::GetEvaluationSettingsResponse response;
  *response.mutable_settings() = ToProto(*settings);
  return response;
}

absl::StatusOr<v1::UpdateEvaluationSettingsResponse> Evaluator::UpdateSettings(
    const std::string& tenant, const v1::UpdateEvaluationSettingsRequest& request) {
  if (request.programme_id().empty()) {
    return errors::InvalidArgument({{"programme_id", "is required"}});
  }
  auto stored = store_.Settings(tenant, request.programme_id());
  if (!stored.ok()) return stored.status();
  auto settings = FromProto(request.settings(), *stored);
  if (!settings.ok()) return settings.status();
  auto saved = store_.SaveSettings(tenant, request.programme_id(), *settings);
  if (!saved.ok()) return saved.status();
  if (!*saved) {
    return errors::FailedPrecondition(
        "ANONYMITY_FIXED", "settings.anonymous_answers",
        "whether answers are anonymous cannot change after the programme's first answer");
  }
  v1::UpdateEvaluationSettingsResponse response;
  *response.mutable_settings() = ToProto(*settings);
  return response;
}

absl::StatusOr<v1::GetTenantEvaluationSettingsResponse> Evaluator::GetTenantSettings(
    const std::string& tenant, const v1::GetTenantEvaluationSettingsRequest&) {
  auto rules = store_.TenantRules(tenant);
  if (!rules.ok()) return rules.status();
  v1::GetTenantEvaluationSettingsResponse response;
  *response.mutable_settings() = ToProto(*rules);
  return response;
}

absl::StatusOr<v1::UpdateTenantEvaluationSettingsResponse> Evaluator::UpdateTenantSettings(
    const std::string& tenant, const v1::UpdateTenantEvaluationSettingsRequest& request) {
  const auto& asked = request.settings();
  errors::Violations violations;
  RangeCheck range(violations);
  CheckThresholds(range, asked.min_answers(), asked.min_answers_for_text());
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  const AnonymityRules rules{.min_answers = asked.min_answers(),
                             .min_answers_for_text = asked.min_answers_for_text()};
  if (absl::Status saved = store_.SaveTenantRules(tenant, rules); !saved.ok()) return saved;
  v1::UpdateTenantEvaluationSettingsResponse response;
  *response.mutable_settings() = ToProto(rules);
  return response;
}

absl::StatusOr<v1::GetEvaluationReportResponse> Evaluator::Report(
    const std::string& tenant, const v1::GetEvaluationReportRequest& request) {
  ReportQuery query;
  if (!request.programme_id().empty()) query.programme_id = request.programme_id();
  if (!request.round_id().empty()) query.round_id = request.round_id();
  SetFilters(request, query);
  // The tenant's thresholds, raised by a programme's own.
  auto rules = store_.TenantRules(tenant);
  if (!rules.ok()) return rules.status();
  if (query.programme_id.has_value()) {
    auto stored = store_.Settings(tenant, *query.programme_id);
    if (!stored.ok()) return stored.status();
    *rules = Strictest(*rules, stored->anonymity);
  }
  // Only the cells in the report's scope (the domain checks the scope again).
  auto cells =
      store_.Cells(tenant, {.programme_id = query.programme_id, .round_id = query.round_id});
  if (!cells.ok()) return cells.status();
  return ReportResponse(BuildReport(*cells, query, *rules));
}

absl::StatusOr<v1::GetNationalEvaluationReportResponse> Evaluator::NationalReport(
    const v1::GetNationalEvaluationReportRequest& request) {
  ReportQuery query;
  SetFilters(request, query);
  auto tenants = store_.Tenants();
  if (!tenants.ok()) return tenants.status();
  // Every tenant's cells (the report costs the number of cells of all tenants), under the
  // strictest thresholds any tenant set, since a group mixes their participants.
  std::vector<Cell> cells;
  AnonymityRules rules;
  for (const std::string& tenant : *tenants) {
    auto tenant_rules = store_.TenantRules(tenant);
    if (!tenant_rules.ok()) return tenant_rules.status();
    rules = Strictest(rules, *tenant_rules);
    auto tenant_cells = store_.Cells(tenant);
    if (!tenant_cells.ok()) return tenant_cells.status();
    std::move(tenant_cells->begin(), tenant_cells->end(), std::back_inserter(cells));
  }
  v1::GetNationalEvaluationReportResponse response;
  *response.mutable_report() = ReportResponse(BuildReport(cells, query, rules));
  response.set_tenants(static_cast<int>(tenants->size()));
  return response;
}

v1::GetEvaluationReportResponse ReportResponse(const evaluation::Report& report) {
  v1::GetEvaluationReportResponse response;
  *response.mutable_total() = ToProto(report.total);
  for (const auto& row : report.rows) *response.add_rows() = ToProto(row);
  response.set_csv(ReportCsv(response));
  return response;
}

}  // namespace ipraktik::evaluation
