#pragma once

/// The yieldtasks version; the only place it is written (CMake parses these lines).
#define YT_VERSION_MAJOR 0
#define YT_VERSION_MINOR 2
#define YT_VERSION_PATCH 0
