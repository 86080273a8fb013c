#pragma once

// Every event type on the bus: an Envelope's type and its routing key, "<service>.<subject>.
// <what happened>". The one place both ends take them from. Grouped by the service that emits
// them, each group with the proto file of its payloads; a payload message whose name differs from
// the constant's, and consumers that are not obvious, are named beside it.

namespace ipraktik::contract {

// registration (registration_events.proto)
inline constexpr char kParticipantRegistered[] = "registration.participant.registered";
inline constexpr char kParticipantErased[] =  // notification, matching erase theirs
    "registration.participant.erased";
inline constexpr char kHostOfferPublished[] = "registration.host_offer.published";
inline constexpr char kHostOfferWithdrawn[] = "registration.host_offer.withdrawn";
inline constexpr char kApplicationSubmitted[] = "registration.application.submitted";
inline constexpr char kApprovalDecided[] =        // ApplicationApprovalDecided
    "registration.application.approval_decided";  // notification tells the intern
inline constexpr char kApprovalRequested[] =      // notification e-mails the manager
    "registration.approval.requested";
inline constexpr char kRoundStateChanged[] = "registration.round.state_changed";

// matching jobs (matching_events.proto): the matching service asks, the worker answers
inline constexpr char kJobRequested[] = "matching.job.requested";  // MatchingJobRequested
inline constexpr char kJobFinished[] = "matching.job.finished";    // MatchingJobFinished

// a published matching result (placement_events.proto): notification emails them
inline constexpr char kInternPlaced[] = "matching.intern.placed";
inline constexpr char kInternUnmatched[] = "matching.intern.unmatched";
inline constexpr char kHostInternsAssigned[] = "matching.host.interns_assigned";
inline constexpr char kResultPublished[] =  // MatchingResultPublished; registration too
    "matching.result.published";
// A publication's placement events above, up to IPRAKTIK_MATCHING_EVENT_BATCH in one message
// (EventBatch, event.proto): consumers route each inner event by its own type.
inline constexpr char kPlacementsPublished[] = "matching.placements.published";

// evaluation (evaluation_events.proto): notification emails the invitation
inline constexpr char kEvaluationInvitationRequested[] = "evaluation.invitation.requested";

// notification to itself (notification_events.proto)
inline constexpr char kReminderDue[] = "notification.reminder.due";
inline constexpr char kResendRequested[] = "notification.resend.requested";

}  // namespace ipraktik::contract
