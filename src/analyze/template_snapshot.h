// The template miner's state in a file beside the log store, so template ids
// stay stable across server restarts (docs/formats/template-snapshot.md).
#pragma once

#include <string>

#include "analyze/template_miner.h"
#include "base/status.h"

namespace kelola::analyze {

// Writes miner.Snapshot() to `path` atomically: a temporary file, fsync,
// rename. Internal on I/O errors (the previous snapshot stays).
Status WriteTemplateSnapshot(TemplateMiner& miner, const std::string& path);
// Loads `path` into `miner`: NotFound when there is no file,
// InvalidArgument when it is malformed (the miner is then unchanged).
Status ReadTemplateSnapshot(TemplateMiner& miner, const std::string& path);

}  // namespace kelola::analyze
