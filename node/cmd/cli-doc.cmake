# Writes what `citynode help --man` or `citynode help --bash-completion` prints
# into OUT, at build time (CMakeLists.txt): the man page and the completion
# come from the binary's own command table (node/cmd/cli_table.c), so they
# say what --help says.
#   cmake -DCITYNODE=path/to/citynode -DWHAT=--man -DOUT=citynode.1 -P cli-doc.cmake
execute_process(COMMAND ${CITYNODE} help ${WHAT} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    file(REMOVE ${OUT}.tmp)
    message(FATAL_ERROR "citynode help ${WHAT} failed (${rc})")
endif()
file(RENAME ${OUT}.tmp ${OUT})
