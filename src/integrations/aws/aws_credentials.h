// LoadAwsCredentials: the AWS credentials chain kelola follows, a subset of
// the AWS SDKs' default chain:
//   1. an explicit profile (Ec2ProviderOptions.profile) -> that profile of
//      the shared credentials file, even when keys are in the environment;
//   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. the profile AWS_PROFILE (else "default") of the shared credentials
//      file: AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials,
//      keys aws_access_key_id, aws_secret_access_key, aws_session_token.
// Not supported (non-goals here): instance metadata/IMDS roles, SSO,
// credential_process, assume-role profiles in ~/.aws/config.
//
// The environment is passed in (tests give a map). Errors, never quoting a
// secret: Unauthenticated when no source has credentials (the message lists
// what was tried), InvalidArgument "FILE:LINE: ..." for a malformed file or
// a profile missing a key, InvalidArgument when only half of the env pair
// is set. Thread-safe (reads files only).
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "integrations/aws/sigv4.h"

namespace kelola {

struct AwsCredentialSources {
  std::string profile;           // explicit profile; "" = follow the chain
  std::string credentials_file;  // explicit file; "" = env or $HOME/.aws/credentials
};

Result<AwsCredentials> LoadAwsCredentials(const AwsCredentialSources& sources,
                                          const std::map<std::string, std::string>& environment);

// The process environment's AWS_* and HOME variables, for the call above.
std::map<std::string, std::string> AwsEnvironment();

// Reads a profile out of a credentials file's text (`file_name` labels
// errors and becomes the credentials' source).
Result<AwsCredentials> AwsCredentialsFromIni(std::string_view text, const std::string& file_name,
                                             const std::string& profile);

}  // namespace kelola
