#include "ipraktik/jobs/job_store.h"

#include <charconv>
#include <functional>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/timestamp.pb.h"
#include "ipraktik/contract/event_types.h"
#include "ipraktik/events/envelope.h"
#include "ipraktik/events/event_script.h"
#include "ipraktik/jobs/job_state.h"
#include "ipraktik/model/page.h"
#include "ipraktik/outbox/outbox.h"
#include "ipraktik/records/records.h"
#include "ipraktik/storage/v1/records.pb.h"
#include "ipraktik/store/keys.h"
#include "ipraktik/store/pool.h"

namespace ipraktik::jobs {
namespace {

// A decision made on a job that changed meanwhile is made again; this many times at most.
constexpr int kMaxDecisions = 8;
namespace storage = ::ipraktik::storage::v1;

// Snapshot parts of a request that never became a job are garbage after this.
constexpr int kOrphanSnapshotSeconds = 24 * 3600;
constexpr int kRequestIdSeconds = 24 * 3600;

struct JobKeys {
  std::string job, input, snapshot, active, round_jobs;
  std::string Result(std::int64_t fence) const { return absl::StrCat(result_prefix, fence); }
  std::string result_prefix;
  std::string snapshot_prefix;  // + job id
};

JobKeys KeysOf(const store::TenantKeys& keys, std::string_view job_id,
               std::string_view round_id = {}) {
  JobKeys k;
  k.job = keys.Key("matching_job", job_id);
  k.input = keys.Key("matching_job_input", job_id);
  k.snapshot = keys.Key("matching_job_snapshot", job_id);
  k.snapshot_prefix = keys.Key("matching_job_snapshot", "");
  k.result_prefix = keys.Key("matching_job_result", absl::StrCat(std::string(job_id), ":"));
  if (!round_id.empty()) {
    k.active = keys.Key("matching_round_active", round_id);
    k.round_jobs = keys.Key("matching_round_jobs", round_id);
  }
  return k;
}

std::string Micros(absl::Time t) { return absl::StrCat(absl::ToUnixMicros(t)); }

absl::Time TimeField(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  std::int64_t micros = 0;
  if (it == fields.end() || !absl::SimpleAtoi(it->second, &micros) || micros == 0) {
    return absl::InfinitePast();
  }
  return absl::FromUnixMicros(micros);
}

std::int64_t IntField(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  std::int64_t value = 0;
  if (it != fields.end()) (void)absl::SimpleAtoi(it->second, &value);
  return value;
}

std::string StringField(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

absl::StatusOr<JobRecord> RecordFromHash(std::string_view job_id, const store::Reply& reply) {
  if (!reply.is_array() || reply.elements().empty()) {
    return absl::NotFoundError(absl::StrCat("matching job ", std::string(job_id), " not found"));
  }
  std::map<std::string, std::string> fields;
  const auto& elements = reply.elements();
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    fields[elements[i].str()] = elements[i + 1].str();
  }
  JobRecord job;
  job.job_id = std::string(job_id);
  job.round_id = StringField(fields, "round_id");
  job.preview = IntField(fields, "preview") != 0;
  job.rematch = IntField(fields, "rematch") != 0;
  job.state = static_cast<v1::MatchingJobState>(IntField(fields, "state"));
  job.phase = StringField(fields, "phase");
  (void)absl::SimpleAtod(StringField(fields, "progress"), &job.progress);
  job.failure_reason = StringField(fields, "failure_reason");
  job.attempts = static_cast<int>(IntField(fields, "attempts"));
  job.fence = IntField(fields, "fence");
  job.snapshot_revision = IntField(fields, "snapshot_revision");
  job.snapshot_parts = static_cast<int>(IntField(fields, "snapshot_parts"));
  job.result_parts = static_cast<int>(IntField(fields, "result_parts"));
  job.requested_at = TimeField(fields, "requested_at");
  job.started_at = TimeField(fields, "started_at");
  job.finished_at = TimeField(fields, "finished_at");
  job.published_at = TimeField(fields, "published_at");
  job.correlation_id = StringField(fields, "correlation_id");
  if (auto summary = fields.find("summary"); summary != fields.end()) {
    if (!job.summary.ParseFromString(summary->second)) {
      return absl::DataLossError(
          absl::StrCat("matching job ", std::string(job_id), ": unreadable summary"));
    }
  }
  return job;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const std::int64_t micros = absl::ToUnixMicros(t);
  out->set_seconds(micros / 1'000'000);
  out->set_nanos(static_cast<std::int32_t>(micros % 1'000'000) * 1000);
}

// The API message of a stored Record (a Record that is the message itself: a message kept as it
// was received or will be served).
template <typename Message, typename Record = Message>
absl::StatusOr<Message> ParseStored(const absl::StatusOr<store::Reply>& reply,
                                    std::string_view what) {
  if (!reply.ok()) return reply.status();
  if (reply->is_nil()) return absl::NotFoundError(absl::StrCat(std::string(what), " not found"));
  auto message = records::FromStoredBytes<Record, Message>(reply->str());
  if (!message.ok()) {
    return absl::DataLossError(absl::StrCat(std::string(what), " is not readable"));
  }
  return message;
}

// The first `count` items of a list, read with one LRANGE: NOT_FOUND when the list has fewer
// (it is gone).
absl::StatusOr<std::vector<std::string>> StoredList(store::Pool& redis, const std::string& key,
                                                    int count, const std::string& what) {
  std::vector<std::string> out;
  if (count <= 0) return out;
  auto reply =
      redis.Command({"LRANGE", key, "0", absl::StrCat(count - 1)}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (static_cast<int>(reply->elements().size()) < count) {
    return absl::NotFoundError(
        absl::StrCat(what, ": ", count, " parts expected, ", reply->elements().size(), " found"));
  }
  out.reserve(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    out.push_back(reply->elements()[i].str());
  }
  return out;
}

// The same parsed as stored messages: DATA_LOSS naming an unreadable one.
template <typename Message>
absl::StatusOr<std::vector<Message>> ParseList(store::Pool& redis, const std::string& key,
                                               int count, const std::string& what) {
  auto stored = StoredList(redis, key, count, what);
  if (!stored.ok()) return stored.status();
  std::vector<Message> out;
  out.reserve(stored->size());
  for (std::size_t i = 0; i < stored->size(); ++i) {
    auto message = records::FromStoredBytes<Message, Message>((*stored)[i]);
    if (!message.ok()) {
      return absl::DataLossError(absl::StrCat(what, ": part ", i, " is not readable"));
    }
    out.push_back(*std::move(message));
  }
  return out;
}

// Applies a creation DecideCreate decided: first compares the request id's job, the round's
// active job and that job's state with those the decision was made on (ABORTED when any
// changed: the caller decides again), then writes.
// KEYS: job, input, snapshot, active, round_jobs, request
// ARGV: job_id, round_id, preview, rematch, snapshot_parts, snapshot_revision, requested_at,
//       correlation_id, input bytes, request ttl, whether there is a request id, job key prefix,
//       snapshot retention (ms), the active job and its state the decision saw ('' for none)
constexpr std::string_view kCreateLua = R"lua(
    local requested = ARGV[11] == '1' and redis.call('GET', KEYS[6])
    local active = redis.call('GET', KEYS[4]) or ''
    local active_state = ''
    if active ~= '' then active_state = redis.call('HGET', ARGV[12] .. active, 'state') or '' end
    if requested or active ~= ARGV[14] or active_state ~= ARGV[15] then
      return redis.error_reply('ABORTED the jobs of the round changed meanwhile')
    end
    redis.call('HSET', KEYS[1], 'round_id', ARGV[2], 'preview', ARGV[3], 'rematch', ARGV[4],
               'state', 1, 'attempts', 0, 'fence', 0, 'snapshot_parts', ARGV[5],
               'snapshot_revision', ARGV[6], 'requested_at', ARGV[7], 'correlation_id', ARGV[8],
               'progress', 0, 'result_parts', 0)
    redis.call('SET', KEYS[2], ARGV[9])
    redis.call('PEXPIRE', KEYS[3], ARGV[13])
    redis.call('SET', KEYS[4], ARGV[1])
    redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1])
    if ARGV[11] == '1' then redis.call('SET', KEYS[6], ARGV[1], 'EX', ARGV[10]) end
    return 1
  )lua";

