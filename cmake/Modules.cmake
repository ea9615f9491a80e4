# Modules: one static library per concern, `cinestream_<name>`, built from src/<name>/ with its
# public headers in include/cinestream/<name>/. A module sees only its own headers and those of
# the modules it declares: each module gets an include root of its own in the build tree that
# holds just its header folder, and a declared dependency brings that root along (PUBLIC when the
# module's own headers include it, PRIVATE otherwise). An include of an undeclared module's header
# therefore does not compile; tests/boundary proves it.

# What every module shares: third-party headers, Asio/Beast compiled once, the precompiled header.
add_library(cinestream_platform STATIC ${PROJECT_SOURCE_DIR}/src/runtime/asio_beast_impl.cpp)
target_compile_definitions(cinestream_platform PUBLIC
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW
  CINESTREAM_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_link_libraries(cinestream_platform PUBLIC
  Boost::json Boost::url fmt::fmt spdlog::spdlog Threads::Threads)
target_precompile_headers(cinestream_platform PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch.hpp)
cinestream_set_warnings(cinestream_platform)

set(CINESTREAM_MODULE_ROOTS ${PROJECT_BINARY_DIR}/module_includes)

# cinestream_module(NAME [PUBLIC_DEPS m...] [PRIVATE_DEPS m...] [PUBLIC_LIBS t...]
#                   [PRIVATE_LIBS t...] [EXTRA_SOURCES f...] [PRIVATE_INCLUDES d...])
function(cinestream_module name)
  cmake_parse_arguments(M "" ""
    "PUBLIC_DEPS;PRIVATE_DEPS;PUBLIC_LIBS;PRIVATE_LIBS;EXTRA_SOURCES;PRIVATE_INCLUDES" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  list(FILTER sources EXCLUDE REGEX ".*/asio_beast_impl\\.cpp$")
  set(root ${CINESTREAM_MODULE_ROOTS}/${name})
  file(MAKE_DIRECTORY ${root}/cinestream)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/cinestream/${name} ${root}/cinestream/${name}
       SYMBOLIC)
  set(target cinestream_${name})
  add_library(${target} STATIC ${sources} ${M_EXTRA_SOURCES})
  target_include_directories(${target} PUBLIC ${root})
  target_include_directories(${target} PRIVATE ${M_PRIVATE_INCLUDES})
  target_link_libraries(${target} PUBLIC cinestream_platform ${M_PUBLIC_LIBS}
                                  PRIVATE ${M_PRIVATE_LIBS})
  foreach(dep IN LISTS M_PUBLIC_DEPS)
    target_link_libraries(${target} PUBLIC cinestream_${dep})
  endforeach()
  foreach(dep IN LISTS M_PRIVATE_DEPS)
    target_link_libraries(${target} PRIVATE cinestream_${dep})
  endforeach()
  target_precompile_headers(${target} REUSE_FROM cinestream_platform)
  cinestream_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY CINESTREAM_MODULES ${name})
  set_property(GLOBAL PROPERTY CINESTREAM_MODULE_DEPS_${name} ${M_PUBLIC_DEPS} ${M_PRIVATE_DEPS})
endfunction()
