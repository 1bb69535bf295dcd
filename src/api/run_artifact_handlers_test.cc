// GET /v1/runs/{id}/artifact?path= in-process: a run listing an artifact,
// its file under the artifacts dir, and the refusals (unlisted, escaping).
#include "api/run_artifact_handlers.h"

#include <fstream>

#include "api/in_process_api_for_test.h"
#include "pipeline/run_queue.h"

namespace kelola {
namespace {

TEST(RunArtifactHandlers, ServesAListedArtifactAndNothingElse) {
  InProcessApi api;
  const std::string artifacts = (api.dir / "artifacts").string();
  RegisterRunArtifactRoutes(*api.server, *api.ctx, artifacts);
  api.Start();
  ForgeEvent event;
  event.kind = ForgeEventKind::kPush;
  event.sha = std::string(40, 'a');
  event.ref = "refs/heads/main";
  event.branch = "main";
  event.repository = "acme/app";
  auto run = QueueRunOnce(*api.store, NewRunFromEvent("app", event, "github", "d-1", "file:///x.git"));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  std::string content(3 << 20, 'x');  // more than one streamed chunk
  content += "end";
  std::filesystem::create_directories(artifacts + "/" + run->id + "/out");
  std::ofstream(artifacts + "/" + run->id + "/out/big.bin", std::ios::binary) << content;
  std::ofstream(artifacts + "/" + run->id + "/out/unlisted.txt") << "secret-ish";
  kelola::Run r = *run;
  r.artifacts.push_back({"test", "out/big.bin", content.size(), ""});
  ASSERT_TRUE(api.store->UpdateRun(RunToRecord(r), r.version).ok());

  auto got = api.Call("GET", "/v1/runs/" + run->id + "/artifact?path=out/big.bin", "", api.viewer_token);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body.size(), content.size());
  EXPECT_TRUE(got.body == content);
  EXPECT_EQ(api.Call("GET", "/v1/runs/" + run->id + "/artifact?path=out/unlisted.txt").status, 404);
  EXPECT_EQ(api.Call("GET", "/v1/runs/" + run->id + "/artifact?path=../../kelola.db").status, 404);
  EXPECT_EQ(api.Call("GET", "/v1/runs/no-such-run/artifact?path=out/big.bin").status, 404);
  EXPECT_EQ(api.Call("GET", "/v1/runs/" + run->id + "/artifact?path=out/big.bin", "", "kl_bad_token").status, 401);
}

}  // namespace
}  // namespace kelola
