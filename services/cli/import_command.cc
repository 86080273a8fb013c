// `ipraktik import`: a sign-up form's CSV export into a round, through the streaming
// RegistrationService.ImportSignUps call. Rows the file itself gets wrong (a date that is no
// date, a missing field) are reported here; the others go to the service, which reports what
// its rules refuse (a dry run sends them too, with validate_only: one set of checks). Every
// problem is listed with its line number; the good rows are imported.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "args.h"
#include "command.h"
#include "connection.h"
#include "credentials.h"
#include "csv.h"
#include "encoding.h"
#include "ipraktik/rpc_status/rpc_status.h"
#include "ipraktik/v1/registration.grpc.pb.h"
#include "progress.h"
#include "sign_up_csv.h"

namespace ipraktik::cli {
namespace {

constexpr std::string_view kUsage =
    R"(usage: ipraktik import --round ROUND_ID [options] FILE.csv

Signs up every row of a sign-up form's CSV export for the round: a person already signed up
(same e-mail) is updated. Bad rows are listed with their line numbers; the rest is imported.
Use - as FILE to read standard input.

Options:
{credentials}  --round ROUND_ID      the round to sign up for (it must be open)
  --server HOST:PORT    the registration service (default: $IPRAKTIK_REGISTRATION_ADDRESS,
                        else 127.0.0.1:7101)
  --tls-ca, --tls-cert, --tls-key FILE
                        TLS with this CA bundle (without one: plaintext), and the client
                        certificate and key where the service requires mutual TLS
                        (default: $IPRAKTIK_TLS_CA, $IPRAKTIK_TLS_CERT, $IPRAKTIK_TLS_KEY)
  --batch-size N        rows per message (1-1000, default 200)
  --encoding NAME       the file's encoding: utf-8 (default) or windows-1252 (also read for
                        iso-8859-1/latin1), which is converted to UTF-8. A file that is not
                        UTF-8 is refused up front, naming the encoding it is likely in.
  --dry-run             check every row as the import would (the service runs the same
                        checks) and store nothing
  --help                this text

Columns (header row, any order, English or Danish names): name/navn, email/e-mail,
phone/telefon, job_title/stilling, language/sprog (da|en), consent/samtykke (ja|nej),
workplace/arbejdsplads, sector/sektor (kommunal|regional|statslig|privat), region,
municipality/kommune, purpose/formål, available_days/dage (2026-09-07;2026-09-08),
wish_1, wish_2, ... / ønske_1, ... (a host offer id, or criteria such as
"fagområde=ledelse; region=Hovedstaden"), swap_email, swap_name, manager_name, manager_email.

Exit codes: 0 every row imported, 1 some rows failed (listed), 2 bad arguments,
3 nothing imported (the file's header or encoding is wrong, or the service refused or is
unreachable).
)";