// The scripts below apply what DecideJob (job_state.h) decided. Each first compares the job's
// state and fence with those the decision was made on: ABORTED when the job changed meanwhile
// (the caller decides again), before anything is written.

// KEYS: job. ARGV: expected state, expected fence, then the decided state, fence and attempts,
// worker, now.
constexpr std::string_view kClaimLua = R"lua(
    if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] or
       redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] then
      return redis.error_reply('ABORTED the matching job changed meanwhile')
    end
    redis.call('HSET', KEYS[1], 'state', ARGV[3], 'fence', ARGV[4], 'attempts', ARGV[5],
               'worker', ARGV[6], 'started_at', ARGV[7], 'phase', 'claimed', 'progress', 0)
    return 1
  )lua";

// A write under a claim's fence: allowed while the job is in the state a claim leaves it in
// (RUNNING) with that fence, which is the comparison itself.
// KEYS: job, [list]. ARGV: running state, fence, mode ('progress' | 'append'), phase/part,
// fraction.
constexpr std::string_view kFencedLua = R"lua(
    if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] or
       redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] then
      return redis.error_reply('FAILED_PRECONDITION superseded: a newer claim owns the job')
    end
    if ARGV[3] == 'progress' then
      redis.call('HSET', KEYS[1], 'phase', ARGV[4], 'progress', ARGV[5])
      return 1
    end
    return redis.call('RPUSH', KEYS[2], ARGV[4])
  )lua";

