# Project-wide warnings; CINESTREAM_WERROR (ON in CI) turns them into errors.
option(CINESTREAM_WERROR "Treat warnings as errors" ON)

function(cinestream_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wimplicit-fallthrough)
  if(CINESTREAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
