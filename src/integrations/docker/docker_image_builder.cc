#include "integrations/docker/docker_image_builder.h"

#include <unistd.h>

#include <cstdlib>

#include "integrations/docker/build_context.h"
#include "runner/secret_masker.h"

namespace kelola::docker {
namespace {

// A temporary file, unlinked on destruction.
class TempFile {
 public:
  TempFile() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kelola-context-XXXXXX.tar";
    const int fd = ::mkstemps(tmpl.data(), 4);
    if (fd >= 0) {
      ::close(fd);
      path_ = tmpl;
    }
  }
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

Result<BuiltImage> DockerImageBuilder::Build(const ImageBuildRequest& request, const ImageLineFn& on_line,
                                             StepCancel& cancel) {
  const SecretMasker masker(request.secrets);
  auto fail = [&](const Status& s) { return Status(s.code(), masker.Mask(s.message())); };
  if (request.tags.empty()) return InvalidArgumentError("build: no tags given");
  TempFile tar;
  if (tar.path().empty()) return InternalError("build: cannot create a temporary file for the context");
  auto stats = WriteBuildContext(request.context_dir, request.dockerfile, tar.path());
  if (!stats.ok()) return fail(stats.status());
  if (on_line) {
    on_line("kelola: build context: " + std::to_string(stats->files) + " files, " + std::to_string(stats->bytes) +
            " bytes (" + std::to_string(stats->excluded) + " excluded by .dockerignore)");
  }
  BuildParams params;
  params.context_tar = tar.path();
  params.dockerfile = request.dockerfile.empty() ? "Dockerfile" : request.dockerfile;
  params.tags = request.tags;
  params.build_args = request.build_args;
  params.labels = request.labels;
  auto id = docker_.Build(
      params,
      [&](std::string_view line) {
        if (on_line) on_line(masker.Mask(line));
      },
      [&cancel] { return !cancel.cancelled(); });
  if (!id.ok()) return fail(id.status());
  return BuiltImage{*id, request.tags};
}

Result<PushedImage> DockerImageBuilder::Push(const std::string& repository, const std::string& tag,
                                             const RegistryCredentials& credentials,
                                             const std::vector<std::string>& secrets, const ImageLineFn& on_line,
                                             StepCancel& cancel) {
  std::vector<std::string> all_secrets = secrets;
  all_secrets.push_back(credentials.password);
  const SecretMasker masker(all_secrets);
  auto fail = [&](const Status& s) { return Status(s.code(), masker.Mask(s.message())); };
  auto digest = docker_.Push(
      repository, tag, credentials,
      [&](std::string_view line) {
        if (on_line) on_line(masker.Mask(line));
      },
      [&cancel] { return !cancel.cancelled(); });
  if (!digest.ok()) return fail(digest.status());
  auto served = registry_.ManifestDigest(repository + ":" + tag, credentials);
  if (!served.ok()) return fail(served.status().WithContext("verifying the push of " + repository + ":" + tag));
  if (*served != *digest) {
    return DataLossError("pushed " + repository + ":" + tag + " as " + *digest + " but the registry serves " + *served);
  }
  return PushedImage{repository, tag, *digest};
}

}  // namespace kelola::docker
