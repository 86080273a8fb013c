#pragma once

// The work queue of matching jobs, defined once: the workers consume it, and the matching
// service's outbox publisher declares it too, so a job requested before any worker ever ran is
// kept. Both read the same settings, so both declare the same queue (RabbitMQ refuses a
// declaration whose arguments differ from the queue's).

#include <string_view>

#include "ipraktik/bus/options.h"
#include "ipraktik/config/config.h"

namespace ipraktik::jobs {

inline constexpr std::string_view kJobQueue = "matching.jobs";

// IPRAKTIK_MATCHING_JOB_ATTEMPTS and IPRAKTIK_MATCHING_JOB_RETRY_DELAY: set them alike for the
// matching service and every worker.
bus::RetryPolicy ReadJobRetryPolicy(config::Reader& reader);

// The queue bound to "matching.job.requested", with its retry queues and dead-letter queue.
bus::QueueSpec JobQueue(const bus::RetryPolicy& retry);

}  // namespace ipraktik::jobs
