# cmake --install and cpack -G DEB (issue 16): the programs, their man pages
# and shell completions generated from the command table at build time, the
# documents and license notices.
include(GNUInstallDirs)

# Generated, never hand-kept: espbak.1 and the completions from the command
# table, espsim.1 from espsim --help.
add_executable(espbak_gen_docs tools/gen_docs/main.cpp)
target_link_libraries(espbak_gen_docs PRIVATE espbak_cli)
set(ESPBAK_GENERATED_DOCS ${CMAKE_CURRENT_BINARY_DIR}/generated/docs)
set(_gen_outputs ${ESPBAK_GENERATED_DOCS}/espbak.1 ${ESPBAK_GENERATED_DOCS}/espsim.1
                 ${ESPBAK_GENERATED_DOCS}/espbak.bash ${ESPBAK_GENERATED_DOCS}/_espbak
                 ${ESPBAK_GENERATED_DOCS}/espbak.fish)
add_custom_command(
  OUTPUT ${_gen_outputs}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${ESPBAK_GENERATED_DOCS}
  COMMAND $<TARGET_FILE:espsim> --help > ${ESPBAK_GENERATED_DOCS}/espsim.help
  COMMAND $<TARGET_FILE:espbak_gen_docs> ${ESPBAK_GENERATED_DOCS} ${ESPBAK_GENERATED_DOCS}/espsim.help
  DEPENDS espbak_gen_docs espsim
  COMMENT "Generating man pages and shell completions from the command table")
# Part of `all`, but not of the README's demo build (scripts/build.sh espbak espsim).
add_custom_target(espbak_docs ALL DEPENDS ${_gen_outputs})

install(TARGETS espbak espsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ESPBAK_GENERATED_DOCS}/espbak.1 ${ESPBAK_GENERATED_DOCS}/espsim.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${ESPBAK_GENERATED_DOCS}/espbak.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME espbak)
install(FILES ${ESPBAK_GENERATED_DOCS}/_espbak DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES ${ESPBAK_GENERATED_DOCS}/espbak.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
file(GLOB _espbak_docs ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md)
install(FILES README.md CHANGELOG.md LICENSE ${_espbak_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES cmake/NOTICE.stubs DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME NOTICE-flasher-stubs)

# Debian package: cpack -G DEB in the build directory.
set(CPACK_PACKAGE_NAME espbak)
set(CPACK_PACKAGE_VERSION ${ESPBAK_VERSION_STRING})
set(CPACK_PACKAGE_VENDOR "the espbak developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "back up and restore the flash of Espressif chips (esptool-compatible)")
set(CPACK_PACKAGE_DESCRIPTION
    "espbak reads, writes, verifies and erases the SPI flash of the ESP8266 and ESP32-family chips over their ROM "
    "bootloader and Espressif's flasher stub, with esptool's command lines. espsim, a simulator of those "
    "bootloaders, is included for testing.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGE_CONTACT "espbak developers <espbak@users.noreply.github.com>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CPACK_PACKAGE_CONTACT})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION electronics)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps: libc, libm (libstdc++, zlib, libserialport are static)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
include(CPack)
