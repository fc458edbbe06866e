# MvaeDistributed.cmake — the communicators of data-parallel training (docs/scale.md).
#
# MVAE_ENABLE_MPI (OFF by default): ON finds MPI (Debian: libopenmpi-dev and openmpi-bin, which
#   `scripts/bootstrap.sh --mpi` installs) and requires it. Sets MVAE_MPI_ENABLED.
# MVAE_ENABLE_NCCL (AUTO by default; only with CUDA): AUTO uses NCCL when its header and library
#   are found — a system install, the CUDA toolkit's folders, or the `nvidia-nccl-cu*` wheel of
#   the python3 on PATH — ON requires it, OFF skips it. Never needed in CI. Sets MVAE_NCCL_ENABLED
#   and MVAE_NCCL_INCLUDE_DIR / MVAE_NCCL_LIBRARY.
# Builds without MPI are unchanged: the headers reach <mpi.h> and <nccl.h> only from
# backend/mpi/ and backend/cuda/nccl_communicator.cuh.

option(MVAE_ENABLE_MPI "Build the MPI communicator's programs and tests (mpirun -np N mvae train)" OFF)
set(MVAE_ENABLE_NCCL "AUTO" CACHE STRING "Sum the GPUs' gradients with NCCL under MPI: AUTO, ON or OFF")
set_property(CACHE MVAE_ENABLE_NCCL PROPERTY STRINGS AUTO ON OFF)

set(MVAE_MPI_ENABLED OFF)
if(MVAE_ENABLE_MPI)
  find_package(MPI COMPONENTS CXX)
  if(NOT MPI_CXX_FOUND)
    message(FATAL_ERROR "MVAE_ENABLE_MPI=ON but no MPI was found: install libopenmpi-dev and openmpi-bin "
                        "(bash scripts/bootstrap.sh --mpi does) or configure with -DMVAE_ENABLE_MPI=OFF")
  endif()
  set(MVAE_MPI_ENABLED ON)
  message(STATUS "mvae: MPI ${MPI_CXX_VERSION} (${MPIEXEC_EXECUTABLE})")
endif()

set(MVAE_NCCL_ENABLED OFF)
string(TOUPPER "${MVAE_ENABLE_NCCL}" _mvae_nccl_mode)
if(NOT _mvae_nccl_mode MATCHES "^(AUTO|ON|OFF|TRUE|FALSE|YES|NO|1|0)$")
  message(FATAL_ERROR "MVAE_ENABLE_NCCL must be AUTO, ON or OFF, got '${MVAE_ENABLE_NCCL}'")
endif()
if(MVAE_CUDA_ENABLED AND MVAE_MPI_ENABLED AND NOT _mvae_nccl_mode MATCHES "^(OFF|FALSE|NO|0)$")
  set(_mvae_nccl_hints ${CUDAToolkit_INCLUDE_DIRS} ${CUDAToolkit_LIBRARY_DIR})
  find_package(Python3 COMPONENTS Interpreter QUIET)
  if(Python3_Interpreter_FOUND)
    execute_process(
      COMMAND "${Python3_EXECUTABLE}" -c "import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__))"
      OUTPUT_VARIABLE _mvae_nccl_wheel OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_mvae_nccl_wheel)
      list(APPEND _mvae_nccl_hints "${_mvae_nccl_wheel}/include" "${_mvae_nccl_wheel}/lib")
    endif()
  endif()
  find_path(MVAE_NCCL_INCLUDE_DIR nccl.h HINTS ${_mvae_nccl_hints})
  find_library(MVAE_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${_mvae_nccl_hints})
  if(MVAE_NCCL_INCLUDE_DIR AND MVAE_NCCL_LIBRARY)
    set(MVAE_NCCL_ENABLED ON)
    message(STATUS "mvae: NCCL ${MVAE_NCCL_LIBRARY}")
  elseif(_mvae_nccl_mode MATCHES "^(ON|TRUE|YES|1)$")
    message(FATAL_ERROR "MVAE_ENABLE_NCCL=ON but nccl.h or libnccl was not found (pip install nvidia-nccl-cu12, "
                        "or set MVAE_NCCL_INCLUDE_DIR and MVAE_NCCL_LIBRARY)")
  else()
    message(STATUS "mvae: NCCL not found; under MPI the GPUs' gradients are summed through the host")
  endif()
endif()
