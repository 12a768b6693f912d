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
