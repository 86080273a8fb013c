# ipraktik_add_test(NAME name SOURCES ... [LIBRARIES ...] [LABELS ...] [TIMEOUT seconds])
#
# One CTest test per test program, not per case: integration programs start their own private
# servers once and run all their cases against them, and programs run in parallel under ctest -j.
# Label "unit" for pure logic, "integration" for programs that start servers.
function(ipraktik_add_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  target_link_libraries(${ARG_NAME} PRIVATE ipraktik::options ${ARG_LIBRARIES} GTest::gmock GTest::gtest_main)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "IPRAKTIK_SOURCE_DIR=${PROJECT_SOURCE_DIR};IPRAKTIK_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
