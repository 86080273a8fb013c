#include "evaluation_store.h"

#include <charconv>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ipraktik/model/date.h"
#include "ipraktik/store/keys.h"

namespace ipraktik::evaluation {
namespace {

using std::chrono::year_month_day;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr char kTenantsKey[] = "ipraktik:evaluation:tenants";

// The keys of one tenant (store/keys.h validates the tenant).
class Keys {
 public:
  static absl::StatusOr<Keys> For(const std::string& tenant) {
    auto keys = store::TenantKeys::For(tenant);
    if (!keys.ok()) return keys.status();
    return Keys(*std::move(keys));
  }
  std::string Participation(std::string_view id) const { return Key("participation", id); }
  std::string Due() const { return keys_.Key("evaluation:due"); }
  std::string Person(std::string_view participant_id) const {
    return Key("person", participant_id);
  }
  std::string RoundParticipations(std::string_view round_id) const {
    return Key("participations:round", round_id);
  }
  std::string Token(std::string_view digest) const { return Key("token", digest); }
  std::string Tokens(std::string_view participation_id) const {
    return Key("tokens", participation_id);
  }
  std::string Cell(std::string_view cell_id) const { return Key("cell", cell_id); }
  std::string Ideas(std::string_view cell_id) const { return Key("ideas", cell_id); }
  std::string Cells() const { return keys_.Key("evaluation:cells"); }
  std::string ProgrammeCells(std::string_view programme_id) const {
    return Key("cells:programme", programme_id);
  }
  std::string RoundCells(std::string_view round_id) const { return Key("cells:round", round_id); }
  // The cell sets a cell of key belongs to: the tenant's, its programme's and its round's.
  std::vector<std::string> CellSets(const CellKey& key) const {
    return {Cells(), ProgrammeCells(key.programme_id), RoundCells(key.round_id)};
  }
  std::string Settings(std::string_view programme_id) const {
    return Key("settings", programme_id);
  }
  std::string Closed(std::string_view round_id) const { return Key("closed", round_id); }
  std::string TenantSettings() const { return keys_.Key("evaluation:tenant_settings"); }

 private:
  explicit Keys(store::TenantKeys keys) : keys_(std::move(keys)) {}
  std::string Key(std::string_view kind, std::string_view id) const {
    return keys_.Key("evaluation:" + std::string(kind), id);
  }
  store::TenantKeys keys_;
};

std::string FormatDay(year_month_day day) { return day.ok() ? model::FormatDate(day) : ""; }

year_month_day ParseDay(std::string_view text) {
  return model::ParseDate(text).value_or(year_month_day{});
}

std::int64_t ToInt(std::string_view text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string Flag(bool value) { return value ? "1" : "0"; }

// A whole-number field of a stored hash, or fallback when it has none.
auto NumberIn(const std::map<std::string, std::string>& hash) {
  return [&hash](const char* field, int fallback) {
    auto it = hash.find(field);
    return it == hash.end() ? fallback : static_cast<int>(ToInt(it->second));
  };
}

// The report thresholds in a settings hash (a programme's or the tenant's), defaults if unset.
AnonymityRules RulesIn(const std::map<std::string, std::string>& hash) {
  const AnonymityRules defaults;
  auto number = NumberIn(hash);
  return {.min_answers = number("min_answers", defaults.min_answers),
          .min_answers_for_text = number("min_answers_for_text", defaults.min_answers_for_text)};
}

Fields FieldsOf(const store::Reply& reply) {
  Fields fields;
  const auto& elements = reply.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields.emplace_back(elements[i].str(), elements[i + 1].str());
  }
  return fields;
}

void AddProgress(Fields& fields, const std::string& prefix, const SurveyProgress& survey) {
  fields.emplace_back(prefix + "inv", Flag(survey.invited));
  fields.emplace_back(prefix + "rem", std::to_string(survey.reminders_sent));
  fields.emplace_back(prefix + "last", FormatDay(survey.last_sent));
}

SurveyProgress ProgressFrom(const std::map<std::string, std::string>& hash,
                            const std::string& prefix) {
  auto get = [&](const char* name) {
    auto it = hash.find(prefix + name);
    return it == hash.end() ? std::string() : it->second;
  };
  return {.invited = get("inv") == "1",
          .reminders_sent = static_cast<int>(ToInt(get("rem"))),
          .last_sent = ParseDay(get("last")),
          .answered = get("ans") == "1"};
}

std::vector<std::string> ArgsOf(const std::vector<std::pair<std::string, std::int64_t>>& pairs) {
  std::vector<std::string> args;
  for (const auto& [field, value] : pairs) {
    args.push_back(field);
    args.push_back(std::to_string(value));
  }
  return args;
}

std::string NextDueArg(std::optional<year_month_day> day) {
  return day.has_value() ? std::to_string(DayNumber(*day)) : "";
}

// KEYS: participation, due, person index, round's participations. ARGV: revision, due score,
// participation id, fields...
constexpr char kUpsertSource[] = R"lua(
if redis.call('HGET', KEYS[1], 'erased') == '1' then return 0 end
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '-1')
if stored >= tonumber(ARGV[1]) then return 0 end
if redis.call('HGET', KEYS[1], 'f_inv') == '1' then
  redis.call('HSET', KEYS[1], 'revision', ARGV[1])
  return 0
end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'cancelled', '0', unpack(ARGV, 4))
redis.call('HSETNX', KEYS[1], 'version', '0')
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[3])
return 1
)lua";

