# Runs each libFuzzer target (built by the `fuzz` preset into KELOLA_FUZZ_DIR)
# for a bounded time as a ctest test, so `make test` fuzzes every parser of
# outside input on every run. New inputs go to a scratch corpus in the build
# tree; the seeds in fuzz/corpus/ are only read.
set(KELOLA_FUZZ_DIR "" CACHE PATH "Directory holding the built fuzz targets")
set(KELOLA_FUZZ_SECONDS 10 CACHE STRING "Seconds each fuzz target runs in make test")
set(KELOLA_FUZZERS config_fuzz:config api_body_fuzz:api_body log_frame_fuzz:log_frame
    syslog_parser_fuzz:syslog_parser logfmt_parser_fuzz:logfmt_parser json_parser_fuzz:json_parser
    regex_parser_fuzz:regex_parser syslog_framing_fuzz:syslog_framing
    loki_push_proto_fuzz:loki_push_proto loki_push_json_fuzz:loki_push_json loki_labels_fuzz:loki_labels
    docker_progress_fuzz:docker_progress docker_log_stream_fuzz:docker_log_stream dockerignore_fuzz:dockerignore
    docker_engine_objects_fuzz:docker_engine_objects
    bulk_ingest_fuzz:bulk_ingest
    pipeline_file_fuzz:pipeline_file forge_event_fuzz:forge_event session_file_fuzz:session_file alert_matcher_fuzz:alert_matcher
    template_miner_fuzz:template_miner notifier_fuzz:notifier
    aws_sigv4_request_fuzz:aws_sigv4_request aws_ini_fuzz:aws_ini
    aws_ec2_xml_fuzz:aws_ec2_xml
    proc_parsers_fuzz:proc_parsers metric_samples_fuzz:metric_samples prometheus_response_fuzz:prometheus_response
    scaling_policy_fuzz:scaling_policy load_trace_fuzz:load_trace
    server_group_fuzz:server_group simulate_request_fuzz:simulate_request
    kubeconfig_fuzz:kubeconfig
    target_spec_fuzz:target_spec release_status_fuzz:release_status)
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
