# The floors of include/mvae, bottom to top: a header may include headers of its own floor and of
# the floors below it, never of a floor above (docs/architecture.md). Run by ctest as
# architecture.floors:  cmake -DMVAE_INCLUDE_DIR=<repo>/include -P check_floors.cmake
# Fails, naming every offending line, on an upward include or on a folder missing from the list.
cmake_minimum_required(VERSION 3.20)

set(floors core random backend io data nn optim masking completion model training eval recommender testing)
# The two umbrella headers sit on top of everything.
set(top_files mvae.hpp cuda.cuh version.hpp)

if(NOT MVAE_INCLUDE_DIR)
  message(FATAL_ERROR "check_floors: pass -DMVAE_INCLUDE_DIR=<repo>/include")
endif()
get_filename_component(root "${MVAE_INCLUDE_DIR}/mvae" ABSOLUTE)

function(floor_of path out)  # path relative to include/mvae
  if(path IN_LIST top_files)
    list(LENGTH floors n)
    set(${out} ${n} PARENT_SCOPE)
    return()
  endif()
  string(REGEX MATCH "^[^/]+" folder "${path}")
  list(FIND floors "${folder}" index)
  set(${out} ${index} PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE headers RELATIVE "${root}" "${root}/*.hpp" "${root}/*.cuh")
set(violations "")
set(checked 0)
foreach(header IN LISTS headers)
  floor_of("${header}" from)
  if(from EQUAL -1)
    string(APPEND violations "\n  ${header}: its folder is not a floor (add it to the list in check_floors.cmake and docs/architecture.md)")
    continue()
  endif()
  file(STRINGS "${root}/${header}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"mvae/")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"mvae/([^\"]+)\".*$" "\\1" target "${line}")
    floor_of("${target}" to)
    math(EXPR checked "${checked} + 1")
    if(to GREATER from)
      list(GET floors ${from} from_name)
      string(APPEND violations "\n  ${header} (floor ${from_name}) includes mvae/${target}, a higher floor")
    endif()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR "check_floors: upward includes:${violations}")
endif()
list(LENGTH headers n_headers)
message(STATUS "check_floors: ${n_headers} headers, ${checked} includes, none upward")