// KEYS: participation, due. ARGV: revision, participation id.
constexpr char kCancelSource[] = R"lua(
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '-1')
if stored > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'revision', ARGV[1], 'cancelled', '1')
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
)lua";

// KEYS: person index, due, participations..., then token sets and tokens.
// ARGV: number of participations, their ids.
constexpr char kEraseSource[] = R"lua(
local n = tonumber(ARGV[1])
for i = 1, n do
  local key = KEYS[2 + i]
  local revision = redis.call('HGET', key, 'revision')
  redis.call('DEL', key)
  if revision then redis.call('HSET', key, 'revision', revision, 'cancelled', '1', 'erased', '1') end
  redis.call('ZREM', KEYS[2], ARGV[1 + i])
end
for i = 3 + n, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1])
return n
)lua";

// KEYS: participation, due, token, token set, cell, closed, cells, programme's cells, round's
// cells. ARGV: participation id, version seen, next due ('' none), token digest ('' none), cell id,
// number of progress arguments, progress field/value pairs, tally field/increment pairs.
constexpr char kStepSource[] = R"lua(
if redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] or
   redis.call('HGET', KEYS[1], 'cancelled') == '1' then
  skip_events()
  return 0
end
if redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  skip_events()
  return 0
end
local n = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'version', tostring(tonumber(ARGV[2]) + 1), unpack(ARGV, 7, 6 + n))
for i = 7 + n, #ARGV, 2 do redis.call('HINCRBY', KEYS[5], ARGV[i], ARGV[i + 1]) end
for i = 7, 9 do redis.call('SADD', KEYS[i], ARGV[5]) end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[3], ARGV[1])
  redis.call('SADD', KEYS[4], ARGV[4])
end
return 1
)lua";

// Whether a programme's settings hash (KEYS[1]) says its answers are anonymous: '1' or '0'
// (stored before the setting existed: anonymous unless corrections were allowed).
constexpr char kAnonymousLua[] = R"lua(
local function anonymous_answers(settings)
  local stored = redis.call('HGET', settings, 'anonymous')
  if stored then return stored end
  if redis.call('HGET', settings, 'allow_corrections') == '1' then return '0' end
  return '1'
end
)lua";

