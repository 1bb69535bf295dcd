# Every third-party library comes from a Debian package (scripts/install-deps).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)          # target: yaml-cpp
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(OpenSSL REQUIRED)
if(NOT KELOLA_FUZZ)
  find_package(CURL REQUIRED)
  find_package(SQLite3 REQUIRED)
  pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)  # PkgConfig::LIBPQ (libpq-dev 15)
  find_package(CLI11 REQUIRED)
  find_package(Boost 1.74 REQUIRED)      # Asio/Beast are header-only
  if(KELOLA_TESTS)
    find_package(GTest REQUIRED)
    include(GoogleTest)
  endif()
endif()
# Log pipeline (src/logs): RE2 has only a pkg-config file; zstd for frames and segments.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)  # PkgConfig::RE2
find_package(zstd REQUIRED)                          # zstd::libzstd_shared
# gzip request/response bodies (Elasticsearch _bulk, ingest).
find_package(ZLIB REQUIRED)                          # ZLIB::ZLIB (zlib1g-dev)