// KEYS: job, active, result(fence), snapshot. ARGV: expected state, expected fence, the decided
// state (DONE 3 | FAILED 4), summary or reason, finished_at, result prefix, job_id. The result
// lists of older claims go; a failed job's result and snapshot (personal data) go with it.
constexpr std::string_view kFinishLua = R"lua(
    if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] or
       redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] then
      return redis.error_reply('ABORTED the matching job changed meanwhile')
    end
    local fence = tonumber(ARGV[2])
    for older = 1, fence - 1 do redis.call('DEL', ARGV[6] .. older) end
    if ARGV[3] == '3' then
      redis.call('HSET', KEYS[1], 'state', 3, 'summary', ARGV[4], 'finished_at', ARGV[5],
                 'result_fence', fence, 'result_parts', redis.call('LLEN', KEYS[3]),
                 'phase', 'done', 'progress', 1)
    else
      redis.call('DEL', KEYS[3], KEYS[4])
      redis.call('HSET', KEYS[1], 'state', 4, 'failure_reason', ARGV[4], 'finished_at', ARGV[5],
                 'phase', 'failed')
    end
    if redis.call('GET', KEYS[2]) == ARGV[7] then redis.call('DEL', KEYS[2]) end
    return 'finished'
  )lua";

// KEYS: job, round published pointer, round jobs. ARGV: expected state, now, job_id, snapshot
// key prefix, the job's requested_at. The snapshots of the job and of every job of the round
// requested before it (none of which can be published any more) hold personal data that nothing
// needs now: they go.
constexpr std::string_view kPublishLua = R"lua(
    if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] or
       redis.call('HEXISTS', KEYS[1], 'published_at') == 1 then
      return redis.error_reply('ABORTED the matching job changed meanwhile')
    end
    redis.call('HSET', KEYS[1], 'published_at', ARGV[2])
    redis.call('SET', KEYS[2], ARGV[3])
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])) do
      redis.call('DEL', ARGV[4] .. id)
    end
    return 1
  )lua";

// KEYS: round jobs. ARGV: job key prefix, snapshot key prefix. Deletes the snapshots of the
// round's jobs that are neither queued (1) nor running (2); returns how many existed.
constexpr std::string_view kForgetSnapshotsLua = R"lua(
    local forgotten = 0
    for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      local state = redis.call('HGET', ARGV[1] .. id, 'state')
      if state ~= '1' and state ~= '2' then
        forgotten = forgotten + redis.call('DEL', ARGV[2] .. id)
      end
    end
    return forgotten
  )lua";

