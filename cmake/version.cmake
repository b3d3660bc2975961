# The version, from one place: the release tag on HEAD when there is one
# (v1.2.3 -> 1.2.3), else project(VERSION) in CMakeLists.txt. espbak
# --version, the man pages and the .deb all take ESPBAK_VERSION_STRING.
# docs/releasing.md says when which number changes.
set(ESPBAK_VERSION_STRING ${PROJECT_VERSION})
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --exact-match --match "v[0-9]*" HEAD
                  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                  OUTPUT_VARIABLE _espbak_tag OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE _espbak_tag_rc)
  if(_espbak_tag_rc EQUAL 0)
    string(REGEX REPLACE "^v" "" ESPBAK_VERSION_STRING "${_espbak_tag}")
  endif()
endif()
