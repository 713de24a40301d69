# Runs PROGRAM and compares its stdout with the text in EXPECTED after masking
# what changes from run to run: RFC 3339 times become <time> and the
# YYYYMMDDHHMMSS stamps inside IDs become <stamp>. Fails on a nonzero exit,
# any stderr output, or any difference.
#   cmake -DPROGRAM=path -DEXPECTED=file -P check_output.cmake
execute_process(COMMAND ${PROGRAM} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${code}:\n${err}")
endif()
if(NOT err STREQUAL "")
  message(FATAL_ERROR "${PROGRAM} wrote to stderr:\n${err}")
endif()
string(REGEX REPLACE "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z"
       "<time>" out "${out}")
string(REGEX REPLACE "-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-"
       "-<stamp>-" out "${out}")
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "output differs from ${EXPECTED}\n--- got:\n${out}--- expected:\n${expected}")
endif()