std::string StateArg(v1::MatchingJobState state) { return absl::StrCat(static_cast<int>(state)); }

JobStatus StatusOf(const JobRecord& job) {
  return {.state = job.state,
          .fence = job.fence,
          .attempts = job.attempts,
          .published = job.published_at != absl::InfinitePast()};
}

using Applier = std::function<absl::Status(const JobRecord& job, const JobDecision& decision)>;

// Decides `event` on the job as `read` finds it and has `apply` write a decided change (with a
// compare-and-set), deciding again when the job changed meanwhile. Returns the job as read and
// the decision applied (or the one that needed no write); a refusal as a status.
absl::StatusOr<std::pair<JobRecord, JobDecision>> DecideAndApply(
    const std::function<absl::StatusOr<JobRecord>()>& read, const JobEvent& event,
    const Applier& apply) {
  absl::Status changed;
  for (int attempt = 0; attempt < kMaxDecisions; ++attempt) {
    absl::StatusOr<JobRecord> job = read();
    if (!job.ok()) return job.status();  // NOT_FOUND names the job
    JobDecision decision = DecideJob(StatusOf(*job), event);
    if (decision.outcome == JobDecision::Outcome::kRefused) return decision.refusal;
    if (decision.outcome == JobDecision::Outcome::kUnchanged) {
      return std::pair{*std::move(job), decision};
    }
    absl::Status applied = apply(*job, decision);
    if (applied.ok()) return std::pair{*std::move(job), decision};
    if (!absl::IsAborted(applied)) return applied;
    changed = applied;
  }
  return changed;
}

}  // namespace

struct JobStore::Scripts {
  events::EventScript create{kCreateLua};
  store::Script claim{std::string(kClaimLua)};
  store::Script fenced{std::string(kFencedLua)};
  events::EventScript finish{kFinishLua};
  events::EventScript publish{kPublishLua};
  store::Script forget_snapshots{std::string(kForgetSnapshotsLua)};
};

bool IsSuperseded(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         absl::StartsWith(status.message(), SupersededError().message());
}

v1::MatchingJob JobRecord::ToProto() const {
  v1::MatchingJob job;
  job.set_job_id(job_id);
  job.set_round_id(round_id);
  job.set_preview(preview);
  job.set_rematch(rematch);
  job.set_state(state);
  job.set_phase(phase);
  job.set_progress(progress);
  job.set_failure_reason(failure_reason);
  job.set_attempts(attempts);
  job.set_snapshot_revision(snapshot_revision);
  if (requested_at != absl::InfinitePast()) SetTimestamp(requested_at, job.mutable_requested_at());
  if (started_at != absl::InfinitePast()) SetTimestamp(started_at, job.mutable_started_at());
  if (finished_at != absl::InfinitePast()) SetTimestamp(finished_at, job.mutable_finished_at());
  if (published_at != absl::InfinitePast()) SetTimestamp(published_at, job.mutable_published_at());
  if (state == v1::MATCHING_JOB_STATE_DONE) *job.mutable_summary() = summary;
  return job;
}

JobStore::JobStore(store::Pool& redis, outbox::Outbox& outbox, JobStoreOptions options)
    : redis_(redis), outbox_(outbox), options_(options), scripts_(std::make_unique<Scripts>()) {}

JobStore::~JobStore() = default;
JobStore::JobStore(JobStore&&) noexcept = default;

absl::Status JobStore::AppendSnapshotPart(std::string_view tenant, std::string_view job_id,
                                          const v1::ExportRoundSnapshotResponse& part) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const std::string key = KeysOf(*keys, job_id).snapshot;
  store::Pipeline pipeline;
  pipeline.Add({"RPUSH", key, part.SerializeAsString()});
  pipeline.Add({"EXPIRE", key, absl::StrCat(kOrphanSnapshotSeconds)});
  auto replies = redis_.Execute(pipeline);
  if (!replies.ok()) return replies.status();
  for (const store::Reply& reply : *replies) {
    if (absl::Status status = reply.ToStatus(); !status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status JobStore::DiscardSnapshot(std::string_view tenant, std::string_view job_id) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"DEL", KeysOf(*keys, job_id).snapshot}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return reply->ToStatus();
}

