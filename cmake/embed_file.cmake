# Writes a C++ source defining `std::string_view FUNCTION() noexcept` in
# namespace NAMESPACE that returns the text of INPUT, as a raw string literal.
# JSON inputs are parsed first, so a malformed document fails the build.
#   cmake -DINPUT=in.json -DOUTPUT=out.cpp -DFUNCTION=name -DNAMESPACE=ns -DHEADER=h.hpp
#         -P embed_file.cmake
foreach(var INPUT OUTPUT FUNCTION NAMESPACE HEADER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_file.cmake: ${var} is not set")
  endif()
endforeach()

file(READ "${INPUT}" content)
if(INPUT MATCHES "\\.json$")
  string(JSON kind ERROR_VARIABLE json_error TYPE "${content}")
  if(json_error)
    message(FATAL_ERROR "${INPUT} is not valid JSON: ${json_error}")
  endif()
endif()
set(delimiter "orderstate_embed")
string(FIND "${content}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )${delimiter}\"")
endif()

set(source "// Generated from ${INPUT} by embed_file.cmake; do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

std::string_view ${FUNCTION}() noexcept {
  return R\"${delimiter}(${content})${delimiter}\";
}

}  // namespace ${NAMESPACE}
")
# Rewritten only when it changes, so an unchanged document recompiles nothing.
file(WRITE "${OUTPUT}.tmp" "${source}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
