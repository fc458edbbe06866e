# Script mode (cmake -P): builds tests/package/consumer against mvae and runs it.
#   MODE=find_package: install this build tree to WORK_DIR/prefix, then find_package(mvae) from there.
#   MODE=subdirectory: the consumer calls add_subdirectory(MVAE_SOURCE_DIR).
foreach(var MODE MVAE_SOURCE_DIR MVAE_BINARY_DIR WORK_DIR CONSUMER_DIR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " cmd "${ARGN}")
    message(FATAL_ERROR "command failed (${rc}): ${cmd}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(configure_args -S "${CONSUMER_DIR}" -B "${WORK_DIR}/build" -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DMVAE_CONSUMER_MODE=${MODE})

if(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install "${MVAE_BINARY_DIR}" --prefix "${WORK_DIR}/prefix")
  if(NOT EXISTS "${WORK_DIR}/prefix/include/mvae/mvae.hpp")
    message(FATAL_ERROR "install did not put mvae/mvae.hpp under ${WORK_DIR}/prefix/include")
  endif()
  file(GLOB_RECURSE config "${WORK_DIR}/prefix/*/mvaeConfig.cmake")
  file(GLOB_RECURSE version "${WORK_DIR}/prefix/*/mvaeConfigVersion.cmake")
  if(NOT config OR NOT version)
    message(FATAL_ERROR "install did not produce mvaeConfig.cmake and mvaeConfigVersion.cmake")
  endif()
  list(APPEND configure_args -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
       -DEXPECTED_MVAE_PREFIX=${WORK_DIR}/prefix)
elseif(MODE STREQUAL "subdirectory")
  list(APPEND configure_args -DMVAE_SOURCE_DIR=${MVAE_SOURCE_DIR})
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()

run(${CMAKE_COMMAND} ${configure_args})
run(${CMAKE_COMMAND} --build "${WORK_DIR}/build" -j 2)
run("${WORK_DIR}/build/consumer")
if(NOT last_output MATCHES "consumer ok")
  message(FATAL_ERROR "consumer printed an unexpected result:\n${last_output}")
endif()
message(STATUS "${MODE} consumer: ${last_output}")