absl::StatusOr<CreateOutcome> JobStore::Create(std::string_view tenant, const NewJob& job) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const v1::MatchingJobInput& input = job.input;
  const JobKeys k = KeysOf(*keys, job.job_id, input.round_id());
  // Every key of a script must be a tenant key: without a request id the slot holds one that is
  // never written (ARGV[11] says whether to use it).
  const std::string request_key = keys->Key("matching_request", job.request_id);

  v1::MatchingJobRequested requested;
  requested.set_job_id(job.job_id);
  requested.set_round_id(input.round_id());
  auto envelope = events::BuildEnvelope({.type = contract::kJobRequested,
                                         .tenant = std::string(tenant),
                                         .correlation_id = job.correlation_id},
                                        requested);
  if (!envelope.ok()) return envelope.status();

  const absl::Time now = absl::Now();
  const std::string input_bytes = records::StoredBytes<storage::MatchingJobInputRecord>(input);
  for (int attempt = 0; attempt < kMaxDecisions; ++attempt) {
    // What the decision reads: the request id's job, the round's active job and its state.
    CreateContext context;
    store::Pipeline reads;
    reads.Add({"GET", request_key});
    reads.Add({"GET", k.active});
    auto replies = redis_.Execute(reads, store::Retry::kIdempotent);
    if (!replies.ok()) return replies.status();
    if (!job.request_id.empty() && !(*replies)[0].is_nil()) {
      context.requested_job = (*replies)[0].str();
    }
    std::string active_state_text;
    if (!(*replies)[1].is_nil()) {
      context.active_job = (*replies)[1].str();
      auto state = redis_.Command({"HGET", KeysOf(*keys, context.active_job).job, "state"},
                                  store::Retry::kIdempotent);
      if (!state.ok()) return state.status();
      if (!state->is_nil()) {
        active_state_text = state->str();
        int number = 0;
        if (absl::SimpleAtoi(active_state_text, &number) && v1::MatchingJobState_IsValid(number)) {
          context.active_state = static_cast<v1::MatchingJobState>(number);
        }
      }
    }
    CreateDecision decision = DecideCreate(context);
    if (!decision.create) {
      // The new snapshot is not needed: the job that exists has its own.
      (void)redis_.Command({"DEL", k.snapshot}, store::Retry::kIdempotent);
      auto record = Get(tenant, decision.existing_job);
      if (!record.ok()) return record.status();
      return CreateOutcome{.job = *std::move(record), .existing = true};
    }
    auto outcome =
        outbox_.Commit(scripts_->create, tenant,
                       {.keys = {k.job, k.input, k.snapshot, k.active, k.round_jobs, request_key},
                        .args = {job.job_id, input.round_id(), input.preview() ? "1" : "0",
                                 job.rematch ? "1" : "0", absl::StrCat(input.snapshot_parts()),
                                 absl::StrCat(input.snapshot_revision()), Micros(now),
                                 job.correlation_id, input_bytes, absl::StrCat(kRequestIdSeconds),
                                 job.request_id.empty() ? "0" : "1", KeysOf(*keys, "").job,
                                 absl::StrCat(std::max<std::int64_t>(
                                     1, absl::ToInt64Milliseconds(options_.snapshot_retention))),
                                 context.active_job, active_state_text},
                        .events = {*envelope}});
    if (absl::IsAborted(outcome.status())) continue;  // the round's jobs changed: decide again
    if (!outcome.ok()) return outcome.status();
    auto record = Get(tenant, job.job_id);
    if (!record.ok()) return record.status();
    return CreateOutcome{.job = *std::move(record), .existing = false};
  }
  return absl::AbortedError("matching job create: the jobs of the round kept changing; try again");
}

