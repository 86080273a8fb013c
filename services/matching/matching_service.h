#pragma once

// The gRPC face of the matching service (ipraktik.v1.MatchingService, callback API): each
// handler runs in the server's call shell (libs/server calls.h), which hands the request to the
// Coordinator on a handler thread. The result streams the job's stored parts, one message at a
// time, each read on a handler thread.

#include "coordinator.h"
#include "ipraktik/server/calls.h"
#include "ipraktik/v1/matching.grpc.pb.h"

namespace ipraktik::matching_service {

class MatchingServiceImpl final : public v1::MatchingService::CallbackService {
 public:
  // coordinator must outlive the service.
  MatchingServiceImpl(Coordinator& coordinator, server::Calls calls);

  // The generated base also declares each method's synchronous form; without these, overriding
  // the callback forms would hide them (-Woverloaded-virtual).
  using Base = v1::MatchingService::CallbackService;
  using Base::DeletePairRule;
  using Base::GetMatchingJob;
  using Base::GetMatchingResult;
  using Base::GetRoundOverview;
  using Base::ListMatchingJobs;
  using Base::ListPairRules;
  using Base::ListPlacements;
  using Base::PublishMatching;
  using Base::RecordPlacementChange;
  using Base::RequestMatching;
  using Base::SetPairRule;

  using Context = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;

  Reactor* RequestMatching(Context* c, const v1::RequestMatchingRequest* q,
                           v1::RequestMatchingResponse* r) override;
  Reactor* GetMatchingJob(Context* c, const v1::GetMatchingJobRequest* q,
                          v1::GetMatchingJobResponse* r) override;
  Reactor* ListMatchingJobs(Context* c, const v1::ListMatchingJobsRequest* q,
                            v1::ListMatchingJobsResponse* r) override;
  grpc::ServerWriteReactor<v1::GetMatchingResultResponse>* GetMatchingResult(
      Context* c, const v1::GetMatchingResultRequest* q) override;
  Reactor* PublishMatching(Context* c, const v1::PublishMatchingRequest* q,
                           v1::PublishMatchingResponse* r) override;
  Reactor* SetPairRule(Context* c, const v1::SetPairRuleRequest* q,
                       v1::SetPairRuleResponse* r) override;
  Reactor* DeletePairRule(Context* c, const v1::DeletePairRuleRequest* q,
                          v1::DeletePairRuleResponse* r) override;
  Reactor* ListPairRules(Context* c, const v1::ListPairRulesRequest* q,
                         v1::ListPairRulesResponse* r) override;
  Reactor* RecordPlacementChange(Context* c, const v1::RecordPlacementChangeRequest* q,
                                 v1::RecordPlacementChangeResponse* r) override;
  Reactor* ListPlacements(Context* c, const v1::ListPlacementsRequest* q,
                          v1::ListPlacementsResponse* r) override;
  Reactor* GetRoundOverview(Context* c, const v1::GetRoundOverviewRequest* q,
                            v1::GetRoundOverviewResponse* r) override;

 private:
  Coordinator& coordinator_;
  server::Calls calls_;
};

}  // namespace ipraktik::matching_service
