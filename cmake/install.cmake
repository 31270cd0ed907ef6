# cmake --install: the binary, a service unit and a default config (component
# "runtime", what the Debian package holds), and the libraries, the public
# headers and an exported CMake package (component "development"), so that a
# project can find_package(taskstream) and register kinds of its own
# (examples/custom-kind builds that way in the tests). `make package` (CPack)
# builds the Debian package of the runtime component.
include(CMakePackageConfigHelpers)

install(TARGETS taskstream RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES packaging/taskstream.service DESTINATION lib/systemd/system COMPONENT runtime)
# The config goes to PREFIX/etc, except under /usr (the package), where it is /etc
# (the GNUInstallDirs rule, applied when installing, since CPack installs to /usr).
set(CONFIG_FILE ${CMAKE_CURRENT_SOURCE_DIR}/packaging/taskstream.toml)
string(CONFIGURE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(taskstream_etc "/etc/taskstream")
  else()
    set(taskstream_etc "${CMAKE_INSTALL_PREFIX}/etc/taskstream")
  endif()
  file(INSTALL DESTINATION "${taskstream_etc}" TYPE FILE FILES "@CONFIG_FILE@")
]] install_config @ONLY)
install(CODE "${install_config}" COMPONENT runtime)

set_target_properties(taskstream_core PROPERTIES EXPORT_NAME taskstream)
set_target_properties(taskstream_asio PROPERTIES EXPORT_NAME asio)
install(TARGETS taskstream_core taskstream_asio EXPORT taskstreamTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(DIRECTORY include/taskstream DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
set(TASKSTREAM_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/taskstream)
install(EXPORT taskstreamTargets NAMESPACE taskstream:: DESTINATION ${TASKSTREAM_CMAKE_DIR} COMPONENT development)
configure_package_config_file(cmake/taskstreamConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/taskstreamConfig.cmake
                              INSTALL_DESTINATION ${TASKSTREAM_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/taskstreamConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/taskstreamConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/taskstreamConfigVersion.cmake
        DESTINATION ${TASKSTREAM_CMAKE_DIR} COMPONENT development)

# The Debian package: the runtime component, installed under /usr (the unit under /lib).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME taskstream)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "taskstream developers <taskstream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "long-running tasks over REST, their progress live over Server-Sent Events")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME taskstream)
set(CPACK_DEBIAN_RUNTIME_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binary's shared libraries (dpkg-shlibdeps)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_STRIP_FILES TRUE)  # the build keeps its debug info; the package does not
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_SOURCE_DIR}/packaging/conffiles)
include(CPack)