absl::StatusOr<JobRecord> JobStore::Get(std::string_view tenant, std::string_view job_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Command({"HGETALL", KeysOf(*keys, job_id).job}, store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  return RecordFromHash(job_id, *reply);
}

absl::StatusOr<JobPage> JobStore::List(std::string_view tenant, std::string_view round_id,
                                       int page_size, std::string_view page_token) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  page_size = model::PageSizeOf(page_size);
  std::int64_t offset = 0;
  if (!page_token.empty() && (!absl::SimpleAtoi(std::string(page_token), &offset) || offset < 0)) {
    return absl::InvalidArgumentError("page_token: not a token this service gave out");
  }
  const JobKeys k = KeysOf(*keys, "", round_id);
  auto ids = redis_.Command({"ZREVRANGE", k.round_jobs, absl::StrCat(offset),
                             absl::StrCat(offset + page_size)},  // one more: is there a next page?
                            store::Retry::kIdempotent);
  if (!ids.ok()) return ids.status();
  JobPage page;
  const auto& elements = ids->elements();
  const std::size_t shown = std::min<std::size_t>(elements.size(), page_size);
  if (shown == 0) return page;
  store::Pipeline pipeline;
  for (std::size_t i = 0; i < shown; ++i) {
    pipeline.Add({"HGETALL", KeysOf(*keys, elements[i].str()).job});
  }
  auto hashes = redis_.Execute(pipeline, store::Retry::kIdempotent);
  if (!hashes.ok()) return hashes.status();
  for (std::size_t i = 0; i < shown; ++i) {
    auto record = RecordFromHash(elements[i].str(), (*hashes)[i]);
    if (record.ok()) page.jobs.push_back(*std::move(record));
  }
  if (elements.size() > shown) page.next_page_token = absl::StrCat(offset + page_size);
  return page;
}

absl::StatusOr<v1::MatchingJobInput> JobStore::Input(std::string_view tenant,
                                                     std::string_view job_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return ParseStored<v1::MatchingJobInput, storage::MatchingJobInputRecord>(
      redis_.Command({"GET", KeysOf(*keys, job_id).input}, store::Retry::kIdempotent),
      absl::StrCat("input of matching job ", std::string(job_id)));
}

absl::StatusOr<std::string> JobStore::ResultKey(std::string_view tenant,
                                                std::string_view job_id) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const JobKeys k = KeysOf(*keys, job_id);
  auto fence = redis_.Command({"HGET", k.job, "result_fence"}, store::Retry::kIdempotent);
  if (!fence.ok()) return fence.status();
  if (fence->is_nil()) {
    return absl::FailedPreconditionError(
        absl::StrCat("matching job ", std::string(job_id), " has no result"));
  }
  std::int64_t result_fence = 0;
  (void)absl::SimpleAtoi(fence->str(), &result_fence);
  return k.Result(result_fence);
}

absl::StatusOr<v1::GetMatchingResultResponse> JobStore::ResultPart(std::string_view tenant,
                                                                   std::string_view job_id,
                                                                   int index) const {
  auto key = ResultKey(tenant, job_id);
  if (!key.ok()) return key.status();
  return ParseStored<v1::GetMatchingResultResponse>(
      redis_.Command({"LINDEX", *key, absl::StrCat(index)}, store::Retry::kIdempotent),
      absl::StrCat("result part ", index, " of matching job ", std::string(job_id)));
}

absl::StatusOr<std::vector<v1::GetMatchingResultResponse>> JobStore::ResultParts(
    std::string_view tenant, std::string_view job_id, int count) const {
  auto key = ResultKey(tenant, job_id);
  if (!key.ok()) return key.status();
  return ParseList<v1::GetMatchingResultResponse>(
      redis_, *key, count, absl::StrCat("result of matching job ", std::string(job_id)));
}

