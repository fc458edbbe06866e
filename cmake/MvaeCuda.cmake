# MvaeCuda.cmake — decides whether the CUDA parts of the project are built.
#
# MVAE_ENABLE_CUDA=AUTO enables CUDA when a CUDA compiler is found, ON requires one, OFF skips it.
# The headers themselves never need CUDA: only targets that include mvae/backend/cuda do.
# Sets MVAE_CUDA_ENABLED.

string(TOUPPER "${MVAE_ENABLE_CUDA}" _mvae_cuda_mode)
if(NOT _mvae_cuda_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "MVAE_ENABLE_CUDA must be AUTO, ON or OFF, got '${MVAE_ENABLE_CUDA}'")
endif()

set(MVAE_CUDA_ENABLED OFF)
if(_mvae_cuda_mode STREQUAL "AUTO")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(MVAE_CUDA_ENABLED ON)
  else()
    message(STATUS "mvae: no CUDA compiler found; the CUDA backend's targets are not built")
  endif()
elseif(_mvae_cuda_mode MATCHES "^(ON|TRUE|YES|1)$")
  set(MVAE_CUDA_ENABLED ON)
endif()

if(MVAE_CUDA_ENABLED)
  # sm_90 (H100/H200) machine code plus compute_90 PTX; override with -DCMAKE_CUDA_ARCHITECTURES=...
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)
  endif()
  enable_language(CUDA)
  find_package(CUDAToolkit REQUIRED)
  message(STATUS "mvae: CUDA ${CUDAToolkit_VERSION}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
endif()