// KEYS: participation, token, cell, ideas, closed, due, cells, programme settings, programme's
// cells, round's cells.
// ARGV: participation id, wave prefix, corrections allowed, answer record, idea, next due,
// cell id, tally field/increment pairs.
constexpr char kSubmitBody[] = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('NOT_FOUND token') end
if redis.call('HGET', KEYS[1], 'cancelled') == '1' then return 'closed' end
if redis.call('EXISTS', KEYS[5]) == 1 then return 'closed' end
-- The link from answers to the person is kept only when the programme's answers are not
-- anonymous (read here, in the script that stores them, so that it cannot change meanwhile).
local linked = anonymous_answers(KEYS[8]) == '0'
redis.call('HSET', KEYS[8], 'answered', '1')
local p = ARGV[2]
local answered = redis.call('HGET', KEYS[1], p .. 'ans') == '1'
if answered then
  if ARGV[3] ~= '1' or not linked then return 'already_answered' end
  local previous = redis.call('HGET', KEYS[1], p .. 'answer') or ''
  for field, delta in string.gmatch(previous, '([%w_]+)=(%-?%d+)') do
    redis.call('HINCRBY', KEYS[3], field, -tonumber(delta))
  end
  local position = redis.call('HGET', KEYS[1], p .. 'idea_at')
  if position then redis.call('LSET', KEYS[4], position, '') end
end
for i = 8, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
for _, i in ipairs({7, 9, 10}) do redis.call('SADD', KEYS[i], ARGV[7]) end
redis.call('HDEL', KEYS[1], p .. 'answer', p .. 'idea_at')
local fields = {p .. 'ans', '1'}
if ARGV[5] ~= '' then
  local length = redis.call('RPUSH', KEYS[4], ARGV[5])
  if linked then
    table.insert(fields, p .. 'idea_at')
    table.insert(fields, tostring(length - 1))
  end
end
if linked then
  table.insert(fields, p .. 'answer')
  table.insert(fields, ARGV[4])
end
redis.call('HSET', KEYS[1], unpack(fields))
-- A scheduler that read the participation before this answer must not send it a reminder.
redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[6], ARGV[1])
else
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[1])
end
if answered then return 'corrected' end
return 'stored'
)lua";

// KEYS: programme settings. ARGV: anonymous ('1' or '0'), the other field/value pairs.
// 0 (nothing saved) when the anonymity would change after the programme's first answer.
constexpr char kSaveSettingsBody[] = R"lua(
if redis.call('HGET', KEYS[1], 'answered') == '1' and anonymous_answers(KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'anonymous', unpack(ARGV))
return 1
)lua";

std::string WavePrefix(Wave wave) { return wave == Wave::kFirst ? "f_" : "u_"; }

}  // namespace

std::string Participation::Id() const {
  if (role == Role::kHost) return absl::StrCat(placement_id, ":host:", host_offer_id);
  return absl::StrCat(placement_id, ":intern");
}

EvaluationStore::EvaluationStore(store::Pool& redis, outbox::Outbox& outbox)
    : redis_(redis),
      outbox_(outbox),
      upsert_(kUpsertSource),
      cancel_(kCancelSource),
      erase_(kEraseSource),
      submit_(absl::StrCat(kAnonymousLua, kSubmitBody)),
      save_settings_(absl::StrCat(kAnonymousLua, kSaveSettingsBody)),
      step_(kStepSource) {}

absl::Status EvaluationStore::RegisterTenant(const std::string& tenant) {
  return redis_.Command({"SADD", kTenantsKey, tenant}, store::Retry::kIdempotent).status();
}

absl::Status EvaluationStore::Upsert(const std::string& tenant, const Participation& p) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  if (absl::Status registered = RegisterTenant(tenant); !registered.ok()) return registered;
  const std::string id = p.Id();
  std::vector<std::string> args = {std::to_string(p.revision),
                                   std::to_string(DayNumber(year_month_day{
                                       std::chrono::sys_days(p.last_day) + std::chrono::days(1)})),
                                   id,
                                   "placement",
                                   p.placement_id,
                                   "offer",
                                   p.host_offer_id,
                                   "role",
                                   std::string(RoleName(p.role)),
                                   "programme",
                                   p.cell.programme_id,
                                   "round",
                                   p.cell.round_id,
                                   "sector",
                                   p.cell.sector,
                                   "region",
                                   p.cell.region,
                                   "host_sector",
                                   p.cell.host_sector,
                                   "cross",
                                   Flag(p.crosses_sectors),
                                   "first_day",
                                   FormatDay(p.first_day),
                                   "last_day",
                                   FormatDay(p.last_day),
                                   "participant",
                                   p.participant_id,
                                   "person",
                                   p.person_card,
                                   "round_card",
                                   p.round_card,
                                   "host_workplace",
                                   p.host_workplace_name};
  return redis_
      .Eval(upsert_,
            {keys->Participation(id), keys->Due(), keys->Person(p.participant_id),
             keys->RoundParticipations(p.cell.round_id)},
            args, store::Retry::kIdempotent)
      .status();
}

