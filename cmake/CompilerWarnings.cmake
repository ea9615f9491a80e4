# Project-wide warnings; CINESTREAM_WERROR (ON in CI) turns them into errors.
option(CINESTREAM_WERROR "Treat warnings as errors" ON)

function(cinestream_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wimplicit-fallthrough
    # GCC 12 misreports Asio's awaitable frame allocator as mismatched new/delete (fixed in 13).
    -Wno-mismatched-new-delete)
  if(CINESTREAM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
