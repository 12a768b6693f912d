include(CMakePackageConfigHelpers)

install(TARGETS yieldtasks EXPORT yieldtasks-targets)
install(DIRECTORY include/yieldtasks TYPE INCLUDE)

set(yt_config_dir "${CMAKE_INSTALL_DATADIR}/cmake/yieldtasks")
install(EXPORT yieldtasks-targets NAMESPACE yieldtasks:: DESTINATION "${yt_config_dir}")

configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/yieldtasks-config.cmake.in"
  "${PROJECT_BINARY_DIR}/yieldtasks-config.cmake" INSTALL_DESTINATION "${yt_config_dir}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/yieldtasks-config-version.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/yieldtasks-config.cmake"
              "${PROJECT_BINARY_DIR}/yieldtasks-config-version.cmake"
        DESTINATION "${yt_config_dir}")

# pkg-config, for builds without CMake. Header-only, so it goes beside the CMake package under
# share/. No -std flag in Cflags: it would lower a consumer that compiles with -std=c++23; the
# consumer passes -std=c++20 or newer itself (docs/building.md). -pthread links the threads library
# on platforms where it is separate from libc, as Threads::Threads does for CMake consumers.
set(yt_pc_dir "${CMAKE_INSTALL_DATADIR}/pkgconfig")
file(RELATIVE_PATH yt_pc_prefix "/prefix/${yt_pc_dir}" "/prefix")
string(REGEX REPLACE "/$" "" yt_pc_prefix "${yt_pc_prefix}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(yt_pc_includedir "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(yt_pc_includedir "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file("${CMAKE_CURRENT_LIST_DIR}/yieldtasks.pc.in" "${PROJECT_BINARY_DIR}/yieldtasks.pc"
               @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/yieldtasks.pc" DESTINATION "${yt_pc_dir}")