absl::Status EvaluationStore::Cancel(const std::string& tenant, const std::string& participation_id,
                                     std::int64_t revision) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_
      .Eval(cancel_, {keys->Participation(participation_id), keys->Due()},
            {std::to_string(revision), participation_id}, store::Retry::kIdempotent)
      .status();
}

absl::Status EvaluationStore::ErasePerson(const std::string& tenant,
                                          const std::string& participant_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto ids = redis_.Command({"SMEMBERS", keys->Person(participant_id)}, store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  std::vector<std::string> script_keys = {keys->Person(participant_id), keys->Due()};
  std::vector<std::string> args = {std::to_string(ids->elements().size())};
  for (const auto& id : ids->elements()) {
    script_keys.push_back(keys->Participation(id.str()));
    args.push_back(id.str());
  }
  for (const auto& id : ids->elements()) {
    auto digests = redis_.Command({"SMEMBERS", keys->Tokens(id.str())}, store::Retry::kIdempotent);
    if (!digests.ok()) return digests.status();
    script_keys.push_back(keys->Tokens(id.str()));
    for (const auto& digest : digests->elements()) script_keys.push_back(keys->Token(digest.str()));
  }
  return redis_.Eval(erase_, script_keys, args, store::Retry::kIdempotent).status();
}

absl::StatusOr<std::vector<std::string>> EvaluationStore::Strings(
    const std::vector<std::string>& command) {
  auto reply = redis_.Command(command, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::vector<std::string> strings;
  for (const auto& element : reply->elements()) strings.push_back(element.str());
  return strings;
}

absl::StatusOr<std::vector<std::string>> EvaluationStore::Tenants() {
  return Strings({"SMEMBERS", kTenantsKey});
}

absl::StatusOr<std::vector<std::string>> EvaluationStore::Due(const std::string& tenant,
                                                              year_month_day day, int limit) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  return Strings({"ZRANGEBYSCORE", keys->Due(), "-inf", std::to_string(DayNumber(day)), "LIMIT",
                  "0", std::to_string(limit)});
}

absl::StatusOr<std::vector<std::string>> EvaluationStore::RoundParticipations(
    const std::string& tenant, const std::string& round_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  return Strings({"SMEMBERS", keys->RoundParticipations(round_id)});
}

absl::StatusOr<std::optional<Participation>> EvaluationStore::Load(
    const std::string& tenant, const std::string& participation_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply =
      redis_.Command({"HGETALL", keys->Participation(participation_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::map<std::string, std::string> hash;
  for (auto& [field, value] : FieldsOf(*reply)) hash[field] = std::move(value);
  if (!hash.contains("placement") || hash["erased"] == "1") return std::nullopt;
  Participation p{.placement_id = hash["placement"],
                  .role = hash["role"] == "host" ? Role::kHost : Role::kIntern,
                  .host_offer_id = hash["offer"],
                  .cell = {.programme_id = hash["programme"],
                           .round_id = hash["round"],
                           .role = hash["role"] == "host" ? Role::kHost : Role::kIntern,
                           .sector = hash["sector"],
                           .region = hash["region"],
                           .host_sector = hash["host_sector"]},
                  .crosses_sectors = hash["cross"] == "1",
                  .first_day = ParseDay(hash["first_day"]),
                  .last_day = ParseDay(hash["last_day"]),
                  .participant_id = hash["participant"],
                  .person_card = hash["person"],
                  .round_card = hash["round_card"],
                  .host_workplace_name = hash["host_workplace"],
                  .revision = ToInt(hash["revision"]),
                  .cancelled = hash["cancelled"] == "1",
                  .version = ToInt(hash["version"])};
  p.progress = {.last_day = p.last_day,
                .first = ProgressFrom(hash, "f_"),
                .follow_up = ProgressFrom(hash, "u_")};
  return p;
}

absl::StatusOr<bool> EvaluationStore::ApplyStep(const std::string& tenant,
                                                const Participation& seen,
                                                const EvaluationProgress& after,
                                                std::optional<year_month_day> next_due,
                                                const Tally& tally, const std::string& token_digest,
                                                const std::optional<events::Envelope>& event) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  const std::string id = seen.Id();
  const std::string cell_id = CellId(seen.cell);
  Fields progress;
  AddProgress(progress, "f_", after.first);
  AddProgress(progress, "u_", after.follow_up);
  std::vector<std::string> args = {
      id,      std::to_string(seen.version),       NextDueArg(next_due), token_digest,
      cell_id, std::to_string(progress.size() * 2)};
  for (auto& [field, value] : progress) {
    args.push_back(std::move(field));
    args.push_back(std::move(value));
  }
  // An invitation to the first survey writes every counter of the cell (zeros too).
  for (auto& arg : ArgsOf(TallyFields(tally, /*with_zeros=*/tally.participants > 0))) {
    args.push_back(std::move(arg));
  }
  outbox::Change change{
      .keys = {keys->Participation(id), keys->Due(), keys->Token(token_digest), keys->Tokens(id),
               keys->Cell(cell_id), keys->Closed(seen.cell.round_id), keys->Cells(),
               keys->ProgrammeCells(seen.cell.programme_id), keys->RoundCells(seen.cell.round_id)},
      .args = std::move(args)};
  if (event.has_value()) change.events.push_back(*event);
  auto outcome = outbox_.Commit(step_, tenant, change);
  if (!outcome.ok()) return outcome.status();
  return outcome->reply.integer() == 1;
}

absl::StatusOr<std::optional<std::string>> EvaluationStore::ParticipationOfToken(
    const std::string& tenant, const std::string& digest) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"GET", keys->Token(digest)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (!reply->is_string()) return std::nullopt;
  return reply->str();
}

absl::StatusOr<SubmitResult> EvaluationStore::Submit(const std::string& tenant,
                                                     const Participation& seen,
                                                     const std::string& digest, Wave wave,
                                                     const Tally& tally, const std::string& idea,
                                                     bool allow_corrections,
                                                     std::optional<year_month_day> next_due) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  const std::string id = seen.Id();
  const std::string cell_id = CellId(seen.cell);
  const auto increments = TallyFields(tally);
  std::string record;
  for (const auto& [field, value] : increments) absl::StrAppend(&record, field, "=", value, " ");
  std::vector<std::string> args = {
      id, WavePrefix(wave), Flag(allow_corrections), record, idea, NextDueArg(next_due), cell_id};
  for (auto& arg : ArgsOf(increments)) args.push_back(std::move(arg));
  auto reply = redis_.Eval(
      submit_,
      {keys->Participation(id), keys->Token(digest), keys->Cell(cell_id), keys->Ideas(cell_id),
       keys->Closed(seen.cell.round_id), keys->Due(), keys->Cells(),
       keys->Settings(seen.cell.programme_id), keys->ProgrammeCells(seen.cell.programme_id),
       keys->RoundCells(seen.cell.round_id)},
      args);
  if (!reply.ok()) return reply.status();
  if (reply->str() == "stored") return SubmitResult::kStored;
  if (reply->str() == "corrected") return SubmitResult::kCorrected;
  if (reply->str() == "already_answered") return SubmitResult::kAlreadyAnswered;
  return SubmitResult::kClosed;
}

absl::StatusOr<std::vector<Cell>> EvaluationStore::Cells(const std::string& tenant,
                                                         const CellScope& scope) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  const std::string set = scope.round_id.has_value() ? keys->RoundCells(*scope.round_id)
                          : scope.programme_id.has_value()
                              ? keys->ProgrammeCells(*scope.programme_id)
                              : keys->Cells();
  auto ids = redis_.Command({"SMEMBERS", set}, store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  store::Pipeline pipeline;
  std::vector<CellKey> cell_keys;
  for (const auto& id : ids->elements()) {
    auto key = CellKeyFromId(id.str());
    if (!key.has_value()) continue;
    cell_keys.push_back(*key);
    pipeline.Add({"HGETALL", keys->Cell(id.str())});
    pipeline.Add({"LRANGE", keys->Ideas(id.str()), std::to_string(-kIdeasPerCell), "-1"});
  }
  if (pipeline.empty()) return std::vector<Cell>{};
  auto replies = redis_.Execute(pipeline, store::Retry::kIdempotent);
  if (!replies.ok()) return replies.status();
  std::vector<Cell> cells;
  for (std::size_t i = 0; i < cell_keys.size(); ++i) {
    Cell cell{.key = cell_keys[i], .tally = TallyFromFields(FieldsOf((*replies)[2 * i]))};
    for (const auto& idea : (*replies)[2 * i + 1].elements()) {
      if (!idea.str().empty()) cell.ideas.push_back(idea.str());  // "" marks a corrected idea
    }
    cells.push_back(std::move(cell));
  }
  return cells;
}

absl::StatusOr<ProgrammeSettings> EvaluationStore::Settings(const std::string& tenant,
                                                            const std::string& programme_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->Settings(programme_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  ProgrammeSettings settings;
  std::map<std::string, std::string> hash;
  for (auto& [field, value] : FieldsOf(*reply)) hash[field] = std::move(value);
  auto number = NumberIn(hash);
  settings.schedule.reminder_after_days = number("reminder_after_days", 5);
  settings.schedule.max_reminders = number("max_reminders", 2);
  settings.schedule.follow_up_after_days =
      hash["follow_up"] == "0" ? std::nullopt
                               : std::optional<int>(number("follow_up_after_days", 90));
  settings.allow_corrections = hash["allow_corrections"] == "1";
  settings.anonymity = RulesIn(hash);
  // Stored before the setting existed: anonymous unless corrections were allowed (as the
  // scripts read it).
  settings.anonymous_answers =
      hash.contains("anonymous") ? hash["anonymous"] == "1" : !settings.allow_corrections;
  return settings;
}

absl::StatusOr<AnonymityRules> EvaluationStore::TenantRules(const std::string& tenant) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", keys->TenantSettings()}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  std::map<std::string, std::string> hash;
  for (auto& [field, value] : FieldsOf(*reply)) hash[field] = std::move(value);
  return RulesIn(hash);
}

absl::Status EvaluationStore::SaveTenantRules(const std::string& tenant,
                                              const AnonymityRules& rules) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_
      .Command({"HSET", keys->TenantSettings(), "min_answers", std::to_string(rules.min_answers),
                "min_answers_for_text", std::to_string(rules.min_answers_for_text)},
               store::Retry::kIdempotent)
      .status();
}

