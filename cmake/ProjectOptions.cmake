# Interface targets that carry the project's compile settings, instead of global flags.
#   ipraktik::sanitizers  ASan+UBSan when IPRAKTIK_SANITIZE is on (applied to generated code too)
#   ipraktik::options     C++20, warnings as errors and the sanitizers: link it PRIVATE from
#                         every target built from our own sources.

add_library(ipraktik_sanitizers INTERFACE)
add_library(ipraktik::sanitizers ALIAS ipraktik_sanitizers)
if(IPRAKTIK_SANITIZE)
  target_compile_options(ipraktik_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(ipraktik_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

add_library(ipraktik_options INTERFACE)
add_library(ipraktik::options ALIAS ipraktik_options)
target_compile_features(ipraktik_options INTERFACE cxx_std_20)
target_compile_options(ipraktik_options INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough)
target_link_libraries(ipraktik_options INTERFACE ipraktik::sanitizers)
