# Runs the go tool for the Go binding, with everything it writes kept in the
# build tree (nothing in the source tree, nothing fetched):
#
#   cmake -DGO=/usr/local/go/bin/go -DGO_BUILD_DIR=<build>/bindings/go
#         -DPKGCONFIG_DIR=<build>/pkgconfig-uninstalled [-DLIB_DIR=<build>/libv6node]
#         [-DSTAMP_FILES=a,b] [-DCC=cc] [-DFRESH_CGO=ON] [-DGO_ENV=NAME=VALUE,...]
#         -DWORKDIR=<folder to run in> -P go.cmake -- <go arguments>
#
# STAMP_FILES: files the module compiles through pkg-config (v6node.h,
# v6node.i). The go tool's cache keys on the package's own files only, so
# their hash goes into CGO_CFLAGS: a change to them rebuilds the package
# instead of reusing a stale cache entry.
# GO_ENV: more variables, set last (e.g. GOPROXY=file:///... for one run).
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
if(STAMP_FILES)
  string(REPLACE "," ";" stamp_files "${STAMP_FILES}")
  foreach(f ${stamp_files})
    file(SHA1 "${f}" h)
    string(APPEND stamp "${h}")
  endforeach()
  string(SHA1 stamp "${stamp}")
endif()

set(ENV{GOCACHE} "${GO_BUILD_DIR}/cache")
set(ENV{GOPATH} "${GO_BUILD_DIR}/gopath")
set(ENV{GOMODCACHE} "${GO_BUILD_DIR}/gopath/pkg/mod")
set(ENV{XDG_CONFIG_HOME} "${GO_BUILD_DIR}/config") # the go tool's telemetry counters
set(ENV{GOENV} off)         # no user go.env settings
set(ENV{GOTOOLCHAIN} local) # never download a toolchain
set(ENV{GOPROXY} off)       # the module needs no other module
set(ENV{GOFLAGS} "-buildvcs=false -p=2")
set(ENV{CGO_ENABLED} 1)
set(cflags "-O2 -g")
if(stamp)
  string(APPEND cflags " -DV6NG_LIBRARY_SHA1=${stamp}")
endif()
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
if(GO_ENV)
  string(REPLACE "," ";" go_env "${GO_ENV}")
  foreach(kv ${go_env})
    string(FIND "${kv}" "=" eq)
    string(SUBSTRING "${kv}" 0 ${eq} k)
    math(EXPR eq "${eq} + 1")
    string(SUBSTRING "${kv}" ${eq} -1 v)
    set(ENV{${k}} "${v}")
  endforeach()
endif()

execute_process(COMMAND "${GO}" ${args} WORKING_DIRECTORY "${WORKDIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  string(REPLACE ";" " " shown "${args}")
  message(FATAL_ERROR "go ${shown} (in ${WORKDIR}) failed: ${rc}")
endif()
