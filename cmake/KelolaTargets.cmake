# Helpers that keep every src/ folder a library of its own with explicit deps.

set(KELOLA_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # g++ 12 reports false positives inside libstdc++'s std::string at -O2/-O3
  # (GCC bugs 105329, 105651); they say nothing about our code.
  list(APPEND KELOLA_WARNINGS -Wno-restrict -Wno-stringop-overflow -Wno-array-bounds)
endif()

# kelola_library(NAME SOURCES a.cc b.cc DEPS kelola_base ...)
function(kelola_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "${name}: no sources in ${CMAKE_CURRENT_SOURCE_DIR}")
  endif()
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${KELOLA_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# kelola_test(NAME SOURCES a_test.cc DEPS kelola_base [LABELS unit] [SERIAL])
# Tests are discovered when ctest runs (PRE_TEST), not at build time.
# SERIAL: ctest runs them alone (RUN_SERIAL), for tests that measure the machine.
function(kelola_test name)
  cmake_parse_arguments(ARG "SERIAL" "" "SOURCES;DEPS;LABELS" ${ARGN})
  if(NOT KELOLA_TESTS OR NOT ARG_SOURCES)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${KELOLA_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set(serial FALSE)
  if(ARG_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300 RUN_SERIAL ${serial}
    ENVIRONMENT "KELOLA_BINARY=$<TARGET_FILE:kelola>")
  # A list in ENVIRONMENT would be split by gtest_discover_tests: the source
  # tree reaches tests as a compile definition instead.
  target_compile_definitions(${name} PRIVATE KELOLA_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()

# kelola_folder(NAME DEPS ... [PRIVATE_DEPS ...] [TEST_DEPS ...])
# The library is every *.cc in the current folder except *_test.cc; the
# folder's unit tests (*_test.cc) become one test binary NAME_test.
function(kelola_folder name)
  cmake_parse_arguments(ARG "" "" "DEPS;PRIVATE_DEPS;TEST_DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  kelola_library(${name} SOURCES ${srcs} DEPS ${ARG_DEPS} PRIVATE_DEPS ${ARG_PRIVATE_DEPS})
  if(tests AND KELOLA_TESTS AND NOT KELOLA_FUZZ)
    kelola_test(${name}_test SOURCES ${tests} DEPS ${name} ${ARG_TEST_DEPS})
  endif()
endfunction()
