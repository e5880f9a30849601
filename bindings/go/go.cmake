# Runs the go tool for the Go binding, with everything it writes kept in the
# build tree (nothing in the source tree, nothing fetched):
#
#   cmake -DGO=/usr/local/go/bin/go -DGO_BUILD_DIR=<build>/bindings/go
#         -DPKGCONFIG_DIR=<build>/pkgconfig-uninstalled -DLIB_DIR=<build>/libv6node
#         [-DCC=cc] [-DFRESH_CGO=ON] -DWORKDIR=<folder to run in>
#         -P go.cmake -- <go arguments>
#
# The build cache is keyed on the package's own files only; the binding layer
# (bindings/glue.c, glue.h, v6node.i) and v6node.h are compiled in from outside
# the package folder, so their hash goes into CGO_CFLAGS: a change to them
# rebuilds the package instead of reusing a stale cache entry.
foreach(v GO GO_BUILD_DIR PKGCONFIG_DIR WORKDIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "go.cmake: -D${v}=... is required")
  endif()
endforeach()

set(args "")
set(after_dashes FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE ${last})
  if(after_dashes)
    list(APPEND args "${CMAKE_ARGV${i}}")
  elseif("${CMAKE_ARGV${i}}" STREQUAL "--")
    set(after_dashes TRUE)
  endif()
endforeach()

set(stamp "")
foreach(f ../glue.c ../glue.h ../v6node.i ../../include/v6node.h)
  file(SHA1 "${CMAKE_CURRENT_LIST_DIR}/${f}" h)
  string(APPEND stamp "${h}")
endforeach()
string(SHA1 stamp "${stamp}")

set(ENV{GOCACHE} "${GO_BUILD_DIR}/cache")
set(ENV{GOPATH} "${GO_BUILD_DIR}/gopath")
set(ENV{GOMODCACHE} "${GO_BUILD_DIR}/gopath/pkg/mod")
set(ENV{XDG_CONFIG_HOME} "${GO_BUILD_DIR}/config") # the go tool's telemetry counters
set(ENV{GOENV} off)         # no user go.env settings
set(ENV{GOTOOLCHAIN} local) # never download a toolchain
set(ENV{GOPROXY} off)       # the module needs no other module
set(ENV{GOFLAGS} "-buildvcs=false")
set(ENV{CGO_ENABLED} 1)
set(cflags "-O2 -g -DV6NG_SOURCES_SHA1=${stamp}")
if(FRESH_CGO)
  # `go vet` of a SWIG package whose compiled form comes from the build cache
  # fails ("vet: can't parse raw cgo file: $WORK/b001/_v6nraw_swig.go: no such
  # file or directory"): the cached cgo output refers to SWIG's output, which a
  # cache hit does not recreate (a go command bug, seen with go 1.19 and 1.26).
  # A flag unique to this run makes the cgo packages compile afresh (about a
  # second), so SWIG runs and vet sees everything.
  string(TIMESTAMP now "%s")
  string(RANDOM LENGTH 12 nonce)
  string(APPEND cflags " -DV6NG_FRESH=${now}${nonce}")
endif()
set(ENV{CGO_CFLAGS} "${cflags}")
if(CC)
  set(ENV{CC} "${CC}")
endif()
if(DEFINED ENV{PKG_CONFIG_PATH} AND NOT "$ENV{PKG_CONFIG_PATH}" STREQUAL "")
  set(ENV{PKG_CONFIG_PATH} "${PKGCONFIG_DIR}:$ENV{PKG_CONFIG_PATH}")
else()
  set(ENV{PKG_CONFIG_PATH} "${PKGCONFIG_DIR}")
endif()
if(LIB_DIR)
  set(ENV{LD_LIBRARY_PATH} "${LIB_DIR}")
endif()

execute_process(COMMAND "${GO}" ${args} WORKING_DIRECTORY "${WORKDIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  string(REPLACE ";" " " shown "${args}")
  message(FATAL_ERROR "go ${shown} (in ${WORKDIR}) failed: ${rc}")
endif()
