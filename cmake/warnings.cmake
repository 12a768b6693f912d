# Flags for the project's own tests, examples and benchmarks; never exported with the library.
add_library(yt_warnings INTERFACE)
target_compile_options(yt_warnings INTERFACE -Wall -Wextra -Wpedantic -Werror)
if(YT_SANITIZE)
  target_compile_options(yt_warnings INTERFACE -fsanitize=${YT_SANITIZE} -fno-omit-frame-pointer
                                               -fno-sanitize-recover=all)
  target_link_options(yt_warnings INTERFACE -fsanitize=${YT_SANITIZE})
endif()
