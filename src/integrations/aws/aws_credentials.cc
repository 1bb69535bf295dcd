#include "integrations/aws/aws_credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "integrations/aws/aws_ini.h"

extern char** environ;

namespace kelola {
namespace {

std::string Get(const std::map<std::string, std::string>& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() ? "" : it->second;
}

std::string SectionNames(const AwsIniFile& file) {
  std::string out;
  for (const auto& [name, section] : file.sections) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Result<AwsCredentials> AwsCredentialsFromIni(std::string_view text, const std::string& file_name,
                                             const std::string& profile) {
  KELOLA_ASSIGN_OR_RETURN(AwsIniFile file, ParseAwsIni(text, file_name));
  auto it = file.sections.find(profile);
  if (it == file.sections.end()) {
    return UnauthenticatedError("AWS profile [" + profile + "] is not in " + file_name +
                                " (profiles: " + SectionNames(file) + ")");
  }
  const AwsIniSection& section = it->second;
  auto value = [&](const char* key) {
    auto v = section.values.find(key);
    return v == section.values.end() ? std::string() : v->second;
  };
  AwsCredentials credentials;
  credentials.access_key_id = value("aws_access_key_id");
  credentials.secret_access_key = value("aws_secret_access_key");
  credentials.session_token = value("aws_session_token");
  if (credentials.session_token.empty()) credentials.session_token = value("aws_security_token");  // legacy name
  const std::string where = file_name + ":" + std::to_string(section.line) + ": profile [" + profile + "]";
  if (credentials.access_key_id.empty()) return InvalidArgumentError(where + " has no aws_access_key_id");
  if (credentials.secret_access_key.empty()) return InvalidArgumentError(where + " has no aws_secret_access_key");
  credentials.source = file_name + " [" + profile + "]";
  return credentials;
}

Result<AwsCredentials> LoadAwsCredentials(const AwsCredentialSources& sources,
                                          const std::map<std::string, std::string>& environment) {
  std::string tried;
  if (sources.profile.empty()) {
    const std::string key_id = Get(environment, "AWS_ACCESS_KEY_ID");
    const std::string secret = Get(environment, "AWS_SECRET_ACCESS_KEY");
    if (!key_id.empty() && !secret.empty()) {
      return AwsCredentials{.access_key_id = key_id,
                            .secret_access_key = secret,
                            .session_token = Get(environment, "AWS_SESSION_TOKEN"),
                            .source = "environment"};
    }
    if (!key_id.empty() || !secret.empty()) {
      return InvalidArgumentError(std::string(key_id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                                  " is set but " + (key_id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                                  " is not");
    }
    tried = "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY not set; ";
  }
  std::string profile = sources.profile;
  if (profile.empty()) profile = Get(environment, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::string path = sources.credentials_file;
  if (path.empty()) path = Get(environment, "AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    const std::string home = Get(environment, "HOME");
    if (home.empty()) return UnauthenticatedError("no AWS credentials: " + tried + "HOME is not set");
    path = home + "/.aws/credentials";
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UnauthenticatedError("no AWS credentials: " + tried + path + " cannot be read (profile [" + profile + "])");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return AwsCredentialsFromIni(text.str(), path, profile);
}

std::map<std::string, std::string> AwsEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = entry.substr(0, eq);
    if (name.substr(0, 4) == "AWS_" || name == "HOME") out.emplace(name, entry.substr(eq + 1));
  }
  return out;
}

}  // namespace kelola
