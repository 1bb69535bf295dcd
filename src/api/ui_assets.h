// UiAssets: the web dashboard's built files (web/, Vite) as the server holds
// them. The build embeds web/dist into the binary: web/CMakeLists.txt runs
// the Vite build and generates the definition of EmbeddedUiAssets() in the
// library kelola_ui_assets. When the UI could not be built (npm packages not
// installed, or -DKELOLA_WEB_UI=OFF) the set is empty and `not_built` says
// why and how to build it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kelola {

struct UiAsset {
  std::string_view path;  // relative to the UI root: "index.html", "assets/index-3f2a.js"
  std::string_view body;
};

struct UiAssets {
  std::vector<UiAsset> files;
  std::string not_built;  // empty when files holds a built UI
};

// Defined by the generated source of kelola_ui_assets (web/CMakeLists.txt).
const UiAssets& EmbeddedUiAssets();

}  // namespace kelola