int Run(std::span<const std::string_view> raw_args, CommandIo& io) {
  std::string usage;
  int exit_code = kExitUsage;
  auto args = ParseServiceArgs(
      raw_args,
      {{"round"}, {"server"}, {"batch-size"}, {"encoding"}, {"dry-run", false}, {"help", false}},
      kUsage, "import", io, usage, exit_code);
  if (!args) return exit_code;
  std::string round_id = args->Value("round").value_or("");
  std::string server = args->Value("server").value_or(
      io.environment.Get("IPRAKTIK_REGISTRATION_ADDRESS").value_or("127.0.0.1:7101"));
  int batch_size = 200;
  if (auto text = args->Value("batch-size");
      text && (!absl::SimpleAtoi(*text, &batch_size) || batch_size < 1 || batch_size > 1000)) {
    io.err << "ipraktik import: --batch-size must be a number from 1 to 1000\n";
    return kExitUsage;
  }
  const bool dry_run = args->Flag("dry-run");
  auto encoding = ParseEncoding(args->Value("encoding").value_or("utf-8"));
  if (!encoding) {
    io.err << "ipraktik import: --encoding must be utf-8 or windows-1252 (iso-8859-1)\n";
    return kExitUsage;
  }
  std::vector<std::string> missing;
  const std::string key =
      args->Value("key").value_or(io.environment.Get("IPRAKTIK_API_KEY").value_or(""));
  if (key.empty()) missing.push_back("--key (or IPRAKTIK_API_KEY)");
  if (round_id.empty()) missing.push_back("--round");
  if (args->positional().size() != 1) missing.push_back("one CSV file");
  if (!missing.empty()) {
    io.err << "ipraktik import: missing " << absl::StrJoin(missing, ", ") << "\n\n" << usage;
    return kExitUsage;
  }

  const std::string& path = args->positional()[0];
  // The whole file first: its encoding is known before any row is sent.
  std::string bytes;
  if (path == "-") {
    std::ostringstream read;
    read << std::cin.rdbuf();
    bytes = std::move(read).str();
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      io.err << "ipraktik import: cannot read " << path << "\n";
      return kExitUsage;
    }
    std::ostringstream read;
    read << file.rdbuf();
    bytes = std::move(read).str();
  }
  const std::string name = path == "-" ? "standard input" : path;
  auto text = ToUtf8(std::move(bytes), *encoding, name);
  if (!text.ok()) {
    io.err << "ipraktik import: " << text.status().message() << "\n";
    return kExitFailed;
  }
  if (*encoding != SourceEncoding::kUtf8) {
    io.err << "ipraktik import: note: read " << name
           << " as Windows-1252 and converted it to UTF-8\n";
  }
  const auto total_bytes = static_cast<std::uint64_t>(text->size());
  std::istringstream input(*std::move(text));
  CsvReader reader(input);
  auto header = reader.Next();
  if (!header.ok() || !header->has_value()) {
    io.err << "ipraktik import: " << (header.ok() ? "the file is empty" : header.status().message())
           << "\n";
    return kExitFailed;
  }
  auto csv = SignUpCsv::FromHeader(**header);
  if (!csv.ok()) {
    io.err << "ipraktik import: " << csv.status().message() << "\n";
    return kExitFailed;
  }

  auto channel = Connect(*args, io.environment, server);
  if (!channel.ok()) {
    io.err << "ipraktik import: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  auto credentials = ReadCredentials(*args, io.environment, "import", io.err);
  if (!credentials) return kExitUsage;
  const Target target = TargetOf(*args, io.environment, server);
  auto stub = v1::RegistrationService::NewStub(*channel);
  grpc::ClientContext context;
  Authorize(context, *credentials);
  v1::ImportSignUpsResponse summary;
  // No deadline on purpose: a stream without one is bounded per message by the server
  // (docs/api.md, Deadlines), so a file of any size imports as long as it keeps moving. A dry
  // run sends the rows the same way: the service checks them as it would import them.
  auto writer = stub->ImportSignUps(&context, &summary);

  std::vector<RowProblem> problems;
  std::vector<std::int64_t> sent_lines;  // in the order sent
  std::int64_t rows = 0;
  bool stream_broken = false;
  Progress progress(io.err, io.err_is_terminal, dry_run ? "rows checked" : "rows sent",
                    total_bytes);
  v1::ImportSignUpsRequest message;
  message.set_round_id(round_id);
  message.set_validate_only(dry_run);
  auto flush = [&] {
    // Once the service ended the stream, the rest is read and reported, not sent.
    if (!stream_broken && !writer->Write(message)) stream_broken = true;  // Finish() says why
    for (const auto& row : message.rows()) sent_lines.push_back(row.line());
    message.Clear();
    progress.Update(static_cast<std::int64_t>(sent_lines.size()), reader.bytes_read());
  };
  while (true) {
    auto record = reader.Next();
    if (!record.ok()) {  // the reader goes on after the line it names
      ++rows;
      problems.push_back({reader.record_line(), "", std::string(record.status().message())});
      continue;
    }
    if (!record->has_value()) break;
    ++rows;
    if (auto row = csv->ToRow(**record, problems)) {
      *message.add_rows() = *std::move(row);
      if (message.rows_size() >= batch_size) flush();
    }
  }
  if (message.rows_size() > 0 || sent_lines.empty()) flush();
  progress.Done();

  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) {
    PrintRefusal(io.err,
                 sent_lines.empty() || dry_run
                     ? "ipraktik import"
                     : "ipraktik import: the import stopped; rows already answered stay imported",
                 rpc_status::FromGrpcStatus(status), target);
    return kExitFailed;
  }
  for (const auto& error : summary.errors()) {
    problems.push_back({error.line(), error.field(), error.description()});
  }
  // Every row sent is answered: one the service did not answer is reported, never passed over.
  const auto answered = static_cast<std::size_t>(std::max(0, summary.rows_received()));
  for (std::size_t i = answered; i < sent_lines.size(); ++i) {
    problems.push_back({sent_lines[i], "",
                        "the service did not answer for this row (it stopped reading the "
                        "stream before it): import the file again"});
  }
  std::stable_sort(problems.begin(), problems.end(),
                   [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  std::set<std::int64_t> failed_lines;
  for (const RowProblem& problem : problems) {
    failed_lines.insert(problem.line);
    io.out << "line " << problem.line << ": " << (problem.field.empty() ? "" : problem.field + ": ")
           << problem.description << "\n";
  }
  const auto failed = static_cast<std::int64_t>(failed_lines.size());
  if (dry_run) {
    io.out << rows << " rows read, " << failed << " with problems (dry run: nothing imported; "
           << summary.applications_created() << " would be new, " << summary.applications_updated()
           << " updated)\n";
  } else {
    io.out << "imported " << summary.applications_created() + summary.applications_updated()
           << " of " << rows << " rows (" << summary.applications_created() << " new, "
           << summary.applications_updated() << " updated), " << failed << " failed\n";
  }
  return failed > 0 ? kExitPartly : kExitOk;
}

}  // namespace

Command ImportCommand() {
  return {.name = "import",
          .summary = "sign up every row of a sign-up form's CSV export for a round",
          .run = Run};
}

}  // namespace ipraktik::cli
