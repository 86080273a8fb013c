#pragma once

// The snapshot of a closed round for the matching service, produced one response message at a
// time (the gRPC writer pulls the next one when the previous was sent, so memory stays bounded
// by the round's offers plus one batch of applications, whatever the round's size).
//
// Consistency: a round in state closed or later does not change (every write that touches its
// offers or applications checks, atomically, that the round is a draft or open), except for a
// GDPR erasure. Each change of the round's data bumps its revision, so the export reads the
// revision first and again before the trailer, and fails with ABORTED when it moved.
//
// Order of the messages: header, host offers, applications, trailer (registration.proto,
// ExportRoundSnapshotResponse).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "domain/wishes.h"
#include "ipraktik/v1/registration.pb.h"
#include "registrar.h"
#include "registration_repository.h"

namespace ipraktik::registration {

class SnapshotExport {
 public:
  // Largest and default message size, and the smallest a caller may ask for.
  static constexpr int kMaxMessageBytes = 1 << 20;
  static constexpr int kMinMessageBytes = 16 << 10;

  // Reads the round and its published offers. INVALID_ARGUMENT for a bad request, NOT_FOUND for
  // an unknown round, FAILED_PRECONDITION (ROUND_NOT_CLOSED) for a draft or open round.
  static absl::StatusOr<std::unique_ptr<SnapshotExport>> Start(
      RegistrationRepository& repository, const Caller& caller,
      const v1::ExportRoundSnapshotRequest& request, absl::Time now);

  // The next message, each at most the requested size; nullopt after the trailer.
  absl::StatusOr<std::optional<v1::ExportRoundSnapshotResponse>> Next();

 private:
  enum class Phase { kHeader, kOffers, kApplications, kTrailer, kDone };

  SnapshotExport(RegistrationRepository& repository, KeySpace keys, std::size_t budget);

  absl::Status LoadOffers();
  // Reads the next batch of the round's applications into pending_; false at the end.
  absl::StatusOr<bool> LoadApplications();
  const v1::Workplace* WorkplaceOf(const std::string& workplace_id);
  absl::Status LoadWorkplaces(const std::vector<std::string>& ids);
  // Splits an application that alone exceeds the budget into consecutive parts.
  void SplitInto(v1::SnapshotApplication application, std::deque<v1::SnapshotApplication>& out);
  absl::Status CheckUnchanged();

  RegistrationRepository& repository_;
  KeySpace keys_;
  std::size_t budget_;
  Phase phase_ = Phase::kHeader;

  v1::Round round_;
  std::int64_t revision_ = 0;
  absl::Time now_;
  std::map<std::string, v1::Workplace> workplaces_;
  std::vector<v1::SnapshotHostOffer> offers_;
  std::size_t next_offer_ = 0;
  std::unique_ptr<WishExpander> expander_;

  std::int64_t after_ = 0;  // the last application index score read
  bool applications_read_ = false;
  std::deque<v1::SnapshotApplication> pending_;
  int exported_ = 0;
  int awaiting_approval_ = 0;
  int rejected_ = 0;
};

}  // namespace ipraktik::registration