absl::StatusOr<bool> JobStore::MarkPublished(std::string_view tenant, std::string_view job_id,
                                             std::span<const events::Envelope> events) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto applied = DecideAndApply(
      [&] { return Get(tenant, job_id); }, PublishJob{},
      [&](const JobRecord& job, const JobDecision&) {
        const JobKeys k = KeysOf(*keys, job_id, job.round_id);
        return outbox_
            .Commit(
                scripts_->publish, tenant,
                {.keys = {k.job, keys->Key("matching_round_published", job.round_id), k.round_jobs},
                 .args = {StateArg(job.state), Micros(absl::Now()), std::string(job_id),
                          k.snapshot_prefix, Micros(job.requested_at)},
                 .events = {events.begin(), events.end()}})
            .status();
      });
  if (!applied.ok()) return applied.status();
  return applied->second.outcome == JobDecision::Outcome::kApply;
}

absl::StatusOr<int> JobStore::ForgetSnapshots(std::string_view tenant, std::string_view round_id) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const JobKeys k = KeysOf(*keys, "", round_id);
  auto reply = redis_.Eval(scripts_->forget_snapshots, {k.round_jobs}, {k.job, k.snapshot_prefix},
                           store::Retry::kIdempotent);
  if (!reply.ok()) return reply.status();
  if (absl::Status status = reply->ToStatus(); !status.ok()) return status;
  return static_cast<int>(reply->integer());
}

absl::StatusOr<std::optional<JobRecord>> JobStore::ActiveJob(std::string_view tenant,
                                                             std::string_view round_id) const {
  return JobBehind(tenant, "matching_round_active", round_id, /*only_active=*/true);
}

absl::StatusOr<std::optional<JobRecord>> JobStore::PublishedJob(std::string_view tenant,
                                                                std::string_view round_id) const {
  return JobBehind(tenant, "matching_round_published", round_id, /*only_active=*/false);
}

absl::StatusOr<std::optional<JobRecord>> JobStore::JobBehind(std::string_view tenant,
                                                             std::string_view pointer,
                                                             std::string_view round_id,
                                                             bool only_active) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto id = redis_.Command({"GET", keys->Key(pointer, round_id)}, store::Retry::kIdempotent);
  if (!id.ok()) return id.status();
  if (id->is_nil()) return std::nullopt;
  auto record = Get(tenant, id->str());
  if (absl::IsNotFound(record.status())) return std::nullopt;
  if (!record.ok()) return record.status();
  if (only_active && record->state != v1::MATCHING_JOB_STATE_QUEUED &&
      record->state != v1::MATCHING_JOB_STATE_RUNNING) {
    return std::nullopt;
  }
  return *std::move(record);
}

absl::StatusOr<JobClaim> JobStore::Claim(std::string_view tenant, std::string_view job_id,
                                         std::string_view worker) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const absl::Time now = absl::Now();
  // Not retried after a broken connection: a second run would claim twice (harmless, but the
  // attempt count would lie); the bus redelivers the message instead.
  auto applied = DecideAndApply(
      [&] { return Get(tenant, job_id); }, ClaimJob{},
      [&](const JobRecord& job, const JobDecision& decision) {
        return redis_
            .Eval(scripts_->claim, {KeysOf(*keys, job_id).job},
                  {StateArg(job.state), absl::StrCat(job.fence), StateArg(decision.next.state),
                   absl::StrCat(decision.next.fence), absl::StrCat(decision.next.attempts),
                   std::string(worker), Micros(now)})
            .status();
      });
  if (!applied.ok()) return applied.status();
  auto& [job, decision] = *applied;
  JobClaim claim;
  claim.already_finished = decision.outcome == JobDecision::Outcome::kUnchanged;
  if (!claim.already_finished) {
    // The job as the claim left it.
    claim.fence = decision.next.fence;
    job.state = decision.next.state;
    job.fence = decision.next.fence;
    job.attempts = decision.next.attempts;
    job.started_at = absl::FromUnixMicros(absl::ToUnixMicros(now));
    job.phase = "claimed";
    job.progress = 0;
  }
  claim.job = std::move(job);
  return claim;
}

