#include "service_program.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "local_servers.h"

namespace ipraktik::testing {

ServiceProcess StartServiceProgram(const std::string& program,
                                   std::map<std::string, std::string> environment,
                                   const std::filesystem::path& log) {
  environment.emplace("IPRAKTIK_GRPC_ADDRESS", "127.0.0.1:0");
  environment.emplace("IPRAKTIK_METRICS_ADDRESS", "127.0.0.1:0");
  ServiceProcess started;
  started.process = std::make_unique<ChildProcess>(BinaryDir() / "bin" / program,
                                                   std::vector<std::string>{}, environment, log);
  if (!started.process->WaitForOutput("\"msg\":\"serving\"", std::chrono::seconds(30))) {
    ADD_FAILURE() << program << " did not start:\n" << started.process->Output();
    return started;
  }
  const std::string output = started.process->Output();
  started.grpc_port = PortFromLog(output, "grpc_port");
  started.metrics_port = PortFromLog(output, "metrics_port");
  if (started.grpc_port == 0) ADD_FAILURE() << program << " logged no grpc_port:\n" << output;
  return started;
}

}  // namespace ipraktik::testing
