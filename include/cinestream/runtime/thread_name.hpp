#pragma once
// Names threads for `top -H`, `ps -T`, perf and gdb ("loop-0", "db-1", "cpu-0", ...), so an
// operator can tell which part of a worker spends the CPU.
#include <string_view>

namespace cinestream {

// The calling thread's name, cut to the kernel's 15 characters. Best effort: never fails.
void name_this_thread(std::string_view name);

}  // namespace cinestream
