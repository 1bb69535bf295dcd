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
  find_package(CLI11 REQUIRED)
  find_package(Boost 1.74 REQUIRED)      # Asio/Beast are header-only
  if(KELOLA_TESTS)
    find_package(GTest REQUIRED)
    include(GoogleTest)
  endif()
endif()
