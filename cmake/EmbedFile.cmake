# Turns a data file into a C++ source defining `std::string_view <symbol>()`, so the binary
# carries its seed data and needs no files beside it at run time.
function(cinestream_embed_file input symbol output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DSYMBOL=${symbol} -DOUTPUT=${output}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFileRun.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/EmbedFileRun.cmake
    COMMENT "Embedding ${input}")
endfunction()
