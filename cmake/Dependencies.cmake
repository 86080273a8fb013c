# Every third-party package the build uses, all from Debian (see deploy/debian-packages.txt).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)               # module mode: Debian ships no protobuf-config.cmake
find_package(gRPC CONFIG REQUIRED)            # gRPC::grpc++ gRPC::grpc++_reflection gRPC::grpc_cpp_plugin
find_package(prometheus-cpp CONFIG REQUIRED)  # prometheus-cpp::core prometheus-cpp::pull
find_package(rabbitmq-c CONFIG REQUIRED)      # rabbitmq::rabbitmq (its version variable is wrong: no check)
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)  # PkgConfig::HIREDIS
find_package(absl CONFIG REQUIRED)            # absl::status absl::statusor absl::strings
find_package(simdjson CONFIG REQUIRED)        # simdjson::simdjson (the matching engine's JSON reader)
find_package(CURL REQUIRED)                   # CURL::libcurl (notification: SMTP)
find_package(OpenSSL REQUIRED)                # OpenSSL::Crypto (notification: SHA-256 message ids)
find_package(civetweb CONFIG REQUIRED)        # civetweb::civetweb (participant-web: HTTP)
if(IPRAKTIK_BUILD_TESTS)
  find_package(GTest REQUIRED)                # GTest::gtest_main GTest::gmock
  pkg_check_modules(LEMON REQUIRED IMPORTED_TARGET lemon)  # PkgConfig::LEMON: matching oracle, tests/benchmarks only
endif()

# ipraktik::allocator, linked by every service program: jemalloc, whose per-thread caches cost
# far less than glibc's malloc under many threads (malloc and free were a quarter of the
# registration service's CPU under sign-up load). Not under the sanitizers, which bring their own.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)  # PkgConfig::JEMALLOC
add_library(ipraktik_allocator INTERFACE)
add_library(ipraktik::allocator ALIAS ipraktik_allocator)
if(NOT IPRAKTIK_SANITIZE)
  target_link_libraries(ipraktik_allocator INTERFACE PkgConfig::JEMALLOC)
endif()
