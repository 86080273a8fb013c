# ipraktik_add_library(NAME name SOURCES ... [INCLUDE_DIR dir] [PUBLIC ...] [PRIVATE ...])
#
# One of our static libraries: target ipraktik_<name> with the alias ipraktik::<name>, its headers
# under INCLUDE_DIR (default: the folder's include/) for whoever links it, C++20 for them too, the
# PUBLIC and PRIVATE libraries it links, and always ipraktik::options PRIVATE (the project's
# warnings and sanitizers), so no library can forget them.
function(ipraktik_add_library)
  cmake_parse_arguments(ARG "" "NAME;INCLUDE_DIR" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  if(NOT ARG_INCLUDE_DIR)
    set(ARG_INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/include)
  endif()
  set(target ipraktik_${ARG_NAME})
  add_library(${target} STATIC ${ARG_SOURCES})
  add_library(ipraktik::${ARG_NAME} ALIAS ${target})
  target_include_directories(${target} PUBLIC ${ARG_INCLUDE_DIR})
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC} PRIVATE ipraktik::options ${ARG_PRIVATE})
endfunction()
