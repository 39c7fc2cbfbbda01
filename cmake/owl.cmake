# Helpers shared by every layer's CMakeLists.txt.

# owl_library(NAME SOURCES a.cpp b.cpp DEPS owl_base ...)
function(owl_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# owl_test(NAME SOURCES a_test.cpp DEPS owl_x [LABELS golden])
# One GoogleTest binary, registered as one ctest test. Tests find ../shared through OWL_SHARED_DIR
# and the built owl binary through OWL_BIN (for end-to-end tests of the command line).
function(owl_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    OWL_SHARED_DIR="${OWL_SHARED_DIR}"
    OWL_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    OWL_BIN="$<TARGET_FILE_DIR:owl>/owl")
  add_test(NAME ${name} COMMAND ${name})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  endif()
endfunction()
