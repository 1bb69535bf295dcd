# Runs each libFuzzer target (built by the `fuzz` preset into KELOLA_FUZZ_DIR)
# for a bounded time as a ctest test, so `make test` fuzzes every parser of
# outside input on every run. New inputs go to a scratch corpus in the build
# tree; the seeds in fuzz/corpus/ are only read.
set(KELOLA_FUZZ_DIR "" CACHE PATH "Directory holding the built fuzz targets")
set(KELOLA_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in make test")
set(KELOLA_FUZZERS config_fuzz:config api_body_fuzz:api_body log_frame_fuzz:log_frame
    pipeline_file_fuzz:pipeline_file forge_event_fuzz:forge_event)
if(KELOLA_FUZZ_DIR)
  foreach(entry ${KELOLA_FUZZERS})
    string(REPLACE ":" ";" parts ${entry})
    list(GET parts 0 fuzzer)
    list(GET parts 1 corpus)
    set(scratch ${CMAKE_BINARY_DIR}/fuzz-corpus/${corpus})
    file(MAKE_DIRECTORY ${scratch})
    add_test(NAME fuzz.${fuzzer}
      COMMAND ${KELOLA_FUZZ_DIR}/${fuzzer} -max_total_time=${KELOLA_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=4096
              ${scratch} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${corpus})
    set_tests_properties(fuzz.${fuzzer} PROPERTIES LABELS fuzz TIMEOUT 300)
  endforeach()
endif()