absl::StatusOr<v1::ExportRoundSnapshotResponse> JobStore::SnapshotPart(std::string_view tenant,
                                                                       std::string_view job_id,
                                                                       int index) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return ParseStored<v1::ExportRoundSnapshotResponse>(
      redis_.Command({"LINDEX", KeysOf(*keys, job_id).snapshot, absl::StrCat(index)},
                     store::Retry::kIdempotent),
      absl::StrCat("snapshot part ", index, " of matching job ", std::string(job_id)));
}

absl::StatusOr<std::vector<std::string>> JobStore::SnapshotParts(std::string_view tenant,
                                                                 std::string_view job_id,
                                                                 int count) const {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  return StoredList(redis_, KeysOf(*keys, job_id).snapshot, count,
                    absl::StrCat("snapshot of matching job ", std::string(job_id)));
}

absl::Status JobStore::ReportProgress(std::string_view tenant, std::string_view job_id,
                                      std::int64_t fence, std::string_view phase, double fraction) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  auto reply = redis_.Eval(scripts_->fenced, {KeysOf(*keys, job_id).job},
                           {StateArg(v1::MATCHING_JOB_STATE_RUNNING), absl::StrCat(fence),
                            "progress", std::string(phase), absl::StrCat(fraction)},
                           store::Retry::kIdempotent);
  return reply.status();
}

absl::Status JobStore::AppendResultPart(std::string_view tenant, std::string_view job_id,
                                        std::int64_t fence,
                                        const v1::GetMatchingResultResponse& part) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const JobKeys k = KeysOf(*keys, job_id);
  // Not retried: a repeated RPUSH would store the part twice. A failed append fails the
  // attempt, and the next attempt writes under its own fence.
  auto reply = redis_.Eval(scripts_->fenced, {k.job, k.Result(fence)},
                           {StateArg(v1::MATCHING_JOB_STATE_RUNNING), absl::StrCat(fence), "append",
                            part.SerializeAsString(), ""});
  return reply.status();
}

absl::Status JobStore::FinishAs(std::string_view tenant, std::string_view job_id,
                                std::int64_t fence, v1::MatchingJobState state,
                                const v1::MatchingSummary& summary, std::string_view reason) {
  auto keys = store::TenantKeys::For(tenant);
  if (!keys.ok()) return keys.status();
  const std::string detail =
      state == v1::MATCHING_JOB_STATE_DONE ? summary.SerializeAsString() : std::string(reason);
  auto applied = DecideAndApply(
      [&] { return Get(tenant, job_id); }, FinishJob{.fence = fence, .outcome = state},
      [&](const JobRecord& job, const JobDecision& decision) {
        const JobKeys k = KeysOf(*keys, job_id, job.round_id);
        v1::MatchingJobFinished finished;
        finished.set_job_id(std::string(job_id));
        finished.set_round_id(job.round_id);
        finished.set_preview(job.preview);
        finished.set_state(state);
        finished.set_failure_reason(std::string(reason));
        if (state == v1::MATCHING_JOB_STATE_DONE) *finished.mutable_summary() = summary;
        auto envelope = events::BuildEnvelope({.type = contract::kJobFinished,
                                               .tenant = std::string(tenant),
                                               .correlation_id = job.correlation_id},
                                              finished);
        if (!envelope.ok()) return envelope.status();
        return outbox_
            .Commit(scripts_->finish, tenant,
                    {.keys = {k.job, k.active, k.Result(fence), k.snapshot},
                     .args = {StateArg(job.state), absl::StrCat(job.fence),
                              StateArg(decision.next.state), detail, Micros(absl::Now()),
                              k.result_prefix, std::string(job_id)},
                     .events = {*envelope}})
            .status();
      });
  return applied.status();
}

absl::Status JobStore::Finish(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                              const v1::MatchingSummary& summary) {
  return FinishAs(tenant, job_id, fence, v1::MATCHING_JOB_STATE_DONE, summary, {});
}

absl::Status JobStore::Fail(std::string_view tenant, std::string_view job_id, std::int64_t fence,
                            std::string_view reason) {
  return FinishAs(tenant, job_id, fence, v1::MATCHING_JOB_STATE_FAILED, {}, reason);
}

}  // namespace ipraktik::jobs