absl::StatusOr<bool> EvaluationStore::SaveSettings(const std::string& tenant,
                                                   const std::string& programme_id,
                                                   const ProgrammeSettings& settings) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  const auto& schedule = settings.schedule;
  auto saved = redis_.Eval(save_settings_, {keys->Settings(programme_id)},
                           {Flag(settings.anonymous_answers), "reminder_after_days",
                            std::to_string(schedule.reminder_after_days), "max_reminders",
                            std::to_string(schedule.max_reminders), "follow_up",
                            Flag(schedule.follow_up_after_days.has_value()), "follow_up_after_days",
                            std::to_string(schedule.follow_up_after_days.value_or(90)),
                            "allow_corrections", Flag(settings.allow_corrections), "min_answers",
                            std::to_string(settings.anonymity.min_answers), "min_answers_for_text",
                            std::to_string(settings.anonymity.min_answers_for_text)},
                           store::Retry::kIdempotent);
  if (!saved.ok()) return saved.status();
  return saved->integer() == 1;
}

absl::Status EvaluationStore::Close(const std::string& tenant, const std::string& round_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  return redis_.Command({"SET", keys->Closed(round_id), "1"}, store::Retry::kIdempotent).status();
}

absl::StatusOr<bool> EvaluationStore::Closed(const std::string& tenant,
                                             const std::string& round_id) {
  auto keys = Keys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"EXISTS", keys->Closed(round_id)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->integer() == 1;
}

}  // namespace ipraktik::evaluation
